using System.Numerics.Tensors;
using HighDimSgd.Core.Matrices;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The dense form of theory.md section 10, exact for a Gaussian mixture whose class covariances do not commute: the
/// means <c>m_a = E w_a</c> (ns rows of d) and the second moments <c>P = E[w w^T]</c> of the stacked rows (one
/// (ns d)-square matrix, block (a, b) = P_ab), with <c>(M_c)_a = mu_c . m_a</c> and <c>(B_c)_ab = tr(K_c P_ba)</c>.
/// With <c>A_ae = sum_c p_c (J_c)_ae K_c</c> and <c>u_a = sum_c p_c (g_c)_a mu_c</c> (padded: teacher rows are zero):
/// <c>dm = -gamma (u + A m)</c>, <c>dP = -gamma (A P + (A P)^T + u m^T + m u^T) + (gamma^2 / d) sum_c p_c I_c (x) K_c</c>.
/// One (ns d)^3 product per right-hand side, through <see cref="Blas"/>.
/// </summary>
public sealed class DenseRepresentation : SpectralRepresentation
{
    private readonly int _ns, _d, _n, _classes;
    private readonly double[][] _covariances;   // K_c, d x d
    private readonly double[][] _means;         // mu_c
    private readonly double[] _m0, _p0;
    private readonly double[] _a, _ap;           // scratch (ns d)^2
    private readonly double[] _u, _am;           // scratch ns d
    private readonly double[] _noise;            // [(a ns + b) C + c] = (gamma^2 / d) p_c (I_c)_ab

    /// <summary>The classes' full covariances (<see cref="DataClass.Covariance"/>, or their diagonal when absent).</summary>
    public DenseRepresentation(DynamicsSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        _ns = setup.StateSize;
        _d = setup.Dimension;
        _n = _ns * _d;
        _classes = setup.Classes.Count;
        _covariances = [.. setup.Classes.Select(c => c.Covariance ?? Diagonal(c.Eigenvalues))];
        _means = [.. setup.Classes.Select(c => c.Mean)];
        var rows = setup.Init.Concat(setup.Teacher).ToArray();
        _m0 = new double[_n];
        for (var a = 0; a < _ns; a++) rows[a].CopyTo(_m0, a * _d);
        _p0 = new double[_n * _n];
        for (var i = 0; i < _n; i++)
            for (var j = 0; j < _n; j++) _p0[i * _n + j] = _m0[i] * _m0[j];
        _a = new double[_n * _n];
        _ap = new double[_n * _n];
        _u = new double[_n];
        _am = new double[_n];
        _noise = new double[_ns * _ns * _classes];
    }

    /// <summary>(ns d)^3: the multiply-adds of one right-hand side.</summary>
    public static double CostPerEvaluation(DynamicsSetup setup) => Math.Pow((double)setup.StateSize * setup.Dimension, 3);

    private static double[] Diagonal(double[] values)
    {
        var d = values.Length;
        var m = new double[d * d];
        for (var i = 0; i < d; i++) m[i * d + i] = values[i];
        return m;
    }

    /// <inheritdoc />
    public override string Method => "dense";

    /// <inheritdoc />
    public override string Description => $"dense ({_n} x {_n} second moments, {Blas.Provider})";

    /// <inheritdoc />
    public override int Dimension => _n + _n * _n;

    /// <inheritdoc />
    public override void InitialState(Span<double> state)
    {
        _m0.CopyTo(state);
        _p0.CopyTo(state[_n..]);
    }

    /// <inheritdoc />
    public override void Overlaps(ReadOnlySpan<double> state, OrderParameters into)
    {
        var m = state[.._n];
        var p = state.Slice(_n, _n * _n);
        for (var a = 0; a < _ns; a++)
            for (var b = 0; b < _ns; b++)
            {
                double trace = 0;
                for (var i = 0; i < _d; i++) trace += p[(a * _d + i) * _n + b * _d + i];
                into.Gram[a * _ns + b] = trace;
            }
        for (var c = 0; c < _classes; c++)
        {
            var k = _covariances[c];
            var mu = _means[c];
            for (var a = 0; a < _ns; a++)
            {
                into.Means[c][a] = TensorPrimitives.Dot(mu, m.Slice(a * _d, _d));
                for (var b = a; b < _ns; b++)
                {
                    // (B_c)_ab = sum_ij K_ij P_(a,i),(b,j), row by row.
                    double sum = 0;
                    for (var i = 0; i < _d; i++)
                        sum += TensorPrimitives.Dot(k.AsSpan(i * _d, _d), p.Slice((a * _d + i) * _n + b * _d, _d));
                    into.Covariances[c][a * _ns + b] = sum;
                    into.Covariances[c][b * _ns + a] = sum;
                }
            }
        }
        into.HasSquaredKernel = false;
    }

