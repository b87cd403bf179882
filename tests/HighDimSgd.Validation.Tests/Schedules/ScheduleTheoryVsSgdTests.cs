using HighDimSgd.Cli.Application;
using HighDimSgd.Core.Dynamics;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests.Schedules;

/// <summary>
/// Issue 5: each step-size schedule of the ODE against the mean of simulated SGD that uses the same rule on its own
/// iterates (AdaGrad-Norm accumulates the sample gradients, Polyak and line search read the run's exact overlaps).
/// Both the risk and the learning rate itself must agree within a few standard errors and a few percent.
/// </summary>
public class ScheduleTheoryVsSgdTests(ITestOutputHelper output)
{
    private const string Template = """
        title = "least squares with a step-size schedule"
        [data]
        dimension = DIM
        spectrum = SPECTRUM
        [teacher]
        directions = 1
        weights = [ { kind = "alternating", norm = 1.0 } ]
        output = "rstar + NOISE*eps"
        [student]
        directions = 1
        init = [ INIT ]
        output = "r"
        [loss]
        preset = "least-squares"
        [optimizer]
        OPTIMIZER
        horizon = HORIZON
        [output]
        checkpoints = 21
        statistics = ["risk", "lr"]
        """;

    private const string TwoLevel = """{ kind = "blocks", values = [0.5, 1.5], fractions = [0.5, 0.5] }""";
    private const string PowerLaw = """{ kind = "power-law", exponent = 1.0, normalize = "mean" }""";

