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
        // Two dimensions, the gap extrapolated to d -> infinity (MixtureExamples.AssertLimitAgrees): no tolerance in percent.
        (string, string)[] edits = [("checkpoints = 21", "checkpoints = 11")];
        const int small = 250, large = 1000;
        var clock = Stopwatch.StartNew();
        var atSmall = Comparison.Run(MixtureExamples.Load("fifteen-classes.toml", small, edits), runs: 32, seed: 5, homogenized: false);
        var atLarge = Comparison.Run(MixtureExamples.Load("fifteen-classes.toml", large, edits), runs: 32, seed: 5, homogenized: false);
        output.WriteLine(atSmall.SummaryLine());
        output.WriteLine(atLarge.SummaryLine());
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(atLarge.Theory.WallTime.TotalSeconds < 60, $"ODE took {atLarge.Theory.WallTime.TotalSeconds:F1} s");
        foreach (var statistic in new[] { "risk", "mean_overlap", "norm", "classification_error" })
            MixtureExamples.AssertLimitAgrees(atSmall, small, atLarge, large, statistic, output: output);
    }
}
