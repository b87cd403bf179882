using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;
using MathNet.Numerics;

namespace HighDimSgd.Core.Tests.Spectra;

public sealed class MarchenkoPasturLawTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Cdf_is_the_integral_of_the_density(double ratio)
    {
        var law = new MarchenkoPasturLaw(ratio);

        // x = u^2 removes the 1/sqrt(x) singularity at the left edge when r = 1; the square-root edges remain,
        // which the double-exponential rule integrates to near machine precision.
        double Integral(double x) =>
            Integrate.DoubleExponential(u => law.Density(u * u) * 2 * u, Math.Sqrt(law.Lower), Math.Sqrt(x), 1e-14);

        foreach (var fraction in new[] { 0.01, 0.2, 0.5, 0.8, 0.99 })
        {
            var x = law.Lower + fraction * (law.Upper - law.Lower);
            Assert.Equal(law.AtomAtZero + Integral(x), law.Cdf(x), 10);
        }

        Assert.Equal(1.0, law.AtomAtZero + Integral(law.Upper), 10);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void Quantiles_have_mean_one_variance_ratio_and_the_right_support(double ratio)
    {
        const int d = 2000;
        var values = SpectrumBuilder.Eigenvalues(new MarchenkoPasturSpectrum(ratio), d, ".");
        var lower = Math.Pow(1 - Math.Sqrt(ratio), 2);
        var upper = Math.Pow(1 + Math.Sqrt(ratio), 2);

        // Midpoint quantiles integrate x and x^2 against the law with an error of a few 1/d^(3/2) at the square-root edges.
        Assert.Equal(1.0, values.Average(), 3);
        Assert.Equal(ratio, values.Select(v => (v - 1) * (v - 1)).Average(), 3);

        var positive = values.Where(v => v > 0).ToArray();
        Assert.InRange(positive.Min(), lower, lower + 0.02 * (upper - lower));
        Assert.InRange(positive.Max(), upper - 0.02 * (upper - lower), upper);
        var expectedZeros = ratio > 1 ? (int)Math.Floor((1 - 1 / ratio) * d + 0.5) : 0;
        Assert.Equal(expectedZeros, values.Count(v => v == 0));
    }

    [Fact]
    public void Quantile_inverts_the_cdf()
    {
        var law = new MarchenkoPasturLaw(0.3);
        foreach (var p in new[] { 1e-6, 0.1, 0.5, 0.9, 1 - 1e-6 })
        {
            Assert.Equal(p, law.Cdf(law.Quantile(p)), 12);
        }

        Assert.Equal(law.Lower, law.Quantile(0), 12);
        Assert.Equal(law.Upper, law.Quantile(1), 12);
    }

    [Fact]
    public void Unit_ratio_matches_the_closed_form_cdf()
    {
        // r = 1: density sqrt((4 - x)/x)/(2 pi) on [0, 4]; with x = 4 sin^2(phi) it integrates to (2 phi + sin 2 phi)/pi.
        var law = new MarchenkoPasturLaw(1.0);
        foreach (var x in new[] { 1e-4, 0.01, 1.0, 2.0, 3.5, 3.9999 })
        {
            var phi = Math.Asin(Math.Sqrt(x) / 2);
            Assert.Equal((2 * phi + Math.Sin(2 * phi)) / Math.PI, law.Cdf(x), 12);
        }
    }
}
