using HighDimSgd.Cli.Application;

namespace HighDimSgd.Cli.Tests.Application;

/// <summary>verify's extrapolation of the SGD gap as a + b/d: a finite-size bias passes, an error of the theory does not.</summary>
public class VerificationExtrapolationTests
{
    private static CheckpointAgreement[] Rows(int d, double error, double bias, double standardError) =>
        [.. Enumerable.Range(1, 5).Select(k => new CheckpointAgreement(k, 1.0, 1.0 + error + bias * k / d, standardError))];

    [Fact]
    public void APureOneOverDBiasExtrapolatesToZero()
    {
        // Gaps of 20 % and 5 % at d = 500 and 2000 (b = 100 k): far beyond 4 se at either d, nothing at d -> infinity.
        var z = Verification.ExtrapolatedStandardErrors(500, Rows(500, 0, 100, 0.005), 2000, Rows(2000, 0, 100, 0.005));
        Assert.True(z < 1e-9, $"{z}");
    }

    [Fact]
    public void AnErrorOfTheTheoryRemainsAtInfiniteDimension()
    {
        // The same bias plus a 5 % error: the intercept is 0.05 with a standard error of 0.0069.
        var z = Verification.ExtrapolatedStandardErrors(500, Rows(500, 0.05, 100, 0.005), 2000, Rows(2000, 0.05, 100, 0.005));
        var se = Math.Sqrt(Math.Pow(2000 * 0.005, 2) + Math.Pow(500 * 0.005, 2)) / 1500;
        Assert.Equal(0.05 / se, z, 1e-9);
        Assert.True(z > 4);
    }
}
