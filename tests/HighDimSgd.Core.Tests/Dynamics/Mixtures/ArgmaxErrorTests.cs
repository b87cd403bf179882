using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Dynamics.Mixtures;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Random;
using Xunit.Abstractions;

namespace HighDimSgd.Core.Tests.Dynamics.Mixtures;

/// <summary>
/// The multi-class error P(argmax_k r_k != correct), r ~ N(M, B): against closed forms where they exist, a
/// one-dimensional integral for independent outputs, and plain Monte Carlo (seeded) at 15 classes, with the tolerance
/// the product promises (1e-4, <see cref="ArgmaxError.DefaultTolerance"/>) or 4 Monte Carlo standard errors plus the
/// method's own error bound, with the sample size chosen so that this is below 1e-3.
/// </summary>
public class ArgmaxErrorTests(ITestOutputHelper output)
{
    private const double Tolerance = ArgmaxError.DefaultTolerance;

    /// <summary>6e6 samples: 4 standard errors of a probability are at most 4 sqrt(1/4 / 6e6) = 8.2e-4.</summary>
    private const int MonteCarloSamples = 6_000_000;

    /// <summary>7.5e6 for the catalog, whose bound is 2e-4: 4 standard errors are at most 7.3e-4.</summary>
    private const int CatalogSamples = 7_500_000;

    private void AssertExact(double expected, (double Probability, double Error) estimate, string what)
    {
        output.WriteLine($"{what}: {estimate.Probability:G10} (bound {estimate.Error:G2}), exact {expected:G10}, " +
                         $"off {Math.Abs(estimate.Probability - expected):G2}");
        Assert.True(estimate.Error <= Tolerance, $"{what}: error bound {estimate.Error} above {Tolerance}");
        Assert.True(Math.Abs(estimate.Probability - expected) <= Tolerance,
            $"{what}: {estimate.Probability}, exact {expected} (bound {estimate.Error})");
    }

    [Fact]
    public void TwoOutputsGiveTheNormalCdfOfTheDifference()
    {
        double[] mean = [0.7, -0.2];
        double[] covariance = [1.0, 0.3, 0.3, 2.0];
        var rule = new ArgmaxError(2);
        // r_0 - r_1 ~ N(0.9, 1 + 2 - 2 * 0.3).
        var expected = Normal.CDF(0, 1, -(0.7 + 0.2) / Math.Sqrt(1.0 + 2.0 - 0.6));
        var estimate = rule.Estimate(mean, covariance, 2, 0);
        Assert.Equal(expected, estimate.Probability, 12);
        Assert.Equal(1 - expected, rule.Estimate(mean, covariance, 2, 1).Probability, 12);
        // r_0 = r_1 + 0.9 exactly (a singular B): the argmax is certain; equal means: a tie, broken at random.
        double[] identical = [1.0, 1.0, 1.0, 1.0];
        Assert.Equal(0, rule.Estimate(mean, identical, 2, 0).Probability, 12);
        Assert.Equal(1, rule.Estimate(mean, identical, 2, 1).Probability, 12);
        Assert.Equal(0.5, rule.Estimate([0.3, 0.3], identical, 2, 1).Probability, 12);
    }

    /// <summary>Exchangeable outputs (zero mean, B = a I + b 1 1^T): each index is the argmax with probability 1/l.</summary>
    [Theory]
    [InlineData(3, 1.0, 0.0)]
    [InlineData(6, 1.0, 0.0)]
    [InlineData(15, 1.0, 0.0)]
    [InlineData(15, 1.0, 2.0)]
    [InlineData(15, 1.0, -1.0 / 15)] // rank 14: the outputs sum to zero
    [InlineData(15, 0.0, 1.0)]       // every output the same: a tie among all, broken at random
    [InlineData(6, 0.0, 0.0)]        // X0 = 0: r = 0
    [InlineData(15, 0.0, 0.0)]
    public void ExchangeableOutputsPickEachIndexWithProbabilityOneOverL(int l, double a, double b)
    {
        var covariance = new double[l * l];
        for (var i = 0; i < l; i++)
            for (var j = 0; j < l; j++) covariance[i * l + j] = b + (i == j ? a : 0);
        var rule = new ArgmaxError(l);
        AssertExact(1 - 1.0 / l, rule.Estimate(new double[l], covariance, l, l / 2), $"l = {l}, B = {a} I + {b} 11^T");
    }

