using HighDimSgd.Core.Ode;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The limiting ODE in the dense form with its diagonal rates named, for <see cref="ExponentialRungeKutta43"/>: the
/// stiff relaxation of the top eigen-directions is integrated exactly instead of limiting an explicit step. The
/// schedule's extra states have no linear part.
/// </summary>
internal sealed class DiagonalSplitDynamics(LimitingDynamics system, DenseRepresentation dense) : IDiagonallySplitSystem
{
    public int Dimension => system.Dimension;

    public void Derivative(double t, ReadOnlySpan<double> y, Span<double> dydt) => system.Derivative(t, y, dydt);

    public void DerivativeAndRates(double t, ReadOnlySpan<double> y, Span<double> dydt, Span<double> rates)
    {
        system.Derivative(t, y, dydt);
        rates[dense.Dimension..].Clear();
        dense.DiagonalRates(system.Evaluator.Drift, system.Rate, rates[..dense.Dimension]);
    }
}
