using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using HighDimSgd.Core.Expectations;

namespace HighDimSgd.Core.Dynamics.Mixtures;

/// <summary>
/// Probability that the largest of the student preactivations <c>r ~ N(M, B)</c> (l of them) is not the one of the
/// true class: <c>1 - P(r_c - r_k &gt; 0 for all k != c)</c>, an orthant probability of the (l - 1) differences.
/// It is computed by Genz's separation of variables (sequential conditioning on a Cholesky factor, which turns the
/// orthant into a smooth integral over the unit cube) on a fixed Korobov lattice, so it is deterministic.
/// </summary>
/// <remarks>
/// Ties (B = 0 and equal means, as at X0 = 0) are broken at random: a relative jitter of 1e-12 on B makes the
/// orthant of l exchangeable outputs exactly 1/l. Not thread-safe: buffers are reused.
/// </remarks>
public sealed class ArgmaxError
{
    private static readonly ConcurrentDictionary<(int Points, int Dimension), double[]> PointCache = new();

    private readonly int _l, _m, _points;
    private readonly double[] _uniforms, _difference, _covariance, _factor, _y;

    /// <summary>Buffers for <paramref name="outputs"/> student outputs and a lattice of <paramref name="latticePoints"/> points.</summary>
    public ArgmaxError(int outputs, int latticePoints = 509)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 2);
        _l = outputs;
        _m = outputs - 1;
        _points = _m == 1 ? 1 : latticePoints;
        _uniforms = _m == 1 ? [0.5] : PointCache.GetOrAdd((latticePoints, _m), key => LatticeGaussianRule.UniformPoints(key.Points, key.Dimension));
        _difference = new double[_m];
        _covariance = new double[_m * _m];
        _factor = new double[_m * _m];
        _y = new double[_m];
    }

    /// <summary>
    /// P(argmax_k r_k != <paramref name="correct"/>) for r ~ N(<paramref name="mean"/>, <paramref name="covariance"/>),
    /// both read from the leading l entries / l x l block of arrays of side <paramref name="stride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Probability(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance, int stride, int correct)
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
            _difference[a] = mean[correct] - mean[ka];
            for (var b = 0; b < _m; b++)
            {
                var kb = b < correct ? b : b + 1;
                _covariance[a * _m + b] = covariance[correct * stride + correct] - covariance[correct * stride + kb]
                                          - covariance[ka * stride + correct] + covariance[ka * stride + kb]
                                          + jitter * (1 + (a == b ? 1 : 0));
            }
        }
        LatticeGaussianRule.Cholesky(_covariance, _factor, _m);
        double correctProbability = 0;
        for (var p = 0; p < _points; p++) correctProbability += OrthantIntegrand(_uniforms.AsSpan(p * _m, _m));
        return 1 - correctProbability / _points;
    }

    /// <summary>Genz's integrand: the product of the conditional probabilities that each difference stays positive.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double OrthantIntegrand(ReadOnlySpan<double> u)
    {
        var product = 1.0;
        for (var i = 0; i < _m; i++)
        {
            var shift = _difference[i];
            for (var j = 0; j < i; j++) shift += _factor[i * _m + j] * _y[j];
            var scale = _factor[i * _m + i];
            if (scale == 0)
            {
                product *= shift > 0 ? 1 : shift < 0 ? 0 : 0.5;
                _y[i] = 0;
            }
            else
            {
                var inside = StandardNormal.Cdf(shift / scale);
                product *= inside;
                if (product == 0) return 0;
                // Y_i given that it keeps D_i positive: a normal truncated to (-shift/scale, inf).
                _y[i] = i + 1 < _m ? StandardNormal.Quantile(Math.Clamp(1 - inside + u[i] * inside, 1e-16, 1 - 1e-16)) : 0;
            }
        }
        return product;
    }
}
