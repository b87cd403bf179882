using HighDimSgd.Cli.Application;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests.Mixtures;

/// <summary>
/// The mixture ODE (theory.md section 7) against the mean of simulated SGD on the talk's examples
/// (examples/mixtures), at sizes CI can afford. Larger sizes: `hdsgd compare examples/mixtures/... --dimension`.
/// </summary>
public class MixtureVsSgdTests(ITestOutputHelper output)
{
    private Comparison Compare(ProblemContext context, int runs, ulong seed = 1)
    {
        var comparison = Comparison.Run(context, runs, seed, homogenized: false);
        output.WriteLine(comparison.SummaryLine());
        return comparison;
    }

    [Fact]
    public void IdentityCovarianceMatchesSgd()
    {
        var comparison = Compare(MixtureExamples.Load("identity.toml", 500), 40);
        MixtureExamples.AssertAgrees(comparison, "risk", 0.03, output: output);
        MixtureExamples.AssertAgrees(comparison, "risk_class1", 0.03, output: output);
        MixtureExamples.AssertAgrees(comparison, "mean_overlap", 0.03, output: output);
        MixtureExamples.AssertAgrees(comparison, "alignment", 0.03, output: output);
        MixtureExamples.AssertAgrees(comparison, "classification_error", 0.05, output: output);
        MixtureExamples.AssertAgrees(comparison, "norm", 0.03, output: output);
    }

    [Fact]
    public void ZeroOneModelMatchesSgd()
    {
        var comparison = Compare(MixtureExamples.Load("zero-one.toml", 500, ("horizon = 100.0", "horizon = 40.0")), 40);
        MixtureExamples.AssertAgrees(comparison, "risk", 0.04, output: output);
        MixtureExamples.AssertAgrees(comparison, "mean_overlap", 0.03, output: output);
        MixtureExamples.AssertAgrees(comparison, "norm", 0.03, output: output);
        MixtureExamples.AssertAgrees(comparison, "classification_error", 0.08, absoluteFloor: 1e-4, output: output);
    }

    [Theory]
    [InlineData("power-law-mild.toml")]
    [InlineData("power-law-extreme.toml")]
    public void PowerLawMatchesSgd(string file)
    {
        var comparison = Compare(MixtureExamples.Load(file, 500, ("horizon = 200.0", "horizon = 40.0")), 40);
        MixtureExamples.AssertAgrees(comparison, "risk", 0.03, output: output);
        MixtureExamples.AssertAgrees(comparison, "mean_overlap", 0.03, output: output);
        MixtureExamples.AssertAgrees(comparison, "norm", 0.03, output: output);
        MixtureExamples.AssertAgrees(comparison, "classification_error", 0.05, output: output);
    }
}
