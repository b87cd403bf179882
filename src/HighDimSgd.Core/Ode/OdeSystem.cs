namespace HighDimSgd.Core.Ode;

/// <summary>Right-hand side of <c>y' = f(t, y)</c>: writes <c>f(t, y)</c> into <paramref name="dydt"/>.</summary>
/// <remarks>Complex states (contour nodes) are packed by the caller as consecutive (re, im) pairs.</remarks>
public delegate void OdeDerivative(double t, ReadOnlySpan<double> y, Span<double> dydt);

/// <summary>A first-order system of real ODEs of fixed dimension.</summary>
public interface IOdeSystem
{
    /// <summary>Length of the state vector.</summary>
    int Dimension { get; }

    /// <summary>Writes <c>f(t, y)</c> into <paramref name="dydt"/> (same length as <paramref name="y"/>).</summary>
    void Derivative(double t, ReadOnlySpan<double> y, Span<double> dydt);
}

/// <summary>An <see cref="IOdeSystem"/> built from a delegate.</summary>
public sealed class OdeSystem(int dimension, OdeDerivative derivative) : IOdeSystem
{
    /// <inheritdoc />
    public int Dimension { get; } = dimension > 0
        ? dimension
        : throw new ArgumentOutOfRangeException(nameof(dimension), "An ODE system needs at least one state.");

    /// <inheritdoc />
    public void Derivative(double t, ReadOnlySpan<double> y, Span<double> dydt) => derivative(t, y, dydt);
}
