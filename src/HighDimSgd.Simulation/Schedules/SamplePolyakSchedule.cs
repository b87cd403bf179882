namespace HighDimSgd.Simulation;

/// <summary>
/// The Polyak-type step <c>gamma = eta A / ((Tr K/d) tr I)</c> (theory.md section 4) with both expectations estimated
/// from the samples SGD itself draws: <c>gamma_k = eta Ahat_k / Fhat_k</c>, where Ahat and Fhat are exponential averages of
/// <c>a_j = grad_r f . (r - r*)</c> (mean A) and <c>f_j = ||G_j||_F^2 / d = ||grad_r f||^2 ||a_j||^2 / d</c> (mean
/// (Tr K/d) tr I, up to ||mu||^2 / d for a class mean mu) over the samples <c>j &lt; k</c>. The step's own sample is left
/// out so that gamma_k is independent of the gradient it scales.
/// </summary>
/// <remarks>
/// The window w (samples, mean age of the average) trades two errors. The ratio of two averages of w samples of O(1)
/// variance is off by O(1/w) in the mean, and its O(w^{-1/2}) noise is averaged out along the trajectory; the average
/// trails the state, which moves by O(1) in d steps, so it lags by O(w/d). Both vanish as d grows when w tends to
/// infinity while w/d tends to 0; <see cref="WindowFor"/>'s w = sqrt(d) balances them, each O(d^{-1/2}), the order of
/// SGD's own fluctuations, and at d = 10^4 the window is 1 % of a unit of time. Before the first step the run shows the
/// controller one window of samples at the initial weights (<see cref="IStepSchedule.WarmUpSamples"/>), so the
/// first steps do not rest on one or two samples.
/// </remarks>
public sealed class SamplePolyakSchedule : IStepSchedule
{
    /// <summary>Polyak with base rate <paramref name="eta"/>, estimated over <see cref="WindowFor"/>(d) samples.</summary>
    public SamplePolyakSchedule(double eta)
    {
        if (!(eta > 0) || !double.IsFinite(eta))
        {
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be positive and finite.");
        }

        Eta = eta;
    }

    /// <summary>Base rate eta.</summary>
    public double Eta { get; }

    /// <inheritdoc />
    public string Name => "polyak";

    /// <inheritdoc />
    public bool UsesGradientNorm => true;

    /// <inheritdoc />
    public bool UsesDistanceDecrease => true;

    /// <summary>The averaging window in dimension <paramref name="dimension"/>: round(sqrt(d)), at least 1 (see remarks).</summary>
    public static int WindowFor(int dimension) => Math.Max(1, (int)Math.Round(Math.Sqrt(dimension)));

    /// <inheritdoc />
    public int WarmUpSamples(int dimension) => WindowFor(dimension);

    /// <inheritdoc />
    public StepSizeController Start(int dimension) => new SamplePolyakController(Eta, WindowFor(dimension), dimension);
}

/// <summary>
/// Keeps the exponentially weighted sums <c>S_A = sum_j rho^{k-1-j} a_j</c> and <c>S_F</c> likewise, with
/// <c>rho = 1 - 1/w</c>; their ratio is that of the weighted means, whose common normalisation cancels.
/// </summary>
internal sealed class SamplePolyakController(double eta, int window, int dimension) : StepSizeController
{
    private readonly double _keep = 1.0 - 1.0 / window;
    private double _decrease;
    private double _growth;

    /// <summary>eta S_A / S_F; NaN before any sample is seen.</summary>
    public override double CurrentRate(double time) => _growth > 0 ? eta * _decrease / _growth : double.NaN;

    public override double Advance(double time, double timeStep, in StepSample sample)
    {
        var rate = CurrentRate(time);
        _decrease = _keep * _decrease + sample.DistanceDecrease;
        _growth = _keep * _growth + sample.GradientSquaredNorm / dimension;
        return rate;
    }
}
