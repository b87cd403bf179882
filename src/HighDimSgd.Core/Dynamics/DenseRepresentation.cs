using System.Numerics.Tensors;
using HighDimSgd.Core.Matrices;
using HighDimSgd.Core.Ode;

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
    private readonly double[][] _diagonals;     // diag K_c
    private readonly double[][] _kernels;       // K_c, and K_0^2 for one class (line search reads W K^2 W^T)
    private readonly double[] _partialSums, _totals; // Overlaps' sums per row chunk, and over the chunks
    private readonly double[] _m0, _p0;
    private readonly double[] _a, _ap;           // scratch (ns d)^2
    private readonly double[] _u, _am;           // scratch ns d
    private readonly double[] _noise;            // [(a ns + b) C + c] = (gamma^2 / d) p_c (I_c)_ab
    private readonly double[] _mCopy;            // the state's means, for the parallel loops
    private readonly int[] _block, _index;       // row I of the state is row _index[I] of block _block[I]

    /// <summary>The classes' full covariances (<see cref="DataClass.Covariance"/>, or their diagonal when absent).</summary>
    public DenseRepresentation(DynamicsSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (Unaffordable(setup) is { } why) throw new ArgumentException(why, nameof(setup));
        _ns = setup.StateSize;
        _d = setup.Dimension;
        _n = _ns * _d;
        _classes = setup.Classes.Count;
        _covariances = [.. setup.Classes.Select(c => c.Covariance ?? Diagonal(c.Eigenvalues))];
        _means = [.. setup.Classes.Select(c => c.Mean)];
        var rows = setup.Init.Concat(setup.Teacher).ToArray();
        if (_classes > 1 && setup.Classes.Any(c => c.Covariance is not null))
        {
            var basis = WithinClassEigenbasis(setup.Classes.Select(c => c.Probability).ToArray(), _covariances, _d);
            _covariances = [.. _covariances.Select(k => Rotate(k, basis, _d))];
            _means = [.. _means.Select(m => RotateVector(m, basis, _d))];
            rows = [.. rows.Select(r => RotateVector(r, basis, _d))];
        }
        _diagonals = [.. _covariances.Select(k => Enumerable.Range(0, _d).Select(i => k[i * _d + i]).ToArray())];
        _kernels = _classes == 1 ? [_covariances[0], Squared(_covariances[0], _d)] : _covariances;
        _totals = new double[_kernels.Length + 1];
        _partialSums = new double[RowChunks * _ns * _ns * _totals.Length];
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
        _mCopy = new double[_n];
        _block = [.. Enumerable.Range(0, _n).Select(i => i / _d)];
        _index = [.. Enumerable.Range(0, _n).Select(i => i % _d)];
    }

    /// <summary>Largest (ns d)^2, the entries of one state: 2^27 doubles are 1 GiB, and the integrator keeps about ten states.</summary>
    public const long MaxSecondMoments = 1L << 27;

    /// <summary>Why the dense form cannot hold this setup's state, or null when it can.</summary>
    public static string? Unaffordable(DynamicsSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var n = (long)setup.StateSize * setup.Dimension;
        return n * n <= MaxSecondMoments
            ? null
            : $"(ns d)^2 = {n * n:G3} second moments ({8.0 * n * n / (1 << 30):G3} GiB per state, about ten states) exceed {MaxSecondMoments:G3}; use the eigen method (the commuting approximation)";
    }

    /// <summary>(ns d)^3: the multiply-adds of one right-hand side.</summary>
    public static double CostPerEvaluation(DynamicsSetup setup) => Math.Pow((double)setup.StateSize * setup.Dimension, 3);

    /// <summary>
    /// Eigenvectors (columns, row-major) of the within-class covariance <c>sum_c p_c K_c</c>. Every quantity the dense
    /// form reports is a trace or an inner product, so any orthonormal basis gives the same curves; in this one the drift
    /// <c>sum_c p_c J_c K_c</c> is diagonal whenever the classes' J_c agree, which is what lets the exponential integrator
    /// take the stiff relaxation exactly (the pooled eigenbasis leaves the between-class scatter off the diagonal).
    /// </summary>
    private static double[] WithinClassEigenbasis(double[] probabilities, double[][] covariances, int d)
    {
        var within = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(d, d);
        for (var c = 0; c < covariances.Length; c++)
            for (var i = 0; i < d; i++)
                for (var j = 0; j < d; j++) within[i, j] += probabilities[c] * covariances[c][i * d + j];
        var vectors = within.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenVectors;
        var basis = new double[d * d];
        for (var i = 0; i < d; i++)
            for (var j = 0; j < d; j++) basis[i * d + j] = vectors[i, j];
        return basis;
    }

    /// <summary>V^T K V.</summary>
    private static double[] Rotate(double[] k, double[] basis, int d)
    {
        var kv = new double[d * d];
        Blas.Multiply(k, false, basis, false, kv, d, d, d);
        var rotated = new double[d * d];
        Blas.Multiply(basis, true, kv, false, rotated, d, d, d);
        // Symmetric to the last bit, as the state's symmetry relies on.
        for (var i = 0; i < d; i++)
            for (var j = i + 1; j < d; j++) rotated[i * d + j] = rotated[j * d + i] = 0.5 * (rotated[i * d + j] + rotated[j * d + i]);
        return rotated;
    }

    /// <summary>V^T v.</summary>
    private static double[] RotateVector(double[] v, double[] basis, int d)
    {
        var rotated = new double[d];
        Blas.Multiply(basis, true, v, false, rotated, d, 1, d);
        return rotated;
    }

    private static double[] Squared(double[] k, int d)
    {
        var square = new double[d * d];
        Blas.Multiply(k, false, k, false, square, d, d, d);
        return square;
    }

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
    public override unsafe void Overlaps(ReadOnlySpan<double> state, OrderParameters into)
    {
        var m = state[.._n];
        for (var c = 0; c < _classes; c++)
            for (var a = 0; a < _ns; a++) into.Means[c][a] = TensorPrimitives.Dot(_means[c], m.Slice(a * _d, _d));
        var kernels = _kernels.Length;
        fixed (double* statePointer = state)
        {
            var p = (nint)(statePointer + _n);
            // Per block (a, b): the trace (N_ab) and, per kernel k, sum_ij k_ij P_(a,i),(b,j) (B_c, and W K^2 W^T for one
            // class), summed over rows i in fixed chunks (in parallel, the same sums whatever the threads).
            var terms = _ns * _ns * (kernels + 1);
            var partial = _partialSums;
            Array.Clear(partial);
            Parallel.For(0, RowChunks, chunk =>
            {
                var (start, end) = ChunkRange(chunk, _d);
                var rows = new Span<double>((double*)p, _n * _n);
                var sums = partial.AsSpan(chunk * terms, terms);
                for (var a = 0; a < _ns; a++)
                    for (var b = a; b < _ns; b++)
                        for (var i = start; i < end; i++)
                        {
                            var row = rows.Slice((a * _d + i) * _n + b * _d, _d);
                            var k = (a * _ns + b) * (kernels + 1);
                            sums[k] += row[i];
                            for (var q = 0; q < kernels; q++)
                                sums[k + 1 + q] += TensorPrimitives.Dot(_kernels[q].AsSpan(i * _d, _d), row);
                        }
            });
            var totals = _totals;
            for (var a = 0; a < _ns; a++)
                for (var b = a; b < _ns; b++)
                {
                    var k = (a * _ns + b) * (kernels + 1);
                    Array.Clear(totals);
                    for (var chunk = 0; chunk < RowChunks; chunk++)
                        for (var q = 0; q <= kernels; q++) totals[q] += partial[chunk * terms + k + q];
                    into.Gram[a * _ns + b] = into.Gram[b * _ns + a] = totals[0];
                    for (var c = 0; c < _classes; c++) into.Covariances[c][a * _ns + b] = into.Covariances[c][b * _ns + a] = totals[1 + c];
                    if (kernels > _classes) into.SquaredKernel[a * _ns + b] = into.SquaredKernel[b * _ns + a] = totals[1 + _classes];
                }
        }
        into.HasSquaredKernel = kernels > _classes;
    }

    /// <summary>Row chunks of the parallel loops: fixed, so that sums do not depend on the number of threads.</summary>
    private const int RowChunks = 16;

    private static (int Start, int End) ChunkRange(int chunk, int rows) =>
        (chunk * rows / RowChunks, (chunk + 1) * rows / RowChunks);

    /// <inheritdoc />
    public override unsafe void Derivative(ReadOnlySpan<double> state, DriftTerms drift, double rate, Span<double> derivative)
    {
        var m = state[.._n];
        BuildDrift(drift);
        fixed (double* statePointer = state)
            Blas.Multiply(new ReadOnlySpan<double>(statePointer + _n, _n * _n), false, _a, true, _ap, _n, _n, _n);
        Blas.Multiply(_a, false, m, false, _am, _n, 1, _n);
        var dm = derivative[.._n];
        for (var i = 0; i < _n; i++) dm[i] = -rate * (_u[i] + _am[i]);
        var noise = rate * rate / _d;
        for (var c = 0; c < _classes; c++)
            for (var k = 0; k < _ns * _ns; k++) _noise[k * _classes + c] = noise * drift.Fishers[c][k];
        m.CopyTo(_mCopy);
        fixed (double* derivativePointer = derivative)
            FillSecondMoments(rate, (nint)(derivativePointer + _n));
    }

    /// <summary>
    /// The diagonal of the state's linear drift, for <see cref="ExponentialRungeKutta43"/>: <c>-gamma A_II</c> for mean
    /// entry I and <c>-gamma (A_II + A_JJ)</c> for second moment (I, J), with <c>A_II = sum_c p_c (J_c)_aa (K_c)_ii</c>
    /// for row I = (a, i). In the pooled eigenbasis (where real data sets are given) this carries the stiffness: the
    /// top eigenvalues sit on the diagonal of every K_c, and what is left off it is small.
    /// </summary>
    public void DiagonalRates(DriftTerms drift, double rate, Span<double> rates)
    {
        ArgumentNullException.ThrowIfNull(drift);
        if (rates.Length != Dimension) throw new ArgumentException($"Expected {Dimension} rates, got {rates.Length}.", nameof(rates));
        var rows = rates[.._n];
        rows.Clear();
        for (var a = 0; a < _ns; a++)
            for (var c = 0; c < _classes; c++)
            {
                var weight = -rate * drift.Jacobians[c][a * _ns + a];
                if (weight != 0) TensorPrimitives.MultiplyAdd(_diagonals[c], weight, rows.Slice(a * _d, _d), rows.Slice(a * _d, _d));
            }
        for (var i = 0; i < _n; i++) TensorPrimitives.Add(rows, rows[i], rates.Slice(_n + i * _n, _n));
    }

    /// <summary>A (block (a, e) = sum_c p_c (J_c)_ae K_c) and u (row a = sum_c p_c (g_c)_a mu_c); rows in parallel.</summary>
    private void BuildDrift(DriftTerms drift)
    {
        var d = _d;
        Parallel.For(0, RowChunks, chunk =>
        {
            var (start, end) = ChunkRange(chunk, d);
            for (var a = 0; a < _ns; a++)
                for (var e = 0; e < _ns; e++)
                    for (var i = start; i < end; i++)
                    {
                        var row = _a.AsSpan((a * d + i) * _n + e * d, d);
                        TensorPrimitives.Multiply(_covariances[0].AsSpan(i * d, d), drift.Jacobians[0][a * _ns + e], row);
                        for (var c = 1; c < _classes; c++)
                            TensorPrimitives.MultiplyAdd(_covariances[c].AsSpan(i * d, d), drift.Jacobians[c][a * _ns + e], row, row);
                    }
        });
        Array.Clear(_u);
        for (var a = 0; a < _ns; a++)
            for (var c = 0; c < _classes; c++)
            {
                var g = drift.Gradients[c][a];
                if (g != 0) TensorPrimitives.MultiplyAdd(_means[c], g, _u.AsSpan(a * d, d), _u.AsSpan(a * d, d));
            }
    }

    /// <summary>
    /// dP = -gamma (Y + Y^T + u m^T + m u^T) + sum_c (noise_c)_ab K_c with Y = P A^T (so Y^T = A P), by tiles (I, J) with
    /// I &lt;= J: each gives dP[I, J] and, by symmetry, dP[J, I], so every entry of Y is read once and the transposed reads
    /// stay in cache; tile rows in parallel.
    /// </summary>
    private unsafe void FillSecondMoments(double rate, nint target)
    {
        const int tile = 32;
        var n = _n;
        var d = _d;
        var tiles = (n + tile - 1) / tile;
        Parallel.For(0, tiles, ti =>
        {
            var dp = (double*)target;
            fixed (double* y = _ap, u = _u, m = _mCopy, noise = _noise)
            {
                var i0 = ti * tile;
                var iEnd = Math.Min(i0 + tile, n);
                for (var j0 = i0; j0 < n; j0 += tile)
                {
                    var jEnd = Math.Min(j0 + tile, n);
                    for (var i = i0; i < iEnd; i++)
                    {
                        var (a, ii) = (_block[i], _index[i]);
                        var ui = u[i];
                        var mi = m[i];
                        for (var j = Math.Max(j0, i); j < jEnd; j++)
                        {
                            var value = -rate * (y[i * n + j] + y[j * n + i] + ui * m[j] + mi * u[j]);
                            var weights = (a * _ns + _block[j]) * _classes;
                            var kk = ii * d + _index[j];
                            for (var c = 0; c < _classes; c++) value += noise[weights + c] * _covariances[c][kk];
                            dp[i * n + j] = value;
                            dp[j * n + i] = value;
                        }
                    }
                }
            }
        });
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
