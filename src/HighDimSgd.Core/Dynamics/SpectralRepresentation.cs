namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The drift and noise coefficients of the limiting ODE at one time, padded to ns x ns (teacher rows are zero)
/// and already weighted by the class probabilities: <c>p_c J^_c</c>, <c>p_c g^_c</c>, <c>p_c I^_c</c>.
/// </summary>
public sealed class DriftTerms
{
    /// <summary>Buffers for <paramref name="classCount"/> classes.</summary>
    public DriftTerms(int classCount, int stateSize)
    {
        Jacobians = new double[classCount][];
        Gradients = new double[classCount][];
        Fishers = new double[classCount][];
        for (var c = 0; c < classCount; c++)
        {
            Jacobians[c] = new double[stateSize * stateSize];
            Gradients[c] = new double[stateSize];
            Fishers[c] = new double[stateSize * stateSize];
        }
    }

    /// <summary>p_c J^_c.</summary>
    public double[][] Jacobians { get; }

    /// <summary>p_c g^_c.</summary>
    public double[][] Gradients { get; }

    /// <summary>p_c I^_c.</summary>
    public double[][] Fishers { get; }
}

/// <summary>
/// How the spectrum of K is carried in the ODE state: per eigen-group (<see cref="EigenRepresentation"/>) or
/// by resolvents on contour nodes (<see cref="ContourRepresentation"/>). Both map a state to the same
/// <see cref="OrderParameters"/> and advance it with the same <see cref="DriftTerms"/>.
/// </summary>
public abstract class SpectralRepresentation
{
    /// <summary>"eigen" or "contour".</summary>
    public abstract string Method { get; }

    /// <summary>Number of real ODE states.</summary>
    public abstract int Dimension { get; }

    /// <summary>Writes the state at t = 0.</summary>
    public abstract void InitialState(Span<double> state);

    /// <summary>Reads the overlaps from a state.</summary>
    public abstract void Overlaps(ReadOnlySpan<double> state, OrderParameters into);

    /// <summary>Time derivative of the state for step size <paramref name="rate"/>.</summary>
    public abstract void Derivative(ReadOnlySpan<double> state, DriftTerms drift, double rate, Span<double> derivative);

    /// <summary>Computes any W p(K) W^T (for class 0's K) from a state, p given by its coefficients (p_0 + p_1 z + ...).</summary>
    public abstract void PolynomialOverlap(ReadOnlySpan<double> state, ReadOnlySpan<double> coefficients, Span<double> into);

    /// <summary>A short description for run records, e.g. "eigen (3 groups)".</summary>
    public abstract string Description { get; }
}

/// <summary>Small dense helpers for the ns x ns blocks of the ODE.</summary>
internal static class Blocks
{
    /// <summary>into += alpha (A V + V A^T).</summary>
    public static void AddSymmetricProduct(ReadOnlySpan<double> a, ReadOnlySpan<double> v, double alpha, Span<double> into, int n)
    {
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                double s = 0;
                for (var k = 0; k < n; k++) s += a[i * n + k] * v[k * n + j] + v[i * n + k] * a[j * n + k];
                into[i * n + j] += alpha * s;
            }
    }

    /// <summary>into += alpha A x.</summary>
    public static void AddProduct(ReadOnlySpan<double> a, ReadOnlySpan<double> x, double alpha, Span<double> into, int n)
    {
        for (var i = 0; i < n; i++)
        {
            double s = 0;
            for (var k = 0; k < n; k++) s += a[i * n + k] * x[k];
            into[i] += alpha * s;
        }
    }

    /// <summary>into += alpha (g q^T + q g^T).</summary>
    public static void AddSymmetricOuter(ReadOnlySpan<double> g, ReadOnlySpan<double> q, double alpha, Span<double> into, int n)
    {
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                into[i * n + j] += alpha * (g[i] * q[j] + q[i] * g[j]);
    }
}