    [Fact]
    public void CertainArgmaxAndTiesAmongSomeOutputs()
    {
        var rule = new ArgmaxError(3);
        Assert.Equal(0, rule.Estimate([1.0, 0.5, 0.2], new double[9], 3, 0).Probability, 12);
        Assert.Equal(1, rule.Estimate([1.0, 0.5, 0.2], new double[9], 3, 1).Probability, 12);
        // r_0 = r_1 = z, r_2 = z - 3: outputs 0 and 1 tie for the maximum; each wins half the time.
        double[] covariance = [1, 1, 1, 1, 1, 1, 1, 1, 1];
        AssertExact(0.5, rule.Estimate([0.0, 0.0, -3.0], covariance, 3, 0), "tie of two");
        AssertExact(1, rule.Estimate([0.0, 0.0, -3.0], covariance, 3, 2), "always below the tie");
        // Read from the leading block of a larger state (a teacher part after the student part).
        var wide = new double[16];
        for (var i = 0; i < 3; i++) wide[i * 4 + i] = 1;
        wide[15] = 7;
        AssertExact(1 - 1.0 / 3, rule.Estimate([0.0, 0.0, 0.0, 5.0], wide, 4, 1), "leading 3 x 3 block of 4 x 4");
    }

    /// <summary>
    /// Independent outputs: P(correct) = int phi(z) prod_k Phi((m_c + s_c z - m_k) / s_k) dz, a one-dimensional
    /// integral the trapezoidal rule gets to 1e-12 (its integrand is smooth and decays like a Gaussian).
    /// </summary>
    [Theory]
    [InlineData(15, 21)]
    [InlineData(15, 22)]
    [InlineData(8, 23)]
    public void IndependentOutputsMatchAOneDimensionalIntegral(int l, int seed)
    {
        var random = new MersenneTwister(seed);
        var mean = new double[l];
        var sd = new double[l];
        for (var k = 0; k < l; k++)
        {
            mean[k] = 0.8 * Normal.Sample(random, 0, 1);
            sd[k] = 0.3 + random.NextDouble();
        }
        var covariance = new double[l * l];
        for (var k = 0; k < l; k++) covariance[k * l + k] = sd[k] * sd[k];
        var rule = new ArgmaxError(l);
        for (var correct = 0; correct < l; correct += 7)
        {
            const int nodes = 4001;
            const double h = 20.0 / (nodes - 1);
            double integral = 0;
            for (var p = 0; p < nodes; p++)
            {
                var z = -10 + p * h;
                var value = Normal.PDF(0, 1, z);
                for (var k = 0; k < l; k++)
                    if (k != correct) value *= Normal.CDF(0, 1, (mean[correct] + sd[correct] * z - mean[k]) / sd[k]);
                integral += (p == 0 || p == nodes - 1 ? 0.5 : 1) * value * h;
            }
            AssertExact(1 - integral, rule.Estimate(mean, covariance, l, correct), $"l = {l}, seed {seed}, correct {correct}");
        }
    }