    /// <inheritdoc />
    public override void Derivative(ReadOnlySpan<double> state, DriftTerms drift, double rate, Span<double> derivative)
    {
        var m = state[.._n];
        var p = state.Slice(_n, _n * _n);
        BuildDrift(drift);
        Blas.Multiply(_a, false, p, false, _ap, _n, _n, _n);
        Blas.Multiply(_a, false, m, false, _am, _n, 1, _n);
        var dm = derivative[.._n];
        for (var i = 0; i < _n; i++) dm[i] = -rate * (_u[i] + _am[i]);
        var noise = rate * rate / _d;
        for (var c = 0; c < _classes; c++)
            for (var k = 0; k < _ns * _ns; k++) _noise[k * _classes + c] = noise * drift.Fishers[c][k];
        FillSecondMoments(m, rate, derivative.Slice(_n, _n * _n));
    }

    /// <summary>A (block (a, e) = sum_c p_c (J_c)_ae K_c) and u (row a = sum_c p_c (g_c)_a mu_c).</summary>
    private void BuildDrift(DriftTerms drift)
    {
        var d = _d;
        Array.Clear(_u);
        for (var a = 0; a < _ns; a++)
        {
            for (var e = 0; e < _ns; e++)
                for (var i = 0; i < d; i++)
                {
                    var row = _a.AsSpan((a * d + i) * _n + e * d, d);
                    TensorPrimitives.Multiply(_covariances[0].AsSpan(i * d, d), drift.Jacobians[0][a * _ns + e], row);
                    for (var c = 1; c < _classes; c++)
                        TensorPrimitives.MultiplyAdd(_covariances[c].AsSpan(i * d, d), drift.Jacobians[c][a * _ns + e], row, row);
                }
            for (var c = 0; c < _classes; c++)
            {
                var g = drift.Gradients[c][a];
                if (g != 0) TensorPrimitives.MultiplyAdd(_means[c], g, _u.AsSpan(a * d, d), _u.AsSpan(a * d, d));
            }
        }
    }

    /// <summary>
    /// dP = -gamma (AP + (AP)^T + u m^T + m u^T) by tiles, so that the transposed reads of AP stay in cache; then the
    /// noise (gamma^2 / d) sum_c p_c (I_c)_ab K_c on each block (a, b).
    /// </summary>
    private void FillSecondMoments(ReadOnlySpan<double> m, double rate, Span<double> dp)
    {
        const int tile = 32;
        var n = _n;
        var d = _d;
        for (var i0 = 0; i0 < n; i0 += tile)
            for (var j0 = 0; j0 < n; j0 += tile)
            {
                var iEnd = Math.Min(i0 + tile, n);
                var jEnd = Math.Min(j0 + tile, n);
                for (var i = i0; i < iEnd; i++)
                {
                    var ui = _u[i];
                    var mi = m[i];
                    for (var j = j0; j < jEnd; j++)
                        dp[i * n + j] = -rate * (_ap[i * n + j] + _ap[j * n + i] + ui * m[j] + mi * _u[j]);
                }
            }
        for (var c = 0; c < _classes; c++)
            for (var a = 0; a < _ns; a++)
                for (var b = 0; b < _ns; b++)
                {
                    var w = _noise[(a * _ns + b) * _classes + c];
                    if (w == 0) continue;
                    for (var i = 0; i < d; i++)
                    {
                        var row = dp.Slice((a * d + i) * n + b * d, d);
                        TensorPrimitives.MultiplyAdd(_covariances[c].AsSpan(i * d, d), w, row, row);
                    }
                }
    }

    /// <inheritdoc />
    public override void PolynomialOverlap(ReadOnlySpan<double> state, ReadOnlySpan<double> coefficients, Span<double> into)
    {
        // W p(K_0) W^T = sum_ij p(K_0)_ij P_(a,i),(b,j), with p(K_0) by Horner's rule.
        var d = _d;
        var k = _covariances[0];
        var poly = new double[d * d];
        var next = new double[d * d];
        for (var power = coefficients.Length - 1; power >= 0; power--)
        {
            Blas.Multiply(poly, false, k, false, next, d, d, d);
            for (var i = 0; i < d; i++) next[i * d + i] += coefficients[power];
            (poly, next) = (next, poly);
        }
        var p = state.Slice(_n, _n * _n);
        for (var a = 0; a < _ns; a++)
            for (var b = 0; b < _ns; b++)
            {
                double sum = 0;
                for (var i = 0; i < d; i++)
                    sum += TensorPrimitives.Dot(poly.AsSpan(i * d, d), p.Slice((a * d + i) * _n + b * d, d));
                into[a * _ns + b] = sum;
            }
    }
}
