using System.Diagnostics;
using HighDimSgd.Cli.Application;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests.Mixtures;

/// <summary>The talk's 15-class softmax example: the ODE (15-dimensional Gaussian expectations) against SGD.</summary>
public class FifteenClassesTests(ITestOutputHelper output)
{
    [Fact]
    public void FifteenClassSoftmaxMatchesSgdAndSolvesWellUnderAMinute()
    {
        var context = MixtureExamples.Load("fifteen-classes.toml", 500,
            ("horizon = 10.0", "horizon = 4.0"), ("checkpoints = 21", "checkpoints = 9"));
        var clock = Stopwatch.StartNew();
        var comparison = Comparison.Run(context, runs: 8, seed: 5, homogenized: false);
        output.WriteLine(comparison.SummaryLine());
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(comparison.Theory.WallTime.TotalSeconds < 60, $"ODE took {comparison.Theory.WallTime.TotalSeconds:F1} s");
        MixtureExamples.AssertAgrees(comparison, "risk", maxRelativeGap: 0.01, output: output);
        MixtureExamples.AssertAgrees(comparison, "mean_overlap", maxRelativeGap: 0.03, output: output);
    }
}
