using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;

namespace HighDimSgd.Core.Tests.Spectra;

public sealed class SpectrumBuilderTests
{
    private static double[] Build(SpectrumSpec spec, int d) => SpectrumBuilder.Eigenvalues(spec, d, ".");

    [Fact]
    public void Identity_is_all_ones()
    {
        Assert.Equal([1.0, 1.0, 1.0], Build(new IdentitySpectrum(), 3));
    }

    [Fact]
    public void Power_law_is_i_over_d_to_the_exponent()
    {
        AssertClose([1.0 / 16, 4.0 / 16, 9.0 / 16, 1.0], Build(new PowerLawSpectrum(2), 4));
        AssertClose([Math.Pow(0.5, -0.5), 1.0], Build(new PowerLawSpectrum(-0.5), 2));
    }

    [Fact]
    public void Mean_normalisation_then_scale()
    {
        // (1, 4, 9, 16)/16 has mean 30/64; normalised it is (4, 16, 36, 64)/30, then doubled.
        var spec = new PowerLawSpectrum(2) { Normalize = SpectrumNormalization.Mean, Scale = 2 };
        var values = Build(spec, 4);
        AssertClose([8.0 / 30, 32.0 / 30, 72.0 / 30, 128.0 / 30], values);
        Assert.Equal(2.0, values.Average(), 14);
    }

    [Fact]
    public void Scale_alone_multiplies()
    {
        AssertClose([3.0, 3.0], Build(new IdentitySpectrum { Scale = 3 }, 2));
    }

    [Fact]
    public void Sigma_power_uses_midpoint_singular_values()
    {
        // sigma = 0 + 2 (i - 1/2)/2 = 0.5, 1.5; lambda = sigma^(2q) with q = 1.
        AssertClose([0.25, 2.25], Build(new SigmaPowerSpectrum(1, 0, 2), 2));
        AssertClose([Math.Pow(1.25, 1.5), Math.Pow(1.75, 1.5)], Build(new SigmaPowerSpectrum(0.75, 1, 2), 2));
    }

    [Theory]
    [InlineData(10, new[] { 1.0 / 3, 1.0 / 3, 1.0 / 3 }, new[] { 4, 3, 3 })]
    [InlineData(10, new[] { 0.25, 0.75 }, new[] { 3, 7 })]
    [InlineData(1000, new[] { 0.25, 0.25, 0.25, 0.25 }, new[] { 250, 250, 250, 250 })]
    [InlineData(7, new[] { 0.1, 0.2, 0.7 }, new[] { 1, 1, 5 })]
    public void Block_counts_use_largest_remainders_and_sum_to_d(int d, double[] fractions, int[] expected)
    {
        var counts = SpectrumBuilder.BlockCounts(d, fractions);
        Assert.Equal(expected, counts);
        Assert.Equal(d, counts.Sum());
    }

    [Fact]
    public void Blocks_fill_consecutive_ranges_in_order()
    {
        var values = Build(new BlockSpectrum([0, 2, 5], [0.2, 0.3, 0.5]), 10);
        Assert.Equal([0.0, 0, 2, 2, 2, 5, 5, 5, 5, 5], values);
    }

    [Fact]
    public void Explicit_values_inline_and_from_a_file()
    {
        Assert.Equal([3.0, 1.0, 2.0], Build(new ExplicitSpectrum([3, 1, 2], null), 3));

        var folder = Directory.CreateTempSubdirectory("hdsgd-spectrum-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "e.csv"), "# header comment\n0.5\n\n1.5\n2.5\n");
            var values = SpectrumBuilder.Eigenvalues(new ExplicitSpectrum(null, "e.csv") { Normalize = SpectrumNormalization.Mean }, 3, folder.FullName);
            AssertClose([1.0 / 3, 1.0, 5.0 / 3], values);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Explicit_values_of_the_wrong_length_name_the_key()
    {
        var spec = new ExplicitSpectrum([1, 2], null) { Location = new SpecLocation("p.toml", "data.spectrum", 4) };
        var error = Assert.Throws<ProblemFileException>(() => Build(spec, 3));
        Assert.Equal("data.spectrum.values", error.Key);
        Assert.Contains("has 2 numbers but the dimension is 3", error.Message);
    }

    [Fact]
    public void Normalising_an_all_zero_spectrum_is_an_error()
    {
        var spec = new BlockSpectrum([0], [1]) { Normalize = SpectrumNormalization.Mean, Location = new SpecLocation("p.toml", "data.spectrum", 4) };
        var error = Assert.Throws<ProblemFileException>(() => Build(spec, 3));
        Assert.Equal("data.spectrum.normalize", error.Key);
    }

    [Fact]
    public void Marchenko_pasturs_spectrum_is_its_midpoint_quantiles()
    {
        var values = Build(new MarchenkoPasturSpectrum(0.5), 200);
        var law = new MarchenkoPasturLaw(0.5);
        for (var i = 1; i <= values.Length; i++)
        {
            Assert.Equal((i - 0.5) / values.Length, law.Cdf(values[i - 1]), 10);
        }

        Assert.Equal(values.Order(), values);
    }

    internal static void AssertClose(double[] expected, double[] actual, int digits = 13)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], digits);
        }
    }
}
