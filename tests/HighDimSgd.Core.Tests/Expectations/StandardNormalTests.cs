using HighDimSgd.Core.Expectations;
using MathNet.Numerics.Distributions;

namespace HighDimSgd.Core.Tests.Expectations;

/// <summary>Cody's CDF and Wichura's quantile against Math.NET's (Boost-derived) implementations.</summary>
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
    public void QuantileMatchesMathNetAndInvertsTheCdf()
    {
        var probabilities = Enumerable.Range(1, 9999).Select(k => k / 10000.0)
            .Concat(Enumerable.Range(1, 300).Select(k => Math.Pow(10, -k)))
            .Concat(Enumerable.Range(1, 15).Select(k => 1 - Math.Pow(10, -k)));
        foreach (var p in probabilities)
        {
            var expected = Normal.InvCDF(0, 1, p);
            var actual = StandardNormal.Quantile(p);
            Assert.True(Math.Abs(actual - expected) <= 1e-14 * Math.Max(1, Math.Abs(expected)), $"p = {p}: {actual:R} vs {expected:R}");
        }
        foreach (var x in new[] { -30.0, -8.0, -1.3, 0.2, 2.5 })
            Assert.Equal(x, StandardNormal.Quantile(StandardNormal.Cdf(x)), Math.Abs(x) * 1e-12);
        Assert.Equal(double.NegativeInfinity, StandardNormal.Quantile(0));
        Assert.Equal(double.PositiveInfinity, StandardNormal.Quantile(1));
        Assert.True(double.IsNaN(StandardNormal.Quantile(1.5)));
    }
}
