namespace HighDimSgd.Core.Ode;

/// <summary>
/// A system that solves its own Rosenbrock linear systems <c>(s I - df/dy) x = b</c> from its structure, so that an
/// implicit method costs what the structure allows instead of a dense finite-difference Jacobian and LU
/// (n evaluations and n^3 work per step).
/// </summary>
public interface ILinearizedSystem : IOdeSystem
{
    /// <summary>Linearizes at (t, y), where f(t, y) = <paramref name="f0"/>; writes df/dt into <paramref name="dfdt"/>.</summary>
    void Linearize(double t, ReadOnlySpan<double> y, ReadOnlySpan<double> f0, Span<double> dfdt);

    /// <summary>Factors <c>s I - df/dy</c> at the last linearization for <paramref name="shift"/> = s.</summary>
    void Factor(double shift);

    /// <summary>Solves <c>(s I - df/dy) x = b</c> with the last factorization.</summary>
    void Solve(ReadOnlySpan<double> b, Span<double> x);

    /// <summary>Evaluations of f that the last linearization made (counted as the integrator's).</summary>
    int LinearizationEvaluations { get; }
}
