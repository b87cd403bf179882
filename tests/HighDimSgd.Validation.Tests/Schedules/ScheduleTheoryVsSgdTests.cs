using HighDimSgd.Cli.Application;
using HighDimSgd.Core.Dynamics;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests.Schedules;

/// <summary>
/// Issue 5: each step-size schedule of the ODE against the mean of simulated SGD that uses the same rule on its own
/// iterates (AdaGrad-Norm accumulates the sample gradients, Polyak estimates its inputs from the samples; the oracle
/// variants of Polyak and line search read the run's exact overlaps through the ODE's own formula, so they check the
/// overlap plumbing, not that formula). Both the risk and the learning rate itself must agree within a few standard
/// errors and a few percent.
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

    private const string Oracle = "\n[simulation]\nstep-estimate = \"oracle\"\n";

    [Fact]
    public void OraclePolyakOnTwoLevelSpectrumMatchesSgd()
    {
        // The Polyak rate at late times has a relative standard error near 0.9% with 40 runs, so a 2% bound sat at
        // about 2 se; 80 runs and 2.5% keep the relative bound near 4 standard errors.
        var comparison = Compare(Problem("schedule = \"polyak\"\nlearning-rate = 1.0", TwoLevel, 0.3, 8, 500) + Oracle, 80);
        AssertAgrees(comparison, "risk", 0.03);
        AssertAgrees(comparison, "lr", 0.025);
    }

    [Fact]
    public void OracleLineSearchOnTwoLevelSpectrumMatchesSgd()
    {
        var comparison = Compare(Problem("schedule = \"line-search\"\nlearning-rate = 1.0", TwoLevel, 0.3, 8, 500,
            init: "{ kind = \"constant\", norm = 0.3 }") + Oracle, 40);
        AssertAgrees(comparison, "risk", 0.03);
        AssertAgrees(comparison, "lr", 0.03);
    }

    /// <summary>
    /// Polyak with A and (Tr K/d) tr I estimated from SGD's own samples against the ODE, whose formula SGD never
    /// evaluates. The estimator adds a bias beta / w of its own (w = sqrt(d) samples: the mean of a ratio of averages
    /// and of the square of a noisy step), measured at +0.2 to +0.3 / w in the relative risk at t = 8 on this problem at
    /// d = 500, 2000 and 8000, far above the standard error of 200 runs. So the gap g(d) = mean - theory is fitted by
    /// eps + beta / w at two dimensions, and the extrapolated eps = (w2 g2 - w1 g1) / (w2 - w1), an error of the ODE
    /// (or of the estimator's limit), must be within 3.5 of its own standard errors sqrt(w2^2 s2^2 + w1^2 s1^2) /
    /// (w2 - w1) at every checkpoint (8 times and 2 statistics: a family-wise false alarm below 1 %). That standard
    /// error is about 0.2 % of the late risk, so a 1 % error in the ODE's risk fails the test. Tried: the ODE's Polyak
    /// rate made 5 % too large fails it (lr at t = 1, -5.1 se) while the oracle test above, which shares the formula, passes.
    /// </summary>
    [Fact]
    public void PolyakFromSamplesMatchesTheOdeOnceTheEstimatorBiasIsExtrapolated()
    {
        const int runs = 200;
        const double z = 3.5;
        int[] dimensions = [500, 2000];
        var comparisons = dimensions.Select(d => Compare(
            Problem("schedule = \"polyak\"\nlearning-rate = 1.0", TwoLevel, 0.3, 8, d).Replace("checkpoints = 21", "checkpoints = 9"), runs)).ToArray();
        var windows = dimensions.Select(HighDimSgd.Simulation.SamplePolyakSchedule.WindowFor).ToArray();
        foreach (var statistic in new[] { "risk", "lr" })
        {
            var small = comparisons[0].Agreement(statistic);
            var large = comparisons[1].Agreement(statistic);
            Assert.Equal(small.Length, large.Length);
            for (var i = 0; i < small.Length; i++)
            {
                if (small[i].Time == 0) continue;
                var (w1, w2) = (windows[0], windows[1]);
                var limit = (w2 * (large[i].Mean - large[i].Theory) - w1 * (small[i].Mean - small[i].Theory)) / (w2 - w1);
                var error = Math.Sqrt(Math.Pow(w2 * large[i].StandardError, 2) + Math.Pow(w1 * small[i].StandardError, 2)) / (w2 - w1);
                var bias = (small[i].Mean - small[i].Theory - limit) * w1;
                output.WriteLine($"{statistic} t = {small[i].Time:G3}: gap d = {dimensions[0]} {small[i].GapInStandardErrors:F1} se, " +
                                 $"d = {dimensions[1]} {large[i].GapInStandardErrors:F1} se; extrapolated {limit / large[i].Theory:P2} " +
                                 $"± {error / large[i].Theory:P2} ({limit / error:F1} se), bias beta/theory = {bias / large[i].Theory:F3}");
                Assert.True(Math.Abs(limit) < z * error,
                    $"{statistic} t = {small[i].Time}: extrapolated gap {limit:G4} ± {error:G3} ({limit / error:F1} se)");
            }
        }
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
