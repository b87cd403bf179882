using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Models;
using HighDimSgd.Core.Tests.Dynamics.Mixtures;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace HighDimSgd.Core.Tests.Expectations;

/// <summary>
/// The blocked, antithetically paired lattice rule (offsets shared across calls with the same B, row products in tiles)
/// against the plain sum over its points, one loss evaluation at a time: the same rule, so they agree to round-off.
/// </summary>
public class LatticeGaussianRuleTests
{
    private const int Points = 4093;

    /// <summary>sum_p w (f, g, g g^T, g (x - M)^T) over x = M +- L z_p, evaluated point by point.</summary>
    private static GaussianMoments PointByPoint(LossModel model, double[] mean, double[] covariance, double[] labels)
    {
        int l = model.StudentDirections, n = model.StateDimension, noise = model.NoiseCount, dimension = n + noise;
        var normals = LatticeGaussianRule.NormalPoints(Points, dimension);
        var factor = new double[n * n];
        LatticeGaussianRule.Cholesky(covariance, factor, n);
        var result = new GaussianMoments(l, model.TeacherDirections);
        var x = new double[n];
        var centered = new double[n];
        var eps = new double[noise];
        var g = new double[l];
        var weight = 0.5 / Points;
        for (var p = 0; p < Points; p++)
            for (var sign = -1; sign <= 1; sign += 2)
            {
                for (var i = 0; i < n; i++)
                {
                    double offset = 0;
                    for (var k = 0; k <= i; k++) offset += factor[i * n + k] * normals[p * dimension + k];
                    centered[i] = sign * offset;
                    x[i] = mean[i] + centered[i];
                }
                for (var k = 0; k < noise; k++) eps[k] = sign * normals[p * dimension + n + k];
                result.Loss += weight * model.LossAndGradient(x.AsSpan(0, l), x.AsSpan(l), eps, labels, g);
                for (var i = 0; i < l; i++)
                {
                    result.Gradient[i] += weight * g[i];
                    for (var j = 0; j < l; j++) result.Fisher[i * l + j] += weight * g[i] * g[j];
                    for (var j = 0; j < n; j++) result.GradientCross[i * n + j] += weight * g[i] * centered[j];
                }
            }
        return result;
    }

    private static void AssertSame(GaussianMoments expected, GaussianMoments actual)
    {
        static void Close(double e, double a, string what) =>
            Assert.True(Math.Abs(e - a) <= 1e-12 * (1 + Math.Abs(e)), $"{what}: point by point {e:R}, blocked {a:R}");
        Close(expected.Loss, actual.Loss, "loss");
        for (var k = 0; k < expected.Gradient.Length; k++) Close(expected.Gradient[k], actual.Gradient[k], $"gradient {k}");
        for (var k = 0; k < expected.Fisher.Length; k++) Close(expected.Fisher[k], actual.Fisher[k], $"Fisher {k}");
        for (var k = 0; k < expected.GradientCross.Length; k++) Close(expected.GradientCross[k], actual.GradientCross[k], $"cross {k}");
    }

    [Fact]
    public void SoftmaxMomentsEqualThePointByPointSum()
    {
        const int n = 15;
        var model = new SoftmaxCrossEntropy(n);
        var (mean, covariance) = RandomGaussians.Draw(n, 4, 1.5);
        var labels = new double[n];
        labels[6] = 1;
        var blocked = new GaussianMoments(n, 0);
        new LatticeGaussianRule(model).Compute(mean, covariance, labels, blocked);
        AssertSame(PointByPoint(model, mean, covariance, labels), blocked);
    }

    [Fact]
    public void TeacherDirectionsAndNoiseEnterTheCrossMomentAndThePoints()
    {
        // l = 3 student and 2 teacher directions, one noise variable: cross columns beyond l and a noise row.
        var model = new SumLeastSquares(3, 2, 0.4);
        var (mean, covariance) = RandomGaussians.Draw(5, 5, 1.5);
        var blocked = new GaussianMoments(3, 2);
        new LatticeGaussianRule(model).Compute(mean, covariance, [], blocked);
        AssertSame(PointByPoint(model, mean, covariance, []), blocked);
    }

    [Fact]
    public void OffsetsKeptForTheSameCovarianceAreRemappedForAnother()
    {
        const int n = 6;
        var model = new SoftmaxCrossEntropy(n);
        var (mean, first) = RandomGaussians.Draw(n, 6, 1.5);
        var (_, second) = RandomGaussians.Draw(n, 7, 1.5);
        var labels = new double[n];
        labels[0] = 1;
        var rule = new LatticeGaussianRule(model);
        var moments = new GaussianMoments(n, 0);
        rule.Compute(mean, first, labels, moments);
        // A second class with the same B but another mean reuses the offsets; then another B must not.
        var shifted = mean.Select(m => m + 0.3).ToArray();
        rule.Compute(shifted, first, labels, moments);
        AssertSame(PointByPoint(model, shifted, first, labels), moments);
        rule.Compute(mean, second, labels, moments);
        AssertSame(PointByPoint(model, mean, second, labels), moments);
    }
}
