namespace HighDimSgd.Core.Ode;

/// <summary>Error control and step limits shared by the adaptive integrators.</summary>
/// <remarks>
/// The local error of a step is accepted when its weighted RMS norm, with weight
/// <c>AbsoluteTolerance + RelativeTolerance * max(|y_old|, |y_new|)</c> per component, is at most 1.
/// </remarks>
public sealed record IntegratorOptions
{
    /// <summary>Relative tolerance per component.</summary>
    public double RelativeTolerance { get; init; } = 1e-8;

    /// <summary>Absolute tolerance per component.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-10;

    /// <summary>First trial step; 0 chooses one from the derivative at the start (Hairer's estimate).</summary>
    public double InitialStep { get; init; }

    /// <summary>Largest step; long horizons with output far apart may still need a cap for monitors to see the state.</summary>
    public double MaxStep { get; init; } = double.PositiveInfinity;

    /// <summary>Most step attempts (accepted and rejected) before the integration stops with <see cref="OdeStatus.StepLimit"/>.</summary>
    public int MaxSteps { get; init; } = 1_000_000;

    /// <summary>Defaults: rtol 1e-8, atol 1e-10.</summary>
    public static IntegratorOptions Default { get; } = new();

    internal void Validate()
    {
        if (!(RelativeTolerance >= 0) || !(AbsoluteTolerance >= 0) || RelativeTolerance + AbsoluteTolerance <= 0)
            throw new ArgumentException("Tolerances must be non-negative and not both zero.");
        if (!(InitialStep >= 0)) throw new ArgumentException("InitialStep must be non-negative (0 = automatic).");
        if (!(MaxStep > 0)) throw new ArgumentException("MaxStep must be positive.");
        if (MaxSteps <= 0) throw new ArgumentException("MaxSteps must be positive.");
    }
}
