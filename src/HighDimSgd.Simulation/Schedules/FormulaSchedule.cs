namespace HighDimSgd.Simulation;

/// <summary>A deterministic schedule gamma_k = gamma(t) at t = k/d, given as a function of time.</summary>
public sealed class FormulaSchedule : IStepSchedule
{
    private readonly Func<double, double> _rate;

    /// <summary>A schedule from <paramref name="rate"/> (t to gamma); it must be thread-safe, runs share it.</summary>
    public FormulaSchedule(Func<double, double> rate, string name = "formula")
    {
        _rate = rate ?? throw new ArgumentNullException(nameof(rate));
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool UsesGradientNorm => false;

    /// <summary>gamma(t).</summary>
    public double RateAt(double time) => _rate(time);

    /// <inheritdoc />
    public StepSizeController Start(int dimension) => new Controller(_rate);

    private sealed class Controller(Func<double, double> rate) : StepSizeController
    {
        public override double CurrentRate(double time) => rate(time);

        public override double Advance(double time, double timeStep, in StepSample sample) => rate(time);
    }
}