    /// <summary>
    /// 15 classes, r = m + F z (+ an independent part) with z standard normal: random non-trivial means and
    /// covariances B = F F^T, full-rank and rank-deficient, against Monte Carlo.
    /// </summary>
    [Theory]
    [InlineData("square Wishart (nearly singular)", 31)]
    [InlineData("Wishart plus 0.3 I", 32)]
    [InlineData("rank 5", 33)]
    [InlineData("trained-like: correct output ahead, a shared factor", 34)]
    public void FifteenClassesMatchMonteCarlo(string kind, int seed)
    {
        const int l = 15;
        var rank = kind == "rank 5" ? 5 : l;
        var shared = kind.StartsWith("trained", StringComparison.Ordinal);
        var columns = shared ? rank + 1 : rank;
        var random = new MersenneTwister(seed);
        var factor = new double[l * columns];
        var mean = new double[l];
        Normal.Samples(random, factor, 0, 1 / Math.Sqrt(rank));
        Normal.Samples(random, mean, 0, 1);
        var correct = seed % l;
        if (shared)
        {
            for (var i = 0; i < l; i++)
            {
                factor[i * columns + rank] = 0.8;
                mean[i] *= 0.4;
            }
            mean[correct] += 1.2;
        }
        else mean[correct] += 1.5;
        // An independent N(0, 0.3) part per output: B + 0.3 I.
        var independent = kind.StartsWith("Wishart plus", StringComparison.Ordinal) ? Math.Sqrt(0.3) : 0;
        var covariance = Gram(factor, l, columns);
        for (var i = 0; i < l; i++) covariance[i * l + i] += independent * independent;
        var estimate = new ArgmaxError(l).Estimate(mean, covariance, l, correct);
        var (p, se) = MonteCarloArgmaxError(mean, factor, l, columns, independent, correct, MonteCarloSamples, seed + 100);
        output.WriteLine($"{kind}: Genz {estimate.Probability:G6} (bound {estimate.Error:G2}), MC {p:G6} ± {se:G2}, " +
                         $"off {Math.Abs(estimate.Probability - p):G2} = {Math.Abs(estimate.Probability - p) / se:F2} se");
        Assert.InRange(p, 0.1, 0.9);
        // Rank 5: the differences live in 5 dimensions, so the integrand is the indicator of a polytope there and the
        // lattice converges more slowly (measured: bound 1.6e-4 when the 2^18-point budget ends it).
        Assert.True(estimate.Error <= (rank < l ? 2 * Tolerance : Tolerance), $"error bound {estimate.Error}");
        Assert.True(4 * se + estimate.Error < 1e-3);
        Assert.True(Math.Abs(estimate.Probability - p) <= 4 * se + estimate.Error,
            $"{kind}: Genz {estimate.Probability} ± {estimate.Error}, MC {p} ± {se}");
    }

