using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using HighDimSgd.Core.Expectations;
using MathNet.Numerics.Random;

namespace HighDimSgd.Core.Dynamics.Mixtures;

/// <summary>
/// Probability that the largest of the student preactivations <c>r ~ N(M, B)</c> (l of them) is not the one of the
/// true class: <c>1 - P(D &gt; 0)</c> for the l - 1 differences <c>D_a = r_c - r_k(a)</c>, a multivariate normal orthant
/// probability. It is computed by Genz's separation of variables (sequential conditioning on a Cholesky factor, which
/// turns the orthant into a smooth integral over the unit cube of dimension l - 2) with the variable reordering of
/// Gibson, Glasbey and Elston (1994; as in Genz and Bretz's mvtnorm: the difference least likely to be positive
/// first, conditioning on the truncated means of those before it), integrated by randomised quasi-Monte Carlo: a
/// Richtmyer (Kronecker) sequence with generators frac(sqrt(prime)), the tent transform, and
/// <see cref="Shifts"/> random shifts drawn from a fixed seed, so a result is a function of its inputs (and the seed)
/// alone. The sequence is extended until the error estimate (<see cref="StandardErrors"/> standard errors of the mean
/// over the shifts, the factor of Genz's MVNDST) is at most the tolerance, or the point budget is spent; the integrand
/// is evaluated eight points at a time (<see cref="StandardNormal.Cdf(Vector256{double})"/>,
/// <see cref="StandardNormal.Quantile(Vector256{double})"/>: about 1e-7 relative per factor, a bias below l 1e-7).
/// </summary>
/// <remarks>
/// Ties (B = 0 and equal means, as at X0 = 0, or two outputs that are the same function of the data) are broken at
/// random: the differences get the covariance of an independent N(0, 1e-12 max_k B_kk) added to each output, whose
/// limit is a uniform choice among the tied outputs (exchangeable outputs give exactly 1/l), and which keeps every
/// conditional variance positive, so rank-deficient B need no special case. Not thread-safe: buffers are reused.
/// </remarks>
public sealed class ArgmaxError
{
    /// <summary>Default absolute tolerance on the error estimate of each probability.</summary>
    public const double DefaultTolerance = 1e-4;

    /// <summary>Default budget of integrand evaluations per probability (all shifts together).</summary>
    public const int DefaultMaxPoints = 1 << 18;

    /// <summary>Random shifts of the point set: the error estimate has Shifts - 1 degrees of freedom.</summary>
    private const int Shifts = 8;

    /// <summary>The error estimate in standard errors of the mean over the shifts (Genz's MVNDST uses 3.5).</summary>
    private const double StandardErrors = 3.5;

    private const int FirstPointsPerShift = 32;

    private readonly int _l, _m;
    private readonly double _tolerance;
    private readonly int _maxPointsPerShift;
    private readonly double[] _generators, _shifts, _sums;
    private readonly double[] _mean, _covariance, _factor, _inverseScale, _expected;
    private readonly Vector256<double>[] _y;

