namespace HighDimSgd.Simulation;

/// <summary>gamma_k = gamma for every step.</summary>
public sealed class ConstantSchedule : IStepSchedule
{
    /// <summary>A constant step size <paramref name="rate"/> (must be positive and finite).</summary>
    public ConstantSchedule(double rate)
    {
        if (!(rate > 0) || !double.IsFinite(rate))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The learning rate must be positive and finite.");
        }

        Rate = rate;
    }

    /// <summary>The constant step size gamma.</summary>
    public double Rate { get; }

    /// <inheritdoc />
    public string Name => "constant";

    /// <inheritdoc />
    public bool UsesGradientNorm => false;

    /// <inheritdoc />
    public StepSizeController Start(int dimension) => new Controller(Rate);

    private sealed class Controller(double rate) : StepSizeController
    {
        public override double CurrentRate(double time) => rate;

        public override double Advance(double time, double timeStep, in StepSample sample) => rate;
    }
}
