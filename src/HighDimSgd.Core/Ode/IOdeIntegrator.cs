namespace HighDimSgd.Core.Ode;

/// <summary>An adaptive integrator that reports the state at requested output times.</summary>
public interface IOdeIntegrator
{
    /// <summary>Error control and step limits.</summary>
    IntegratorOptions Options { get; }

    /// <summary>
    /// Integrates forward from <paramref name="t0"/>, <paramref name="y0"/> to the last of
    /// <paramref name="outputTimes"/> (ascending, each at least <paramref name="t0"/>). Output times are
    /// served by dense output and never shorten a step; only the final step is cut to end exactly.
    /// </summary>
    /// <param name="monitor">Optional check after each accepted step; a non-null reason stops with <see cref="OdeStatus.Diverged"/>.</param>
    OdeSolution Integrate(IOdeSystem system, double t0, ReadOnlySpan<double> y0, ReadOnlySpan<double> outputTimes,
        StepMonitor? monitor = null);
}