    /// <summary>
    /// Buffers for <paramref name="outputs"/> student outputs; each probability to an error estimate of at most
    /// <paramref name="tolerance"/> (absolute) unless that takes more than <paramref name="maxPoints"/> points. Rules with
    /// different <paramref name="seed"/>s have independent errors (their shifts are independent).
    /// </summary>
    public ArgmaxError(int outputs, double tolerance = DefaultTolerance, int maxPoints = DefaultMaxPoints, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tolerance);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, Shifts * FirstPointsPerShift);
        _l = outputs;
        _m = outputs - 1;
        _tolerance = tolerance;
        _maxPointsPerShift = maxPoints / Shifts / 8 * 8; // whole blocks of eight points
        // The last difference is integrated in closed form: the cube has dimension m - 1.
        var dimension = Math.Max(_m - 1, 0);
        _generators = Primes(dimension).Select(p => Math.Sqrt(p) - Math.Floor(Math.Sqrt(p))).ToArray();
        _shifts = new double[Shifts * dimension];
        var random = new MersenneTwister(seed);
        for (var k = 0; k < _shifts.Length; k++) _shifts[k] = random.NextDouble();
        _sums = new double[Shifts];
        _mean = new double[_m];
        _covariance = new double[_m * _m];
        _factor = new double[_m * _m];
        _inverseScale = new double[_m];
        _expected = new double[_m];
        _y = new Vector256<double>[2 * _m];
    }

    /// <summary>
    /// P(argmax_k r_k != <paramref name="correct"/>) for r ~ N(<paramref name="mean"/>, <paramref name="covariance"/>),
    /// both read from the leading l entries / l x l block of arrays of side <paramref name="stride"/>, and its error
    /// estimate (0 for two outputs, where it is a normal CDF).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (double Probability, double Error) Estimate(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance, int stride, int correct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(correct);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(correct, _l);
        double largest = 0;
        for (var i = 0; i < _l; i++) largest = Math.Max(largest, covariance[i * stride + i]);
        var jitter = 1e-12 * largest + 1e-200;
        // D_a = r_correct - r_k(a) for the other outputs k(a); Cov(D_a, D_b) = B_cc - B_ck - B_cb + B_kb (+ jitter).
        for (var a = 0; a < _m; a++)
        {
            var ka = a < correct ? a : a + 1;
            _mean[a] = mean[correct] - mean[ka];
            for (var b = 0; b < _m; b++)
            {
                var kb = b < correct ? b : b + 1;
                _covariance[a * _m + b] = covariance[correct * stride + correct] - covariance[correct * stride + kb]
                                          - covariance[ka * stride + correct] + covariance[ka * stride + kb]
                                          + jitter * (1 + (a == b ? 1 : 0));
            }
        }
        if (_m == 1) return (StandardNormal.Cdf(-_mean[0] / Math.Sqrt(_covariance[0])), 0);
        ReorderAndFactor(jitter);
        return (1 - Integrate(out var error), error);
    }

    /// <summary>
    /// The Cholesky factor of the differences' covariance with the Gibson-Glasbey-Elston order: at step i, of the
    /// differences not yet placed, the one whose conditional probability of being positive is smallest, given the
    /// earlier standardised variables at their truncated means (<c>_expected</c>). Permutes <c>_mean</c> and <c>_covariance</c> with it.
    /// </summary>
    private void ReorderAndFactor(double jitter)
    {
        var m = _m;
        var l = _factor;
        Array.Clear(l);
        for (var i = 0; i < m; i++)
        {
            int best = i;
            double bestProbability = 0, bestVariance = 0, bestStandardized = 0;
            for (var j = i; j < m; j++)
            {
                var variance = _covariance[j * m + j];
                var shift = _mean[j];
                for (var k = 0; k < i; k++)
                {
                    variance -= l[j * m + k] * l[j * m + k];
                    shift += l[j * m + k] * _expected[k];
                }
                // The covariance is at least jitter * I, so is every conditional variance (up to rounding).
                variance = Math.Max(variance, jitter);
                var standardized = shift / Math.Sqrt(variance);
                var probability = StandardNormal.Cdf(standardized);
                if (j == i || probability < bestProbability) (best, bestProbability, bestVariance, bestStandardized) = (j, probability, variance, standardized);
            }
            if (best != i) Swap(i, best);
            var scale = Math.Sqrt(bestVariance);
            l[i * m + i] = scale;
            _inverseScale[i] = 1 / scale;
            for (var r = i + 1; r < m; r++)
            {
                var s = _covariance[r * m + i];
                for (var k = 0; k < i; k++) s -= l[r * m + k] * l[i * m + k];
                l[r * m + i] = s / scale;
            }
            // Mean of N(0, 1) truncated to (-s, inf): phi(s) / Phi(s), which tends to -s where Phi(s) underflows.
            _expected[i] = bestProbability > 0
                ? Math.Exp(-0.5 * bestStandardized * bestStandardized) * 0.39894228040143267794 / bestProbability
                : -bestStandardized;
        }
    }

    private void Swap(int i, int j)
    {
        var m = _m;
        (_mean[i], _mean[j]) = (_mean[j], _mean[i]);
        for (var k = 0; k < m; k++) (_covariance[i * m + k], _covariance[j * m + k]) = (_covariance[j * m + k], _covariance[i * m + k]);
        for (var k = 0; k < m; k++) (_covariance[k * m + i], _covariance[k * m + j]) = (_covariance[k * m + j], _covariance[k * m + i]);
        for (var k = 0; k < i; k++) (_factor[i * m + k], _factor[j * m + k]) = (_factor[j * m + k], _factor[i * m + k]);
    }

    /// <summary>
    /// P(D &gt; 0): the mean over the shifted point sets, the sequence extended (by the factor a rate of 1/N predicts,
    /// between 1.2 and 4) until the error estimate meets the tolerance or the budget is spent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Integrate(out double error)
    {
        Array.Clear(_sums);
        var done = 0;
        var target = Math.Min(FirstPointsPerShift, _maxPointsPerShift);
        while (true)
        {
            for (var s = 0; s < Shifts; s++)
            {
                var sum = Vector256<double>.Zero;
                for (var j = done + 1; j <= target; j += 8) sum += Integrand(j, s);
                _sums[s] += Vector256.Sum(sum);
            }
            done = target;
            double mean = 0;
            for (var s = 0; s < Shifts; s++) mean += _sums[s] / done;
            mean /= Shifts;
            double squares = 0;
            for (var s = 0; s < Shifts; s++) squares += (_sums[s] / done - mean) * (_sums[s] / done - mean);
            error = StandardErrors * Math.Sqrt(squares / (Shifts * (Shifts - 1)));
            if (error <= _tolerance || done >= _maxPointsPerShift) return mean;
            var factor = Math.Clamp(1.05 * error / _tolerance, 1.2, 4);
            target = Math.Min(_maxPointsPerShift, (int)Math.Ceiling(done * factor / 8) * 8);
        }
    }

    /// <summary>
    /// Genz's integrand at points j..j+7 of shift s (two vectors of four, independent chains the processor overlaps):
    /// the product over the ordered differences of the conditional probability that each stays positive, each
    /// standardised variable drawn from its normal truncated to where it does (y_i = -Phi^-1(w_i Phi(shift_i /
    /// scale_i)), w_i the tent-transformed coordinate i of the point). Returns the sum over the eight points.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<double> Integrand(int j, int s)
    {
        var m = _m;
        var l = _factor;
        var y = _y;
        var indexA = Vector256.Create(j, j + 1.0, j + 2.0, j + 3.0);
        var indexB = indexA + Vector256.Create(4.0);
        var shifts = _shifts.AsSpan(s * (m - 1), m - 1);
        var productA = Vector256<double>.One;
        var productB = Vector256<double>.One;
        var tiny = Vector256.Create(1e-300);
        var belowOne = Vector256.Create(1 - 1.2e-16);
        for (var i = 0; i < m; i++)
        {
            var shiftA = Vector256.Create(_mean[i]);
            var shiftB = shiftA;
            var row = i * m;
            for (var k = 0; k < i; k++)
            {
                var factor = Vector256.Create(l[row + k]);
                shiftA = Vector256.FusedMultiplyAdd(factor, y[2 * k], shiftA);
                shiftB = Vector256.FusedMultiplyAdd(factor, y[2 * k + 1], shiftB);
            }
            var scale = Vector256.Create(_inverseScale[i]);
            var insideA = StandardNormal.Cdf(shiftA * scale);
            var insideB = StandardNormal.Cdf(shiftB * scale);
            productA *= insideA;
            productB *= insideB;
            if (i + 1 == m) break;
            var generator = Vector256.Create(_generators[i]);
            var offset = Vector256.Create(shifts[i]);
            var xA = Vector256.FusedMultiplyAdd(indexA, generator, offset);
            var xB = Vector256.FusedMultiplyAdd(indexB, generator, offset);
            var wA = Vector256.Abs(Vector256.Create(2.0) * (xA - Vector256.Floor(xA)) - Vector256<double>.One);
            var wB = Vector256.Abs(Vector256.Create(2.0) * (xB - Vector256.Floor(xB)) - Vector256<double>.One);
            // Kept inside (0, 1), where the quantile is finite.
            y[2 * i] = -StandardNormal.Quantile(Vector256.Min(Vector256.Max(wA * insideA, tiny), belowOne));
            y[2 * i + 1] = -StandardNormal.Quantile(Vector256.Min(Vector256.Max(wB * insideB, tiny), belowOne));
        }
        return productA + productB;
    }

    private static IEnumerable<int> Primes(int count)
    {
        var found = 0;
        for (var candidate = 2; found < count; candidate++)
        {
            var prime = true;
            for (var d = 2; d * d <= candidate && prime; d++) prime = candidate % d != 0;
            if (!prime) continue;
            found++;
            yield return candidate;
        }
    }
}
