namespace HighDimSgd.Core.Ode;

/// <summary>How an integration ended.</summary>
public enum OdeStatus
{
    /// <summary>Reached the last requested output time.</summary>
    Completed,

    /// <summary>Stopped early: a monitor fired, the state became non-finite, or the step size underflowed.</summary>
    Diverged,

    /// <summary>Used up <see cref="IntegratorOptions.MaxSteps"/>.</summary>
    StepLimit,
}

/// <summary>Work done by an integration.</summary>
/// <param name="Accepted">Accepted steps.</param>
/// <param name="Rejected">Rejected step attempts (error too large or non-finite).</param>
/// <param name="DerivativeEvaluations">Calls of the right-hand side, including those for Jacobians.</param>
/// <param name="JacobianEvaluations">Finite-difference Jacobians formed (0 for explicit methods).</param>
public readonly record struct StepStatistics(int Accepted, int Rejected, int DerivativeEvaluations, int JacobianEvaluations);

/// <summary>
/// Result of an integration: the state at each requested output time reached (row per time), how it
/// ended, and step statistics. An early stop is a result, not an exception: the rows cover the output
/// times before <see cref="StopTime"/>, and <see cref="FinalState"/> is the state where it stopped.
/// </summary>
public sealed class OdeSolution
{
    private readonly double[] _times;
    private readonly double[] _states;

    internal OdeSolution(int dimension, double[] times, double[] states, OdeStatus status, double stopTime,
        string? reason, double[] finalState, StepStatistics statistics)
    {
        Dimension = dimension;
        _times = times;
        _states = states;
        Status = status;
        StopTime = stopTime;
        StopReason = reason;
        FinalState = finalState;
        Statistics = statistics;
    }

    /// <summary>State dimension.</summary>
    public int Dimension { get; }

    /// <summary>Number of output rows (requested output times that were reached).</summary>
    public int Count => _times.Length;

    /// <summary>Output times reached, ascending.</summary>
    public IReadOnlyList<double> Times => _times;

    /// <summary>State at output <paramref name="index"/>.</summary>
    public ReadOnlySpan<double> State(int index) => _states.AsSpan(index * Dimension, Dimension);

    /// <summary>Component <paramref name="component"/> at every output time.</summary>
    public double[] Component(int component)
    {
        var values = new double[Count];
        for (var i = 0; i < values.Length; i++) values[i] = _states[i * Dimension + component];
        return values;
    }

    /// <summary>How the integration ended.</summary>
    public OdeStatus Status { get; }

    /// <summary>Time the integration ended (the last output time when completed).</summary>
    public double StopTime { get; }

    /// <summary>Why it stopped early; null when completed.</summary>
    public string? StopReason { get; }

    /// <summary>State at <see cref="StopTime"/> (may be non-finite after divergence).</summary>
    public IReadOnlyList<double> FinalState { get; }

    /// <summary>Steps and evaluations.</summary>
    public StepStatistics Statistics { get; }

    /// <summary>True when every requested output time was reached.</summary>
    public bool IsCompleted => Status == OdeStatus.Completed;

    /// <inheritdoc />
    public override string ToString() => Status switch
    {
        OdeStatus.Completed => $"Completed at t = {StopTime:G6} ({Statistics})",
        OdeStatus.Diverged => $"Diverged at t = {StopTime:G6}: {StopReason} ({Statistics})",
        _ => $"StepLimit at t = {StopTime:G6} ({Statistics})",
    };
}
