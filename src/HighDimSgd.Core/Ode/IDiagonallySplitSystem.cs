namespace HighDimSgd.Core.Ode;

/// <summary>
/// A system whose stiffness lies on the diagonal of its Jacobian: it names that diagonal <c>D</c> at a state, and
/// <see cref="ExponentialRungeKutta43"/> integrates <c>y' = D y + (f(t, y) - D y)</c> with <c>D</c> frozen over each step,
/// exactly in the first term and explicitly in the second. Any <c>D</c> gives a consistent method; one close to the
/// stiff part of <c>df/dy</c> is what lets the step grow past the explicit stability limit.
/// </summary>
public interface IDiagonallySplitSystem : IOdeSystem
{
    /// <summary>
    /// Writes f(t, y) into <paramref name="dydt"/> and the diagonal rates <c>D</c> at (t, y) into <paramref name="rates"/>
    /// (both of y's length): one call, since the rates come from the same coefficients as the derivative.
    /// </summary>
    void DerivativeAndRates(double t, ReadOnlySpan<double> y, Span<double> dydt, Span<double> rates);
}
