using HighDimSgd.Cli.Application;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests;

/// <summary>
/// The ODE against the mean of simulated SGD, at sizes CI can afford. A formula is right when the gap is within a
/// few standard errors and a few percent, and falls as d grows. Larger sizes: `hdsgd compare --dimensions`.
/// </summary>
public class TheoryVsSgdTests(ITestOutputHelper output)
{
    private const string LeastSquares = """
        title = "least squares"
        [data]
        dimension = DIM
        spectrum = { kind = "power-law", exponent = 1.0, normalize = "mean" }
        [teacher]
        directions = 1
        weights = [ { kind = "alternating", norm = 1.0 } ]
        output = "rstar + 0.5*eps"
        [student]
        directions = 1
        init = [ { kind = "zero" } ]
        output = "r"
        [loss]
        preset = "least-squares"
        [optimizer]
        learning-rate = 1.2
        horizon = 8.0
        [simulation]
        test-samples = 10000
        [output]
        checkpoints = 33
        statistics = ["risk", "norm", "overlap", "moment2"]
        """;

    private const string Logistic = """
        title = "logistic, noisy teacher, power law"
        [data]
        dimension = DIM
        spectrum = { kind = "power-law", exponent = 0.6, normalize = "mean" }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 2.0 } ]
        output = "step(rstar + 0.3*eps)"
        [student]
        directions = 1
        init = [ { kind = "zero" } ]
        output = "r"
        [loss]
        preset = "logistic"
        [optimizer]
        learning-rate = 2.0
        horizon = 10.0
        [simulation]
        test-samples = 10000
        [output]
        checkpoints = 41
        statistics = ["risk", "overlap"]
        """;

    private const string PhaseRetrieval = """
        title = "phase retrieval, warm start"
        [data]
        dimension = DIM
        spectrum = { kind = "identity" }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = "abs(rstar)"
        [student]
        directions = 1
        init = [ { kind = "mix", of = [ { teacher = 1, weight = 0.5 }, { vector = { kind = "alternating", norm = 1.0 }, weight = 0.8 } ] } ]
        output = "abs(r)"
        [loss]
        expression = "(g - y)^2/2"
        [optimizer]
        learning-rate = 0.5
        horizon = 8.0
        [simulation]
        test-samples = 10000
        [output]
        checkpoints = 33
        statistics = ["risk", "overlap"]
        """;

    private const string ErfCommittee = """
        title = "erf committee"
        [data]
        dimension = DIM
        spectrum = { kind = "identity" }
        [teacher]
        directions = 2
        weights = [ { kind = "constant", norm = 1.0 }, { kind = "alternating", norm = 1.0 } ]
        output = "erf(rstar1/sqrt(2)) + erf(rstar2/sqrt(2))"
        [student]
        directions = 2
        init = [ { kind = "gaussian", seed = 11, norm = 0.5 }, { kind = "gaussian", seed = 12, norm = 0.5 } ]
        output = "erf(r1/sqrt(2)) + erf(r2/sqrt(2))"
        [loss]
        preset = "least-squares"
        [optimizer]
        learning-rate = 1.0
        horizon = 10.0
        [simulation]
        test-samples = 10000
        [output]
        checkpoints = 21
        statistics = ["risk", "overlap"]
        """;

    private Comparison Compare(string template, int d, int runs, ulong seed = 1)
    {
        var context = ProblemContext.FromText(template.Replace("DIM", d.ToString()), "validation.toml");
        var comparison = Comparison.Run(context, runs, seed, homogenized: false);
        output.WriteLine(comparison.SummaryLine());
        return comparison;
    }