    /// <summary>
    /// The statistic as the product reports it (<see cref="StatisticsCatalog"/>, its tolerance
    /// <see cref="StatisticsCatalog.ClassificationErrorTolerance"/>) on the
    /// fifteen-classes example's shape (15 one-hot classes, Gaussian means of norm 2, identity covariance) at student
    /// weights W = 0.7 mu_k / |mu_k| + noise, against Monte Carlo per class of argmax(W x) with x ~ N(mu_c, I).
    /// </summary>
    [Fact]
    public void CatalogClassificationErrorMatchesMonteCarloAtFifteenClasses()
    {
        const int l = 15, d = 60;
        var random = new MersenneTwister(41);
        var classes = new DataClass[l];
        var ones = Enumerable.Repeat(1.0, d).ToArray();
        for (var c = 0; c < l; c++)
        {
            var mu = new double[d];
            Normal.Samples(random, mu, 0, 1);
            var norm = Math.Sqrt(mu.Sum(x => x * x));
            for (var i = 0; i < d; i++) mu[i] *= 2 / norm;
            var labels = new double[l];
            labels[c] = 1;
            classes[c] = new DataClass(1.0 / l, mu, ones, labels);
        }
        var w = new double[l * d];
        Normal.Samples(random, w, 0, 0.25 / Math.Sqrt(d));
        for (var k = 0; k < l; k++)
            for (var i = 0; i < d; i++) w[k * d + i] += 0.35 * classes[k].Mean[i];
        var init = Enumerable.Range(0, l).Select(k => w.AsSpan(k * d, d).ToArray()).ToArray();
        var setup = new DynamicsSetup(new SoftmaxCrossEntropy(l), classes, [], init, new ConstantSchedule(1.0), [0.0, 1.0]);
        var evaluator = new DriftEvaluator(setup);
        // M_c = W mu_c and B_c = W W^T (K_c = I), side StateSize = l (no teacher).
        var gram = Gram(w, l, d);
        for (var c = 0; c < l; c++)
        {
            gram.CopyTo(evaluator.Parameters.Covariances[c], 0);
            for (var k = 0; k < l; k++)
            {
                double s = 0;
                for (var i = 0; i < d; i++) s += w[k * d + i] * classes[c].Mean[i];
                evaluator.Parameters.Means[c][k] = s;
            }
        }
        var value = new double[1];
        StatisticsCatalog.Compute(["classification_error"], evaluator, 1.0, value);

        // x = mu_c + z, r = W x = M_c + W z ~ M_c + C z' with C C^T = W W^T (Math.NET's Cholesky): CatalogSamples / l
        // per class.
        var cholesky = Matrix<double>.Build.Dense(l, l, (i, j) => gram[i * l + j]).Cholesky().Factor;
        var factor = new double[l * l];
        for (var i = 0; i < l; i++)
            for (var j = 0; j < l; j++) factor[i * l + j] = cholesky[i, j];
        double mc = 0, variance = 0;
        for (var c = 0; c < l; c++)
        {
            var (p, se) = MonteCarloArgmaxError(evaluator.Parameters.Means[c], factor, l, l, 0, c, CatalogSamples / l, 200 + c);
            mc += p / l;
            variance += se * se / (l * l);
        }
        var mcSe = Math.Sqrt(variance);
        output.WriteLine($"catalog {value[0]:G6}, MC {mc:G6} ± {mcSe:G2}, off {Math.Abs(value[0] - mc):G2} = {Math.Abs(value[0] - mc) / mcSe:F2} se");
        Assert.InRange(mc, 0.1, 0.9);
        const double bound = StatisticsCatalog.ClassificationErrorTolerance;
        Assert.True(4 * mcSe + bound < 1e-3);
        Assert.True(Math.Abs(value[0] - mc) <= 4 * mcSe + bound, $"catalog {value[0]}, MC {mc} ± {mcSe}");
    }

    /// <summary>F F^T for F of <paramref name="rows"/> x <paramref name="columns"/> (row-major).</summary>
    private static double[] Gram(double[] f, int rows, int columns)
    {
        var b = new double[rows * rows];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < rows; j++)
            {
                double s = 0;
                for (var k = 0; k < columns; k++) s += f[i * columns + k] * f[j * columns + k];
                b[i * rows + j] = s;
            }
        return b;
    }

    /// <summary>
    /// The fraction of samples r = mean + F z + s e (z, e standard normal, F of l x k) whose argmax is not
    /// <paramref name="correct"/>, and its standard error.
    /// </summary>
    internal static (double P, double Se) MonteCarloArgmaxError(double[] mean, double[] factor, int l, int k, double independent,
        int correct, int samples, int seed)
    {
        var random = new MersenneTwister(seed);
        var z = new double[k];
        var e = new double[l];
        var wrong = 0;
        for (var s = 0; s < samples; s++)
        {
            Normal.Samples(random, z, 0, 1);
            if (independent > 0) Normal.Samples(random, e, 0, 1);
            var best = -1;
            var bestValue = double.NegativeInfinity;
            for (var i = 0; i < l; i++)
            {
                var r = mean[i] + independent * e[i];
                for (var j = 0; j < k; j++) r += factor[i * k + j] * z[j];
                if (r > bestValue) (best, bestValue) = (i, r);
            }
            if (best != correct) wrong++;
        }
        var p = (double)wrong / samples;
        return (p, Math.Sqrt(p * (1 - p) / samples));
    }
}
