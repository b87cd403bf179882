using System.Collections.Concurrent;
using HighDimSgd.Core.Models;
using System.Runtime.CompilerServices;
using MathNet.Numerics.Distributions;

namespace HighDimSgd.Core.Expectations;

/// <summary>
/// Moments of a <see cref="LossModel"/> over <c>x = (r, r*) ~ N(M, B)</c>, <c>eps ~ N(0, I)</c> for effective
/// dimensions where tensor Gauss-Hermite is out of reach and Smolyak grids explode (a 15-class softmax needs
/// 4e5 level-6 points in 15 dimensions). The rule is a rank-1 Korobov lattice with the tent transform (second
/// order for smooth integrands), mapped to normals by the inverse CDF and used in antithetic pairs (odd moments of z
/// are exact), then <c>x = M + L z</c> with <c>L</c> the Cholesky factor of <c>B</c>.
/// </summary>
/// <remarks>
/// Why Cholesky and not an eigen-factor: the lattice is not rotation invariant, so the factor must be a smooth
/// function of B for the ODE's right-hand side to be smooth; eigenvectors flip sign and rotate at eigenvalue
/// crossings, the Cholesky factor does not. Rank-deficient B (zero student rows at t = 0) gets zero columns.
/// Not thread-safe: buffers are reused.
/// </remarks>
public sealed class LatticeGaussianRule
{
    private static readonly ConcurrentDictionary<(int Points, int Dimension), double[]> NormalPointCache = new();

    /// <summary>
    /// Lattice points per block handed to <see cref="LossModel.LossAndGradientBatch"/> (twice as many with their
    /// antithetic partners): large enough to amortise the calls, small enough that a block's rows stay in cache.
    /// </summary>
    private const int BlockPoints = 128;

    private readonly LossModel _model;
    private readonly int _l, _n, _noise, _dimension, _points;
    private readonly double[] _normals; // by variable: [k * points + p]; the antithetic partner of a point is -z
    private readonly double[] _factor, _covariance, _offsets;
    private readonly double[] _state, _eps, _loss, _gradient, _difference;
    private bool _hasOffsets;