    /// <summary>
    /// The theory's risk against SGD's twice: priced at the runs' exact overlaps by the theory's own quadrature, and
    /// averaged over a test sample (no quadrature, so an error of the quadrature cannot move both sides); and the raw
    /// overlap of the runs' weights with the teacher.
    /// </summary>
    private void AssertAgrees(Comparison comparison, double maxRelativeGap, double maxStandardErrors = 4.5)
    {
        Assert.False(comparison.Theory.Diverged, comparison.Theory.StopReason);
        var test = comparison.TestRiskAgreement() ?? throw new InvalidOperationException("The validation problems draw a test sample.");
        output.WriteLine($"largest gaps in standard errors: quadrature risk {MaxSigmas(comparison.Agreement())}, test-sample risk {MaxSigmas(test)}, overlap {MaxSigmas(comparison.Agreement("overlap"))}");
        foreach (var (name, rows) in new[] { ("risk", comparison.Agreement()), ("test-sample risk", test) })
            foreach (var row in rows.Where(r => r.Time > 0))
            {
                Assert.True(Math.Abs(row.GapInStandardErrors) < maxStandardErrors,
                    $"{name}, t = {row.Time}: theory {row.Theory:G6}, SGD {row.Mean:G6} ± {row.StandardError:G3} ({row.GapInStandardErrors:F1} se)");
                Assert.True(row.RelativeGap < maxRelativeGap,
                    $"{name}, t = {row.Time}: theory {row.Theory:G6}, SGD {row.Mean:G6}: relative gap {row.RelativeGap:P2}");
            }
        foreach (var row in comparison.Agreement("overlap").Where(r => r.Time > 0))
            Assert.True(Math.Abs(row.GapInStandardErrors) < maxStandardErrors,
                $"overlap, t = {row.Time}: theory {row.Theory:G6}, SGD {row.Mean:G6} ± {row.StandardError:G3} ({row.GapInStandardErrors:F1} se)");
    }

    private static string MaxSigmas(IEnumerable<CheckpointAgreement> rows) =>
        rows.Where(r => r.Time > 0).Select(r => Math.Abs(r.GapInStandardErrors)).DefaultIfEmpty(0).Max().ToString("F1");

    [Fact]
    public void LeastSquaresOnPowerLawMatchesSgd()
    {
        var comparison = Compare(LeastSquares, 500, 40);
        AssertAgrees(comparison, 0.03);
        // tr(X K^2 X^T) of the simulated weights against the ODE's W K^2 W^T.
        foreach (var row in comparison.Agreement("moment2").Where(r => r.Time > 0))
            Assert.True(Math.Abs(row.GapInStandardErrors) < 4.5 && row.RelativeGap < 0.05,
                $"moment2 t = {row.Time}: theory {row.Theory:G6}, SGD {row.Mean:G6} ± {row.StandardError:G3}");
    }

    [Fact]
    public void LogisticWithNoisyTeacherOnPowerLawMatchesSgd() => AssertAgrees(Compare(Logistic, 500, 40), 0.03);

    [Fact]
    public void PhaseRetrievalWithWarmStartMatchesSgd() => AssertAgrees(Compare(PhaseRetrieval, 500, 40), 0.04);

    [Fact]
    public void ErfCommitteeMatchesSgd() => AssertAgrees(Compare(ErfCommittee, 400, 40), 0.04);

    [Theory]
    [InlineData("least-squares")]
    [InlineData("logistic")]
    public void GapShrinksWithDimension(string model)
    {
        // The study reads the quadrature risk only: no test sample.
        var template = (model == "logistic" ? Logistic : LeastSquares).Replace("test-samples = 10000", "test-samples = 0");
        var study = FiniteSizeStudy.Run(d => ProblemContext.FromText(template.Replace("DIM", (d ?? 0).ToString()), "validation.toml"),
            [100, 400, 1600], runs: 24, seed: 3, method: null, progress: null);
        output.WriteLine(study.SummaryLine());
        Assert.True(study.Gaps[0] > study.Gaps[^1], study.SummaryLine());
        // The mean gap contains the ensemble's noise, which also falls with d: at every d the gap must stay within a
        // few times its statistical floor, so a bias that does not shrink would show.
        for (var i = 0; i < study.Dimensions.Length; i++)
            Assert.True(study.Gaps[i] < 3 * study.GapErrors[i], study.SummaryLine());
        // The fitted slope alone cannot tell (the noise of a fixed number of runs falls like d^-1/2 too): the signed gap,
        // fitted as a + b/d through the smallest and the largest d, must leave an intercept within its standard error.
        ProblemContext Load(int d) => ProblemContext.FromText(template.Replace("DIM", d.ToString()), "validation.toml");
        var small = Comparison.Run(Load(study.Dimensions[0]), 24, 3, homogenized: false);
        var large = Comparison.Run(Load(study.Dimensions[^1]), 24, 3, homogenized: false);
        Mixtures.MixtureExamples.AssertLimitAgrees(small, study.Dimensions[0], large, study.Dimensions[^1], "risk", output: output);
    }
}
