namespace HighDimSgd.Simulation;

/// <summary>
/// RMSprop-Norm (theory.md section 5): gamma_k = eta / sqrt(A_k) with
/// <c>A_k = b^2 e^{-alpha t_{k+1}} + (1/d^2) sum_{j &lt;= k} e^{-alpha (k - j)/d} ||G_j||_F^2</c>, i.e. the squared-gradient
/// memory forgets at rate <c>alpha</c> per unit time (factor e^{-alpha/d} per step). <c>alpha = 0</c> is AdaGrad-Norm.
/// </summary>
public sealed class RmsPropNormSchedule : IStepSchedule
{
    /// <summary>RMSprop-Norm with base rate <paramref name="eta"/>, initial scale <paramref name="b0"/> and forgetting rate <paramref name="alpha"/>.</summary>
    public RmsPropNormSchedule(double eta, double b0, double alpha)
    {
        if (!(eta > 0) || !double.IsFinite(eta))
        {
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be positive and finite.");
        }

        if (!(b0 > 0) || !double.IsFinite(b0))
        {
            throw new ArgumentOutOfRangeException(nameof(b0), b0, "b0 must be positive and finite.");
        }

        if (!(alpha >= 0) || !double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be non-negative and finite.");
        }

        Eta = eta;
        B0 = b0;
        Alpha = alpha;
    }

    /// <summary>Base rate eta.</summary>
    public double Eta { get; }

    /// <summary>Initial scale b0 (gamma_0 is about eta / b0).</summary>
    public double B0 { get; }

    /// <summary>Forgetting rate per unit time t.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    public string Name => Alpha == 0 ? "adagrad-norm" : "rmsprop-norm";

    /// <inheritdoc />
    public bool UsesGradientNorm => true;

    /// <inheritdoc />
    public StepSizeController Start(int dimension) => new NormAccumulatingController(Eta, B0 * B0, Alpha, dimension);
}

/// <summary>AdaGrad-Norm: gamma_k = eta / sqrt(b0^2 + (1/d^2) sum_{j &lt;= k} ||G_j||_F^2) (RMSprop-Norm with alpha = 0).</summary>
public sealed class AdaGradNormSchedule : IStepSchedule
{
    /// <summary>AdaGrad-Norm with base rate <paramref name="eta"/> and initial scale <paramref name="b0"/>.</summary>
    public AdaGradNormSchedule(double eta, double b0)
    {
        Inner = new RmsPropNormSchedule(eta, b0, 0.0);
    }

    private RmsPropNormSchedule Inner { get; }

    /// <summary>Base rate eta.</summary>
    public double Eta => Inner.Eta;

    /// <summary>Initial scale b0.</summary>
    public double B0 => Inner.B0;

    /// <inheritdoc />
    public string Name => "adagrad-norm";

    /// <inheritdoc />
    public bool UsesGradientNorm => true;

    /// <inheritdoc />
    public StepSizeController Start(int dimension) => Inner.Start(dimension);
}

/// <summary>
/// Accumulates A <- e^{-alpha dt} A + dt ||G||^2 / d from A = b0^2; with dt = 1/d this is exactly the
/// per-step sum (1/d^2) ||G_k||^2 of the definition, and for other dt (homogenized SGD) the same rate in t.
/// </summary>
internal sealed class NormAccumulatingController(double eta, double initialAccumulator, double alpha, int dimension)
    : StepSizeController
{
    private double _accumulator = initialAccumulator;
    private double _lastTimeStep = double.NaN;
    private double _decay = 1.0;

    public override double CurrentRate(double time) => eta / Math.Sqrt(_accumulator);

    public override double Advance(double time, double timeStep, in StepSample sample)
    {
        if (timeStep != _lastTimeStep)
        {
            _decay = Math.Exp(-alpha * timeStep);
            _lastTimeStep = timeStep;
        }

        _accumulator = _decay * _accumulator + timeStep * sample.GradientSquaredNorm / dimension;
        return eta / Math.Sqrt(_accumulator);
    }
}