    /// <summary>A rule on a lattice of <paramref name="latticePoints"/> points (a prime), used twice (antithetic).</summary>
    public LatticeGaussianRule(LossModel model, int latticePoints = 4093)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(latticePoints, 7);
        _model = model;
        _l = model.StudentDirections;
        _n = model.StateDimension;
        _noise = model.NoiseCount;
        _dimension = _n + _noise;
        _points = latticePoints;
        _normals = NormalPointCache.GetOrAdd((latticePoints, _dimension), key => ByVariable(NormalPoints(key.Points, key.Dimension), key.Points, key.Dimension));
        _factor = new double[_n * _n];
        _covariance = new double[_n * _n];
        _offsets = new double[_n * _points];
        var block = 2 * Math.Min(BlockPoints, _points);
        _state = new double[_n * block];
        _eps = new double[_noise * block];
        _loss = new double[block];
        _gradient = new double[_l * block];
        _difference = new double[_l * block / 2];
    }

    /// <summary>Number of loss evaluations per <see cref="Compute"/>.</summary>
    public int Evaluations => 2 * _points;

    /// <summary>Fills every moment of <paramref name="result"/> (loss, gradient, Fisher, gradient cross).</summary>
    /// <remarks>
    /// The offsets <c>L z</c> depend on B only; they are kept from the previous call when B is the same, as it is for
    /// every class of a mixture with a shared covariance. The Fisher sum is symmetric (its upper triangle is summed), and
    /// the gradient cross <c>sum_p w [g(M + L z_p) - g(M - L z_p)] (L z_p)^T</c> pairs each point with its partner.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Compute(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance, ReadOnlySpan<double> labels, GaussianMoments result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (mean.Length != _n || covariance.Length != _n * _n || labels.Length != _model.LabelCount)
            throw new ArgumentException("Mean, covariance or labels do not fit the model.");
        if (!_hasOffsets || !covariance.SequenceEqual(_covariance)) MapPoints(covariance);
        double loss = 0;
        var gradient = result.Gradient;
        var fisher = result.Fisher;
        var cross = result.GradientCross;
        Array.Clear(gradient);
        Array.Clear(fisher);
        Array.Clear(cross);
        for (var start = 0; start < _points; start += BlockPoints)
        {
            var c = Math.Min(BlockPoints, _points - start);
            var m = 2 * c;
            for (var i = 0; i < _n; i++)
            {
                var row = _state.AsSpan(i * m, m);
                LatticeKernels.Spread(mean[i], _offsets.AsSpan(i * _points + start, c), row[..c], row[c..]);
            }
            for (var k = 0; k < _noise; k++)
            {
                var z = _normals.AsSpan((_n + k) * _points + start, c);
                var row = _eps.AsSpan(k * m, m);
                for (var q = 0; q < c; q++)
                {
                    row[q] = z[q];
                    row[c + q] = -z[q];
                }
            }
            var losses = _loss.AsSpan(0, m);
            _model.LossAndGradientBatch(m, _state.AsSpan(0, _n * m), _eps.AsSpan(0, _noise * m), labels, losses, _gradient.AsSpan(0, _l * m));
            foreach (var f in losses) loss += f;
            for (var i = 0; i < _l; i++)
            {
                var gi = _gradient.AsSpan(i * m, m);
                gradient[i] += LatticeKernels.SumAndDifference(gi[..c], gi[c..], _difference.AsSpan(i * c, c));
            }
            LatticeKernels.Accumulate(_gradient, _l, m, _gradient, _l, m, m, fisher, _l, upper: true);
            LatticeKernels.Accumulate(_difference, _l, c, _offsets.AsSpan(start), _n, _points, c, cross, _n, upper: false);
        }
        var weight = 0.5 / _points;
        result.Loss = weight * loss;
        for (var i = 0; i < gradient.Length; i++) gradient[i] *= weight;
        for (var i = 0; i < cross.Length; i++) cross[i] *= weight;
        for (var i = 0; i < _l; i++)
            for (var j = i; j < _l; j++) fisher[j * _l + i] = fisher[i * _l + j] *= weight;
        result.EffectiveDimension = _dimension;
        result.Filled = MomentKinds.All;
    }

    /// <summary>The offsets <c>(L z_p)_i</c> of every lattice point for the Cholesky factor L of B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MapPoints(ReadOnlySpan<double> covariance)
    {
        Cholesky(covariance, _factor, _n);
        Array.Clear(_offsets);
        for (var i = 0; i < _n; i++)
        {
            var row = _offsets.AsSpan(i * _points, _points);
            for (var k = 0; k <= i; k++)
            {
                var factor = _factor[i * _n + k];
                if (factor == 0) continue;
                var z = _normals.AsSpan(k * _points, _points);
                for (var p = 0; p < _points; p++) row[p] += factor * z[p];
            }
        }
        covariance.CopyTo(_covariance);
        _hasOffsets = true;
    }

    /// <summary>Row-major points (<c>[p * dimension + k]</c>) stored by variable (<c>[k * points + p]</c>).</summary>
    private static double[] ByVariable(double[] rows, int points, int dimension)
    {
        var columns = new double[rows.Length];
        for (var p = 0; p < points; p++)
            for (var k = 0; k < dimension; k++) columns[k * points + p] = rows[p * dimension + k];
        return columns;
    }

    /// <summary>Lower-triangular L with L L^T = B; a non-positive pivot (a direction B does not reach) gives a zero column.</summary>
    public static void Cholesky(ReadOnlySpan<double> b, Span<double> l, int n)
    {
        l[..(n * n)].Clear();
        double largest = 0;
        for (var i = 0; i < n; i++) largest = Math.Max(largest, b[i * n + i]);
        var floor = 1e-14 * largest;
        for (var j = 0; j < n; j++)
        {
            var pivot = b[j * n + j];
            for (var k = 0; k < j; k++) pivot -= l[j * n + k] * l[j * n + k];
            if (!(pivot > floor)) continue;
            var root = Math.Sqrt(pivot);
            l[j * n + j] = root;
            for (var i = j + 1; i < n; i++)
            {
                var s = b[i * n + j];
                for (var k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                l[i * n + j] = s / root;
            }
        }
    }

    /// <summary>Standard normal points: the inverse normal CDF of <see cref="UniformPoints"/>.</summary>
    internal static double[] NormalPoints(int points, int dimension)
    {
        var normals = UniformPoints(points, dimension);
        for (var k = 0; k < normals.Length; k++) normals[k] = Normal.InvCDF(0, 1, normals[k]);
        return normals;
    }

    /// <summary>
    /// Points in (0, 1)^dimension (row-major) of the tent-transformed, shifted Korobov lattice with the best
    /// generator: a deterministic rule of second order for smooth integrands on the unit cube.
    /// </summary>
    internal static double[] UniformPoints(int points, int dimension)
    {
        var generator = KorobovGenerator(points, dimension);
        var uniforms = new double[points * dimension];
        for (var p = 0; p < points; p++)
        {
            long power = 1;
            for (var k = 0; k < dimension; k++)
            {
                // The golden-ratio shift keeps the lattice off u = 0, where the inverse normal CDF is infinite.
                var u = Fraction((double)(p * power % points) / points + Fraction(0.5 + k * 0.6180339887498949));
                uniforms[p * dimension + k] = Math.Clamp(1 - Math.Abs(2 * u - 1), 1e-15, 1 - 1e-15);
                power = power * generator % points;
            }
        }
        return uniforms;
    }

    private static double Fraction(double x) => x - Math.Floor(x);

    /// <summary>
    /// The Korobov generator a (vector (1, a, a^2, ...) mod N) minimising the worst-case error P_2 of a weighted Korobov
    /// space with weights 0.9^k: a standard lattice-quality criterion, computed exactly in O(N s) per candidate.
    /// </summary>
    private const int MaxCandidates = 512;

    internal static int KorobovGenerator(int points, int dimension)
    {
        if (dimension <= 1) return 1;
        var bernoulli = new double[points];
        for (var k = 0; k < points; k++)
        {
            var x = (double)k / points;
            bernoulli[k] = 2 * Math.PI * Math.PI * (x * x - x + 1.0 / 6);
        }
        var weights = new double[dimension];
        for (var j = 0; j < dimension; j++) weights[j] = Math.Pow(0.9, j);
        var best = 1;
        var bestError = double.PositiveInfinity;
        var product = new double[points];
        // factors[j][m] = 1 + w_j B(m / N): the inner loop is then a table read at an index stepped by z mod N (a 64-bit
        // modulo per term made this search most of a 15-class solve, about 1 s at N = 4093).
        var factors = new double[dimension][];
        for (var j = 0; j < dimension; j++)
        {
            factors[j] = new double[points];
            for (var m = 0; m < points; m++) factors[j][m] = 1 + weights[j] * bernoulli[m];
        }
        // At most MaxCandidates generators, evenly spread over 2..N/2: the full search is O(N^2 s), most of a process's time
        // for the quadrature check's 8191-point lattice in 15 dimensions, and the best of a spread of 512 is as good a rule.
        var last = points / 2;
        var candidates = Math.Max(0, last - 1);
        var stride = Math.Max(1, (candidates + MaxCandidates - 1) / MaxCandidates);
        for (var a = 2; a <= last; a += stride)
        {
            Array.Fill(product, 1.0);
            long z = 1;
            for (var j = 0; j < dimension; j++)
            {
                var factor = factors[j];
                var step = (int)z;
                var index = 0;
                for (var k = 0; k < points; k++)
                {
                    product[k] *= factor[index];
                    index += step;
                    if (index >= points) index -= points;
                }
                z = z * a % points;
            }
            var error = product.Average() - 1;
            if (error < bestError)
            {
                bestError = error;
                best = a;
            }
        }
        return best;
    }
}
