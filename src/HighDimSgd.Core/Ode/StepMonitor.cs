namespace HighDimSgd.Core.Ode;

/// <summary>
/// Called after every accepted step with the new time and state. Returns null to continue, or the reason
/// to stop: the integration then ends with <see cref="OdeStatus.Diverged"/> at that time.
/// </summary>
public delegate string? StepMonitor(double t, ReadOnlySpan<double> y);

/// <summary>A scalar read off the state, watched by <see cref="StepMonitors.AboveBound"/>.</summary>
public delegate double StateFunctional(double t, ReadOnlySpan<double> y);

/// <summary>Ready-made monitors for divergence.</summary>
public static class StepMonitors
{
    /// <summary>Stops when any component is NaN or infinite.</summary>
    public static StepMonitor NonFinite { get; } = (_, y) =>
    {
        for (var i = 0; i < y.Length; i++)
            if (!double.IsFinite(y[i])) return $"state component {i} is not finite";
        return null;
    };

    /// <summary>Stops when <paramref name="quantity"/> exceeds <paramref name="bound"/> or is NaN.</summary>
    public static StepMonitor AboveBound(StateFunctional quantity, double bound, string name) => (t, y) =>
    {
        var value = quantity(t, y);
        return value > bound || double.IsNaN(value) ? $"{name} = {value:G6} exceeds {bound:G6}" : null;
    };

    /// <summary>Stops when the largest absolute component exceeds <paramref name="bound"/>.</summary>
    public static StepMonitor MaxAbsAbove(double bound) => AboveBound(MaxAbs, bound, "max |y_i|");

    /// <summary>Runs the monitors in order and returns the first reason to stop.</summary>
    public static StepMonitor All(params StepMonitor[] monitors) => (t, y) =>
    {
        foreach (var monitor in monitors)
            if (monitor(t, y) is { } reason) return reason;
        return null;
    };

    private static double MaxAbs(double t, ReadOnlySpan<double> y)
    {
        var max = 0.0;
        foreach (var v in y)
        {
            if (double.IsNaN(v)) return double.NaN;
            max = Math.Max(max, Math.Abs(v));
        }
        return max;
    }
}
