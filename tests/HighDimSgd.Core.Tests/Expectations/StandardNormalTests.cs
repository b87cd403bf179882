using System.Runtime.Intrinsics;
using HighDimSgd.Core.Expectations;
using MathNet.Numerics.Distributions;

namespace HighDimSgd.Core.Tests.Expectations;

/// <summary>Cody's CDF, and the vector CDF and quantile, against Math.NET's (Boost-derived) implementations.</summary>
public class StandardNormalTests
{
    [Fact]
    public void CdfMatchesMathNetIncludingBothTails()
    {
        for (var x = -37.5; x <= 9; x += 0.01)
        {
            // In the lower tail Phi is ill-conditioned: one rounding of x / sqrt 2 moves it by about x^2 ulp.
            var expected = Normal.CDF(0, 1, x);
            Assert.True(Math.Abs(StandardNormal.Cdf(x) - expected) <= (1e-14 + 4e-16 * x * x) * expected, $"x = {x}: {StandardNormal.Cdf(x):R} vs {expected:R}");
        }
        Assert.Equal(0.5, StandardNormal.Cdf(0));
        Assert.Equal(0, StandardNormal.Cdf(-40));
        Assert.Equal(1, StandardNormal.Cdf(40));
        Assert.True(double.IsNaN(StandardNormal.Cdf(double.NaN)));
    }

    [Fact]
    public void ErfMatchesMathNetToRoundingIncludingTinyArguments()
    {
        for (var x = -7.0; x <= 7; x += 0.001)
        {
            // Beyond 0.46875 erf is 1 - erfc: erfc's own few ulp (of a value at most 0.51) and the subtraction's rounding,
            // about 4 ulp of a result at least 0.49.
            var expected = MathNet.Numerics.SpecialFunctions.Erf(x);
            Assert.True(Math.Abs(StandardNormal.Erf(x) - expected) <= 1e-15 * Math.Abs(expected) + 1e-300, $"x = {x}: {StandardNormal.Erf(x):R} vs {expected:R}");
        }
        // Relative precision near 0, where 1 - erfc would keep none: erf(x) = 2 x / sqrt(pi) (1 - x^2 / 3 + ...).
        foreach (var x in new[] { 1e-300, -3e-12, 2e-8 })
            Assert.Equal(2 / Math.Sqrt(Math.PI) * x * (1 - x * x / 3), StandardNormal.Erf(x), Math.Abs(x) * 1e-15);
        Assert.Equal(1, StandardNormal.Erf(double.PositiveInfinity));
        Assert.Equal(-1, StandardNormal.Erf(-30));
        Assert.True(double.IsNaN(StandardNormal.Erf(double.NaN)));
    }

    [Fact]
    public void VectorCdfIsWithinItsRelativeErrorIncludingBothTails()
    {
        for (var x = -37.5; x <= 9; x += 0.004)
        {
            var lanes = StandardNormal.Cdf(Vector256.Create(x, -x, x + 0.001, 0.5 * x));
            foreach (var (arg, lane) in new[] { (x, 0), (-x, 1), (x + 0.001, 2), (0.5 * x, 3) })
            {
                var expected = Normal.CDF(0, 1, arg);
                Assert.True(Math.Abs(lanes[lane] - expected) <= 1.2e-7 * expected, $"x = {arg}: {lanes[lane]:R} vs {expected:R}");
            }
        }
        Assert.Equal(0, StandardNormal.Cdf(Vector256.Create(-40.0))[0]);
        Assert.Equal(1, StandardNormal.Cdf(Vector256.Create(40.0))[0]);
    }

    [Fact]
    public void VectorQuantileIsWithinItsRelativeErrorDownToTheSmallestProbabilities()
    {
        var probabilities = Enumerable.Range(1, 9999).Select(k => k / 10000.0)
            .Concat(Enumerable.Range(1, 300).Select(k => Math.Pow(10, -k)))
            .Concat(Enumerable.Range(1, 15).Select(k => 1 - Math.Pow(10, -k)))
            .Append(1e-300).Append(0.02425).Append(0.97575).Append(1 - 1.2e-16).ToArray();
        foreach (var p in probabilities)
        {
            // The central branch alone, and the tail branch in a vector with one lane in a tail.
            var lanes = StandardNormal.Quantile(Vector256.Create(p, 0.5, 1e-5, 0.3));
            var expected = Normal.InvCDF(0, 1, p);
            Assert.True(Math.Abs(lanes[0] - expected) <= 1.2e-9 * Math.Max(1, Math.Abs(expected)), $"p = {p}: {lanes[0]:R} vs {expected:R}");
            Assert.Equal(0, lanes[1], 12);
            Assert.Equal(Normal.InvCDF(0, 1, 1e-5), lanes[2], 1e-8);
            Assert.Equal(Normal.InvCDF(0, 1, 0.3), lanes[3], 1e-9);
        }
        Assert.Equal(Normal.InvCDF(0, 1, 0.3), StandardNormal.Quantile(Vector256.Create(0.3))[0], 1e-9);
    }
}
