using HighDimSgd.Core.Dynamics;
namespace HighDimSgd.Simulation;

/// <summary>
/// Maps the overlaps of the current weights to a step size: the Polyak-type step <c>A / ((Tr K/d) tr I)</c>, the greedy
/// (line-search) step, any rule that is a function of the order parameters. <paramref name="squaredKernel"/> holds
/// <c>W K^2 W^T</c> (side l + l*, row-major) when the schedule asked for it, and is empty otherwise.
/// </summary>
/// <remarks>One instance serves one run at a time, so it may own scratch buffers.</remarks>
public delegate double OverlapRateFunction(OverlapSnapshot overlaps, ReadOnlySpan<double> squaredKernel);

/// <summary>
/// A step size computed from the order parameters of the run's own weights, <c>gamma_k = rate(B(W_k), ...)</c>: the
/// SGD counterpart of an ODE schedule that reads the deterministic overlaps. The caller supplies the map (the CLI
/// passes the ODE's own formula through the drift evaluator, so both sides use one definition).
/// </summary>
public sealed class OverlapRateSchedule : IStepSchedule
{
    /// <summary>Default time between two recomputations of the overlaps: a rate at most 1/256 in t old.</summary>
    public const double DefaultRefreshInterval = 1.0 / 256;

    private readonly Func<OverlapRateFunction> _createRate;

    /// <summary>
    /// A schedule named <paramref name="name"/> whose rate <paramref name="createRate"/>() maps overlaps to gamma (called
    /// once per run). The overlaps cost O(d (l + l*)^2) per class, so they are recomputed every
    /// <paramref name="refreshInterval"/> in t (at least once per step below d = 1/interval) and at every checkpoint.
    /// </summary>
    public OverlapRateSchedule(string name, Func<OverlapRateFunction> createRate, bool needsSquaredKernel = false,
        double refreshInterval = DefaultRefreshInterval)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _createRate = createRate ?? throw new ArgumentNullException(nameof(createRate));
        if (!(refreshInterval >= 0) || !double.IsFinite(refreshInterval))
        {
            throw new ArgumentOutOfRangeException(nameof(refreshInterval), refreshInterval, "The refresh interval must be finite and non-negative.");
        }

        Name = name;
        NeedsSquaredKernel = needsSquaredKernel;
        RefreshInterval = refreshInterval;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>True when the rate needs <c>W K^2 W^T</c> (single data class only).</summary>
    public bool NeedsSquaredKernel { get; }

    /// <summary>Time t between two recomputations of the overlaps (0: every step).</summary>
    public double RefreshInterval { get; }

    /// <inheritdoc />
    public bool UsesGradientNorm => false;

    /// <inheritdoc />
    public bool ReadsWeights => true;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Always: the overlaps need the setup's data classes.</exception>
    public StepSizeController Start(int dimension) =>
        throw new InvalidOperationException($"Schedule '{Name}' reads the weights' overlaps: start it with the run's SgdSetup.");

    /// <inheritdoc />
    public StepSizeController Start(SgdSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (NeedsSquaredKernel && setup.Classes.Count != 1)
        {
            throw new ArgumentException($"Schedule '{Name}' needs W K^2 W^T, defined here for a single data class only.");
        }

        return new OverlapRateController(setup, _createRate(), NeedsSquaredKernel, RefreshInterval);
    }
}

/// <summary>Recomputes the overlaps of the observed weights when they are due and keeps the resulting rate.</summary>
internal sealed class OverlapRateController : StepSizeController
{
    private readonly IReadOnlyList<DataClass> _classes;
    private readonly int _dimension;
    private readonly OverlapSnapshot _snapshot;
    private readonly double[] _scratch;
    private readonly double[] _squaredEigenvalues;
    private readonly double[] _squaredKernel;
    private readonly OverlapRateFunction _rate;
    private readonly double _refreshInterval;
    private double _nextRefresh = double.NegativeInfinity;
    private double _current = double.NaN;

    public OverlapRateController(SgdSetup setup, OverlapRateFunction rate, bool squaredKernel, double refreshInterval)
    {
        _classes = setup.Classes;
        _dimension = setup.Dimension;
        _snapshot = new OverlapSnapshot(setup.StudentDirections, setup.TeacherDirections, setup.Classes.Count);
        _scratch = new double[setup.Dimension];
        var s = setup.StudentDirections + setup.TeacherDirections;
        _squaredEigenvalues = squaredKernel ? Array.ConvertAll(setup.Classes[0].Eigenvalues, x => x * x) : [];
        _squaredKernel = squaredKernel ? new double[s * s] : [];
        _rate = rate ?? throw new ArgumentNullException(nameof(rate));
        _refreshInterval = refreshInterval;
    }

    public override double CurrentRate(double time) => _current;

    public override double Advance(double time, double timeStep, in StepSample sample) => _current;

    public override void Observe(ReadOnlySpan<double> weights, double time, bool exact)
    {
        if (!exact && time < _nextRefresh)
        {
            return;
        }

        _snapshot.Time = time;
        _snapshot.Compute(weights, _dimension, _classes, _scratch);
        if (_squaredKernel.Length > 0)
        {
            OverlapSnapshot.FillGram(weights, _dimension, _snapshot.Size, _squaredEigenvalues, _squaredKernel, _scratch);
        }

        _current = _rate(_snapshot, _squaredKernel);
        _nextRefresh = time + _refreshInterval;
    }
}
