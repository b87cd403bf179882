namespace HighDimSgd.Simulation;

/// <summary>
/// A learning-rate rule for the simulators. The schedule itself is an immutable description; each run
/// gets its own <see cref="StepSizeController"/> holding the run's accumulated gradient norms.
/// </summary>
public interface IStepSchedule
{
    /// <summary>Short name, e.g. "adagrad-norm".</summary>
    string Name { get; }

    /// <summary>True when the controller needs the sample gradient norm ||G_k||_F^2 at each step.</summary>
    bool UsesGradientNorm { get; }

    /// <summary>
    /// True when the controller needs the sample's distance-decrease term <c>grad_r f . (r - r*)</c> at each step
    /// (needs a teacher with as many directions as the student).
    /// </summary>
    bool UsesDistanceDecrease => false;

    /// <summary>
    /// Samples the run shows the controller at the initial weights before the first step, through
    /// <see cref="StepSizeController.Advance"/>, without taking those steps: rules that estimate their rate from past
    /// samples have one before they step.
    /// </summary>
    int WarmUpSamples(int dimension) => 0;

    /// <summary>A fresh controller for one run in dimension <paramref name="dimension"/>.</summary>
    StepSizeController Start(int dimension);

    /// <summary>
    /// True when the rate depends on the current weights (Polyak, line search): the run loop then shows them to the
    /// controller through <see cref="StepSizeController.Observe"/> before every step and every checkpoint.
    /// </summary>
    bool ReadsWeights => false;

    /// <summary>A fresh controller for one run of <paramref name="setup"/>; rules that read the weights need its data classes.</summary>
    StepSizeController Start(SgdSetup setup) => Start(setup.Dimension);
}

/// <summary>Per-run state of a step-size rule.</summary>
/// <remarks>
/// Convention (theory.md section 5, [HL]): the step size of step <c>k</c> includes that step's own
/// sample gradient, <c>gamma_k = eta / sqrt(b^2 + (1/d^2) sum_{j &lt;= k} ||G_j||_F^2)</c>; the simulators call
/// <see cref="Advance"/> after computing <c>G_k</c> and before applying it. The recorded "lr" at time
/// <c>t = k/d</c> is <see cref="CurrentRate"/>: the rate given the gradients of steps <c>j &lt; k</c> only,
/// which is the discrete counterpart of the deterministic <c>gamma(t)</c>. The two differ by O(1/d).
/// </remarks>
public abstract class StepSizeController
{
    /// <summary>The step size at time <paramref name="time"/> before the next gradient is seen.</summary>
    public abstract double CurrentRate(double time);

    /// <summary>
    /// Takes one step of length <paramref name="timeStep"/> in t (1/d for SGD) whose sample is summarised by
    /// <paramref name="sample"/>, and returns the step size to use for it.
    /// </summary>
    public abstract double Advance(double time, double timeStep, in StepSample sample);

    /// <summary>
    /// Shows the current weights W = [X; X*] (rows of length d, students first) at <paramref name="time"/>; called only
    /// for schedules with <see cref="IStepSchedule.ReadsWeights"/>. <paramref name="exact"/> asks for a rate from these
    /// very weights (checkpoints); otherwise the controller may reuse a rate computed a few steps earlier.
    /// </summary>
    public virtual void Observe(ReadOnlySpan<double> weights, double time, bool exact) { }
}

/// <summary>
/// What one SGD sample shows a step-size rule. Fields a schedule did not ask for
/// (<see cref="IStepSchedule.UsesGradientNorm"/>, <see cref="IStepSchedule.UsesDistanceDecrease"/>) are 0.
/// </summary>
/// <param name="GradientSquaredNorm">||G_k||_F^2 of the sample gradient <c>G_k = grad_r f a_k^T</c>.</param>
/// <param name="DistanceDecrease">
/// <c>grad_r f . (r - r*)</c> at the sample: its mean is A, the rate at which the distance to the teacher falls.
/// </param>
public readonly record struct StepSample(double GradientSquaredNorm, double DistanceDecrease = 0);