    private static string Problem(string optimizer, string spectrum, double noise, double horizon, int d,
        string init = "{ kind = \"zero\" }") => Template
        .Replace("INIT", init)
        .Replace("DIM", d.ToString())
        .Replace("SPECTRUM", spectrum)
        .Replace("NOISE", noise.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Replace("OPTIMIZER", optimizer)
        .Replace("HORIZON", horizon.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private Comparison Compare(string problem, int runs)
    {
        var context = ProblemContext.FromText(problem, "schedules.toml");
        var comparison = Comparison.Run(context, runs, seed: 5, homogenized: false);
        output.WriteLine(comparison.SummaryLine());
        return comparison;
    }

    private void AssertAgrees(Comparison comparison, string statistic, double maxRelativeGap, double maxStandardErrors = 4.5)
    {
        Assert.False(comparison.Theory.Diverged, comparison.Theory.StopReason);
        var rows = comparison.Agreement(statistic);
        Assert.Equal(comparison.Theory.Times.Length, rows.Length);
        foreach (var row in rows.Where(r => r.Time > 0))
        {
            output.WriteLine($"{statistic} t = {row.Time:G4}: theory {row.Theory:G6}, SGD {row.Mean:G6} ± {row.StandardError:G3}");
            Assert.True(Math.Abs(row.GapInStandardErrors) < maxStandardErrors || row.RelativeGap < 2e-3,
                $"{statistic} t = {row.Time}: theory {row.Theory:G6}, SGD {row.Mean:G6} ± {row.StandardError:G3} ({row.GapInStandardErrors:F1} se)");
            Assert.True(row.RelativeGap < maxRelativeGap,
                $"{statistic} t = {row.Time}: theory {row.Theory:G6}, SGD {row.Mean:G6}: relative gap {row.RelativeGap:P2}");
        }
    }

    [Fact]
    public void AdaGradNormWithNoiseMatchesSgdInRiskAndRate()
    {
        var comparison = Compare(Problem("schedule = \"adagrad-norm\"\nlearning-rate = 2.0\nb0 = 0.5", PowerLaw, 0.5, 10, 500), 40);
        AssertAgrees(comparison, "risk", 0.03);
        AssertAgrees(comparison, "lr", 0.02);
    }

    [Fact]
    public void RmsPropNormWithNoiseMatchesSgdInRiskAndRate()
    {
        var comparison = Compare(Problem("schedule = \"rmsprop-norm\"\nlearning-rate = 1.0\nb0 = 0.5\ndecay = 0.5", PowerLaw, 0.5, 10, 500), 40);
        AssertAgrees(comparison, "risk", 0.03);
        AssertAgrees(comparison, "lr", 0.02);
    }

    /// <summary>
    /// theory.md section 5, [HL] Sec. 4: with label noise I(B) tends to omega^2 > 0, the accumulator grows linearly and
    /// gamma_t ~ t^{-1/2}; without noise I = 2L is integrable and gamma_t levels off. The exponent is fitted on the ODE
    /// over [300, 3e4]; on a power law the excess risk decays slowly, so the same fit over [20, 2000]
    /// is still on its way to -1/2.
    /// </summary>
    [Theory]
    [InlineData("{ kind = \"identity\" }", 300, 3e4, -0.52, -0.46)]
    [InlineData("{ kind = \"power-law\", exponent = 1.0, normalize = \"mean\" }", 20, 2000, -0.5, -0.38)]
    public void AdaGradNormRateDecaysLikeInverseSquareRootWithNoise(string spectrum, double from, double to, double low, double high)
    {
        var times = Enumerable.Range(0, 41).Select(k => from * Math.Pow(to / from, k / 40.0)).ToArray();
        double FittedSlope(double noise)
        {
            var context = ProblemContext.FromText(Problem("schedule = \"adagrad-norm\"\nlearning-rate = 2.0\nb0 = 0.5", spectrum, noise, to, 200), "slope.toml");
            var theory = TheorySolver.Solve(context.Dynamics with { OutputTimes = [0, .. times] }, ["lr"], context.SolverOptions());
            Assert.False(theory.Diverged, theory.StopReason);
            return FitSlope([.. times.Select(x => Math.Log(x))], [.. theory.Column("lr")[1..].Select(x => Math.Log(x))]);
        }

        var slope = FittedSlope(0.5);
        output.WriteLine($"{spectrum}: fitted d log gamma / d log t over t in [{from:G3}, {to:G3}]: {slope:F4}");
        Assert.InRange(slope, low, high);
        var flat = FittedSlope(0.0);
        output.WriteLine($"noiseless: fitted slope {flat:F4}");
        Assert.True(flat > -0.2, $"noiseless slope {flat}");
    }

    [Fact]
    public void PolyakOnTwoLevelSpectrumMatchesSgd()
    {
        // The Polyak rate at late times has a relative standard error near 0.9% with 40 runs, so a 2% bound sat at
        // about 2 se; 80 runs and 2.5% keep the relative bound near 4 standard errors.
        var comparison = Compare(Problem("schedule = \"polyak\"\nlearning-rate = 1.0", TwoLevel, 0.3, 8, 500), 80);
        AssertAgrees(comparison, "risk", 0.03);
        AssertAgrees(comparison, "lr", 0.025);
    }

    [Fact]
    public void LineSearchOnTwoLevelSpectrumMatchesSgd()
    {
        var comparison = Compare(Problem("schedule = \"line-search\"\nlearning-rate = 1.0", TwoLevel, 0.3, 8, 500,
            init: "{ kind = \"constant\", norm = 0.3 }"), 40);
        AssertAgrees(comparison, "risk", 0.03);
        AssertAgrees(comparison, "lr", 0.03);
    }

    [Fact]
    public void UserFormulaScheduleMatchesSgd()
    {
        var comparison = Compare(Problem("schedule = \"formula\"\nrate = \"1.6/(1 + t/4)\"", PowerLaw, 0.5, 8, 400), 30);
        AssertAgrees(comparison, "risk", 0.03);
        var lr = comparison.Agreement("lr");
        foreach (var row in lr)
            Assert.Equal(1.6 / (1 + row.Time / 4), row.Theory, 12);
    }

    private static double FitSlope(double[] x, double[] y)
    {
        var mx = x.Average();
        var my = y.Average();
        return x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my)) / x.Sum(v => (v - mx) * (v - mx));
    }
}
