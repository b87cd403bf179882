using HighDimSgd.Cli.Application;
using HighDimSgd.Validation.Tests.Mixtures;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests.RealData;

/// <summary>
/// examples/real/fashion-mnist-binary.toml (T-shirt/top vs Shirt, d = 784, 12000 training and 2000 test images; Debian's
/// dataset-fashion-mnist, which .ci/run installs): the dense theory against SGD on the Gaussian surrogate of the
/// training split, and the gaps to SGD on the real images and to the commuting approximation, reported.
/// </summary>
public class FashionMnistTests(ITestOutputHelper output)
{
    [Fact]
    public void DenseTheoryMatchesSurrogateSgdOnFashionMnist()
    {
        var path = Path.Combine(MixtureExamples.RepositoryRoot(), "examples", "real", "fashion-mnist-binary.toml");
        var context = ProblemContext.Load(path);
        Assert.Equal((784, 12000, 2000), (context.Dimension, context.RealData!.Train.Count, context.RealData.Test.Count));
        Assert.Equal(12000.0 / 784, context.Problem.Optimizer.Horizon, 12);

        var comparison = Comparison.Run(context, runs: 20, seed: 1, homogenized: false);
        output.WriteLine(comparison.SummaryLine());
        Assert.Equal("dense", comparison.Theory.Method);
        Assert.False(comparison.Theory.Diverged);
        // At every checkpoint: within 1 % of the value, or within 3 standard errors of the 20-run mean.
        foreach (var row in comparison.Agreement().Where(r => r.Time > 0))
            Assert.True(row.RelativeGap <= 0.01 || Math.Abs(row.GapInStandardErrors) <= 3,
                $"t = {row.Time:G4}: theory {row.Theory:G6}, surrogate SGD {row.Mean:G6} +- {row.StandardError:G3}");

        // Real images are not Gaussian: the gap is measured, not asserted small; but it must be a finite measurement.
        var (largest, _, final) = comparison.RealDataGap()!.Value;
        Assert.True(double.IsFinite(largest) && double.IsFinite(final));
        Assert.NotNull(comparison.Commuting);
    }

    [Fact]
    public void TenClassesSolveWithTheCommutingApproximationAndCompareWithRealSgd()
    {
        var path = Path.Combine(MixtureExamples.RepositoryRoot(), "examples", "real", "fashion-mnist-10.toml");
        var context = ProblemContext.Load(path, null, ["optimizer.horizon=2", "output.checkpoints=5"]);
        var comparison = Comparison.Run(context, runs: 4, seed: 1, homogenized: false);
        output.WriteLine(comparison.SummaryLine());
        Assert.Equal("eigen", comparison.Theory.Method);
        Assert.Contains("commuting approximation", comparison.Theory.Choice);
        Assert.Null(comparison.Commuting);
        var theoryError = comparison.Theory.Column("classification_error");
        var realError = comparison.RealData!.MeanOf("classification_error");
        output.WriteLine($"classification error at t = 2: theory {theoryError[^1]:F4}, real SGD {realError[^1]:F4}");
        // From chance (0.9) to well below it on both sides: the ten-class pipeline learns, in theory and on the images.
        Assert.Equal(0.9, realError[0], 2);
        Assert.True(theoryError[^1] < 0.4 && realError[^1] < 0.4, $"theory {theoryError[^1]}, real {realError[^1]}");
    }
}
