namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// Quantities of the current deterministic state that adaptive step sizes read. Filled by
/// <see cref="LimitingDynamics"/> before the schedule is asked for a rate.
/// </summary>
public sealed class ScheduleContext
{
    /// <summary>sum_c p_c (Tr K_c / d) tr I_c: the growth rate of AdaGrad-Norm's accumulator.</summary>
    public double FisherGrowth { get; set; }

    /// <summary>A = E[grad_r f . (r - r*)] (NaN when l != l*).</summary>
    public double DistanceDecrease { get; set; } = double.NaN;

    /// <summary>||grad L||_F^2 (NaN when unavailable).</summary>
    public double GradientNormSquared { get; set; } = double.NaN;

    /// <summary>(Tr K^2 / d) tr(E[hess_r f] I) (NaN when unavailable).</summary>
    public double CurvatureNoise { get; set; } = double.NaN;

    /// <summary>Polyak-type step A / ((Tr K/d) tr I); NaN when there is no target.</summary>
    public double PolyakRate => DistanceDecrease / FisherGrowth;

    /// <summary>Largest step for which the distance to the target decreases: 2 A / ((Tr K/d) tr I).</summary>
    public double StabilityThreshold => 2 * PolyakRate;

    /// <summary>Greedy (exact line search) step: ||grad L||^2 / ((Tr K^2/d) tr(H I)).</summary>
    public double GreedyRate => GradientNormSquared / CurvatureNoise;
}

/// <summary>
/// A deterministic step-size rule gamma_t for the limiting ODE. Adaptive rules may carry extra ODE states
/// (e.g. AdaGrad-Norm's integral of tr I).
/// </summary>
public abstract class StepSizeSchedule
{
    /// <summary>Name as in the problem file.</summary>
    public abstract string Name { get; }

    /// <summary>Number of extra ODE states the rule carries.</summary>
    public virtual int ExtraStates => 0;

    /// <summary>True when the rule needs <see cref="ScheduleContext.GradientNormSquared"/> and <see cref="ScheduleContext.CurvatureNoise"/>.</summary>
    public virtual bool NeedsCurvature => false;

    /// <summary>Initial values of the extra states.</summary>
    public virtual void InitialExtras(Span<double> extras) { }

    /// <summary>gamma at time t.</summary>
    public abstract double Rate(double t, ReadOnlySpan<double> extras, ScheduleContext context);

    /// <summary>Time derivative of the extra states.</summary>
    public virtual void ExtraDerivative(double t, ReadOnlySpan<double> extras, ScheduleContext context, double rate, Span<double> derivative) { }
}

/// <summary>gamma_t = gamma.</summary>
public sealed class ConstantSchedule(double rate) : StepSizeSchedule
{
    /// <inheritdoc />
    public override string Name => "constant";

    /// <summary>gamma.</summary>
    public double Value { get; } = rate;

    /// <inheritdoc />
    public override double Rate(double t, ReadOnlySpan<double> extras, ScheduleContext context) => Value;
}

/// <summary>gamma_t = f(t) for a user formula.</summary>
public sealed class FormulaSchedule(Func<double, double> rate, string formula) : StepSizeSchedule
{
    /// <inheritdoc />
    public override string Name => "formula";

    /// <summary>The formula as written.</summary>
    public string Formula { get; } = formula;

    /// <summary>gamma(t) itself, for a simulator that steps on the same schedule (pure, safe to share across threads).</summary>
    public Func<double, double> RateFunction { get; } = rate;

    /// <inheritdoc />
    public override double Rate(double t, ReadOnlySpan<double> extras, ScheduleContext context) => RateFunction(t);
}

/// <summary>
/// AdaGrad-Norm: gamma_t = eta / sqrt(b0^2 + s_t), s' = (Tr K/d) tr I(B) (theory.md section 5).
/// </summary>
public sealed class AdaGradNormSchedule(double eta, double b0) : StepSizeSchedule
{
    /// <inheritdoc />
    public override string Name => "adagrad-norm";

    /// <inheritdoc />
    public override int ExtraStates => 1;

    /// <inheritdoc />
    public override double Rate(double t, ReadOnlySpan<double> extras, ScheduleContext context) =>
        eta / Math.Sqrt(b0 * b0 + extras[0]);

    /// <inheritdoc />
    public override void ExtraDerivative(double t, ReadOnlySpan<double> extras, ScheduleContext context, double rate, Span<double> derivative) =>
        derivative[0] = context.FisherGrowth;
}

/// <summary>
/// RMSprop-Norm: gamma_t = eta / sqrt(b0^2 e^{-alpha t} + s_t), s' = -alpha s + (Tr K/d) tr I(B).
/// </summary>
public sealed class RmsPropNormSchedule(double eta, double b0, double decay) : StepSizeSchedule
{
    /// <inheritdoc />
    public override string Name => "rmsprop-norm";

    /// <inheritdoc />
    public override int ExtraStates => 1;

    /// <inheritdoc />
    public override double Rate(double t, ReadOnlySpan<double> extras, ScheduleContext context) =>
        eta / Math.Sqrt(b0 * b0 * Math.Exp(-decay * t) + extras[0]);

    /// <inheritdoc />
    public override void ExtraDerivative(double t, ReadOnlySpan<double> extras, ScheduleContext context, double rate, Span<double> derivative) =>
        derivative[0] = -decay * extras[0] + context.FisherGrowth;
}

/// <summary>Polyak-type step: gamma_t = eta A / ((Tr K/d) tr I) (theory.md section 4).</summary>
public sealed class PolyakSchedule(double eta) : StepSizeSchedule
{
    /// <inheritdoc />
    public override string Name => "polyak";

    /// <inheritdoc />
    public override double Rate(double t, ReadOnlySpan<double> extras, ScheduleContext context) => eta * context.PolyakRate;
}

/// <summary>Idealised exact line search: the greedy risk step, scaled by eta (theory.md section 4).</summary>
public sealed class LineSearchSchedule(double eta) : StepSizeSchedule
{
    /// <inheritdoc />
    public override string Name => "line-search";

    /// <inheritdoc />
    public override bool NeedsCurvature => true;

    /// <inheritdoc />
    public override double Rate(double t, ReadOnlySpan<double> extras, ScheduleContext context) => eta * context.GreedyRate;
}
