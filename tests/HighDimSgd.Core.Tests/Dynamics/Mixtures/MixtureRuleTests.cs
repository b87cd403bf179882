using System.Diagnostics;
using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Dynamics.Mixtures;
using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Models;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using Xunit.Abstractions;

namespace HighDimSgd.Core.Tests.Dynamics.Mixtures;

/// <summary>Softmax cross-entropy with one-hot labels y: f = logsumexp(r) - y . r, written by hand as an oracle.</summary>
internal sealed class SoftmaxCrossEntropy(int classes) : LossModel
{
    public override string Name => $"softmax-ce-{classes}";
    public override int StudentDirections => classes;
    public override int TeacherDirections => 0;
    public override int NoiseCount => 0;
    public override int LabelCount => classes;

    public override double Loss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y)
    {
        Span<double> g = stackalloc double[classes];
        return LossAndGradient(r, rstar, eps, y, g);
    }

    public override double LossAndGradient(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient)
    {
        var max = double.NegativeInfinity;
        foreach (var v in r) max = Math.Max(max, v);
        double sum = 0;
        for (var k = 0; k < classes; k++) sum += gradient[k] = Math.Exp(r[k] - max);
        double dot = 0;
        for (var k = 0; k < classes; k++)
        {
            gradient[k] = gradient[k] / sum - y[k];
            dot += y[k] * r[k];
        }
        return max + Math.Log(sum) - dot;
    }
}

public class MixtureRuleTests(ITestOutputHelper output)
{
    private static double[] OneHot(int n, int k)
    {
        var y = new double[n];
        y[k] = 1;
        return y;
    }

    [Fact]
    public void LatticeRuleMatchesTensorGaussHermiteInThreeDimensions()
    {
        var model = new SoftmaxCrossEntropy(3);
        var (mean, covariance) = RandomGaussians.Draw(3, 1, 2.0);
        var labels = OneHot(3, 1);
        var exact = new GaussianMoments(3, 0);
        new GaussianQuadrature(model, new QuadratureOptions { OrderThreeDimensions = 30 }).Compute(mean, covariance, labels, exact);
        var lattice = new GaussianMoments(3, 0);
        new LatticeGaussianRule(model).Compute(mean, covariance, labels, lattice);
        output.WriteLine($"loss: tensor {exact.Loss:G10}, lattice {lattice.Loss:G10}");
        // Measured accuracy of the 2 x 2039-point rule: about 1e-3 relative on the loss.
        Assert.Equal(exact.Loss, lattice.Loss, 2e-3 * exact.Loss);
        for (var k = 0; k < 3; k++) Assert.Equal(exact.Gradient[k], lattice.Gradient[k], 2e-3);
        for (var k = 0; k < 9; k++)
        {
            Assert.Equal(exact.Fisher[k], lattice.Fisher[k], 2e-3);
            Assert.Equal(exact.GradientCross[k], lattice.GradientCross[k], 2e-3);
        }
    }

    [Fact]
    public void LatticeRuleMatchesMonteCarloInFifteenDimensionsAndIsFast()
    {
        const int n = 15;
        var model = new SoftmaxCrossEntropy(n);
        var (mean, covariance) = RandomGaussians.Draw(n, 2, 1.5);
        var labels = OneHot(n, 4);
        var rule = new LatticeGaussianRule(model);
        var lattice = new GaussianMoments(n, 0);
        rule.Compute(mean, covariance, labels, lattice);
        var clock = Stopwatch.StartNew();
        const int repeats = 15;
        for (var k = 0; k < repeats; k++) rule.Compute(mean, covariance, labels, lattice);
        output.WriteLine($"15 classes: {clock.Elapsed.TotalMilliseconds / repeats:F2} ms per class moment set ({rule.Evaluations} points)");

        // Plain Monte Carlo with its standard error as the oracle.
        var factor = new double[n * n];
        LatticeGaussianRule.Cholesky(covariance, factor, n);
        var random = new MersenneTwister(7);
        const int samples = 400_000;
        var z = new double[n];
        var r = new double[n];
        var g = new double[n];
        double sum = 0, sumSquares = 0, crossSum = 0, crossSquares = 0;
        for (var s = 0; s < samples; s++)
        {
            Normal.Samples(random, z, 0, 1);
            for (var i = 0; i < n; i++)
            {
                r[i] = mean[i];
                for (var k = 0; k <= i; k++) r[i] += factor[i * n + k] * z[k];
            }
            var f = model.LossAndGradient(r, [], [], labels, g);
            sum += f;
            sumSquares += f * f;
            var c = g[4] * (r[4] - mean[4]); // a diagonal entry of the gradient cross (the drift J B)
            crossSum += c;
            crossSquares += c * c;
        }
        var lossMean = sum / samples;
        var lossSe = Math.Sqrt((sumSquares / samples - lossMean * lossMean) / samples);
        var crossMean = crossSum / samples;
        var crossSe = Math.Sqrt((crossSquares / samples - crossMean * crossMean) / samples);
        output.WriteLine($"loss: lattice {lattice.Loss:G6}, MC {lossMean:G6} ± {lossSe:G2}; cross: lattice {lattice.GradientCross[4 * n + 4]:G6}, MC {crossMean:G6} ± {crossSe:G2}");
        Assert.True(Math.Abs(lattice.Loss - lossMean) < 4 * lossSe + 2e-3 * Math.Abs(lossMean));
        Assert.True(Math.Abs(lattice.GradientCross[4 * n + 4] - crossMean) < 4 * crossSe + 1e-3 * Math.Abs(crossMean));
    }
}
