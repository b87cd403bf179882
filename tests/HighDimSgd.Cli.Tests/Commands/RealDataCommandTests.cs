using System.Globalization;
using System.Text;

namespace HighDimSgd.Cli.Tests.Commands;

/// <summary><c>data</c>, <c>solve</c> and <c>compare</c> on a small real-data problem (a CSV file the test writes).</summary>
[Collection("console")]
public sealed class RealDataCommandTests : IDisposable
{
    private readonly string _folder = CliRunner.TempFolder();
    private readonly string? _cache = Environment.GetEnvironmentVariable("HDSGD_CACHE");

    public RealDataCommandTests() => Environment.SetEnvironmentVariable("HDSGD_CACHE", Path.Combine(_folder, "cache"));

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("HDSGD_CACHE", _cache);
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>500 rows of 6 features, two classes with different means and spreads; the last 20 % are the test split.</summary>
    private string Problem(string optimizerExtra = "")
    {
        var random = new Random(4);
        var csv = new StringBuilder("label,f1,f2,f3,f4,f5,f6\n");
        for (var k = 0; k < 500; k++)
        {
            var label = k % 2 == 0 ? 3 : 8;
            var z = Enumerable.Range(0, 6).Select(_ => random.NextDouble() - 0.5).ToArray();
            double[] row = label == 3
                ? [1 + z[0], z[1] + z[0], 2 * z[2], z[3], 0.5 + z[4], z[5]]
                : [-1 + 2 * z[0], z[1], z[2] - z[1], 3 * z[3], z[4], z[5] + z[3]];
            csv.Append(label).Append(',').AppendJoin(',', row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        }
        File.WriteAllText(Path.Combine(_folder, "data.csv"), csv.ToString());
        return CliRunner.WriteProblem(_folder, $$"""
            title = "small real data"
            [data.source]
            kind = "csv"
            train = { file = "data.csv" }
            test-fraction = 0.2
            classes = [3, 8]
            positive = 8
            [student]
            directions = 1
            output = "r"
            [loss]
            preset = "logistic"
            [optimizer]
            learning-rate = 1.0
            {{optimizerExtra}}
            [output]
            checkpoints = 6
            statistics = ["risk", "classification_error"]
            """);
    }

    [Fact]
    public void DataPrintsTheStatisticsAndTheSecondRunUsesTheCache()
    {
        var path = Problem();
        var (exit, output, error) = CliRunner.Run("data", path, "--out", Path.Combine(_folder, "data"));
        Assert.True(exit == 0, error);
        Assert.Contains("d = 6; 400 training and 100 test samples; Tr K / d = 1", output);
        Assert.Contains("statistics: computed and cached", output);
        Assert.Contains("Mahalanobis separation", output);
        foreach (var file in new[] { "data.png", "data.svg", "classes.csv", "pairs.csv", "spectrum.csv", "run.json" })
            Assert.True(File.Exists(Path.Combine(_folder, "data", file)), file);
        var again = CliRunner.Run("data", path, "--out", Path.Combine(_folder, "data2"));
        Assert.Contains("statistics: from the cache", again.Out);
    }

    [Fact]
    public void CompareOverlaysRealSgdAndTheCommutingApproximation()
    {
        var path = Problem();
        var outFolder = Path.Combine(_folder, "compare");
        var (exit, output, error) = CliRunner.Run("compare", path, "--out", outFolder, "--runs", "4");
        Assert.True(exit == 0, error);
        Assert.Contains("agreement (theory vs SGD on the Gaussian surrogate)", output);
        Assert.Contains("theory vs SGD on the real samples (test loss)", output);
        Assert.Contains("commuting approximation vs dense theory", output);
        Assert.Contains("dense (6 x 6 second moments", output);
        var real = File.ReadAllLines(Path.Combine(outFolder, "sgd-real.csv"));
        Assert.StartsWith("t,risk_mean,risk_stderr,classification_error_mean,classification_error_stderr,train_loss_mean", real[0]);
        // T = 400 training samples / d = 6: one pass.
        Assert.StartsWith((400.0 / 6).ToString("R", CultureInfo.InvariantCulture), real[^1]);
        Assert.True(File.Exists(Path.Combine(outFolder, "theory-commuting.csv")));
    }

    [Fact]
    public void AHorizonBeyondTheDataAndADimensionOverrideAreUserErrors()
    {
        var (exit, _, error) = CliRunner.Run("solve", Problem("horizon = 100.0"), "--out", Path.Combine(_folder, "x"));
        Assert.Equal(2, exit);
        Assert.Contains("optimizer.horizon: 100 is longer than the data allows: 400 training samples x 1 epoch(s) / d = 6 gives T = 66.6667", error);
        var dimension = CliRunner.Run("solve", Problem(), "--dimension", "10", "--out", Path.Combine(_folder, "y"));
        Assert.Equal(2, dimension.Exit);
        Assert.Contains("real data has the dimension of its samples", dimension.Error);
        var bench = CliRunner.Run("bench", Problem(), "--methods", "auto:rodas4");
        Assert.Equal(2, bench.Exit);
        Assert.Contains("--methods: 'auto:rodas4': the dense form has no structured Jacobian for rodas4; its stiff integrator is exprk4", bench.Error);
        var exponential = CliRunner.Run("bench", Problem(), "--methods", "eigen:exprk4");
        Assert.Equal(2, exponential.Exit);
        Assert.Contains("--methods: 'eigen:exprk4': exprk4 integrates the dense form only; the stiff integrator here is rodas4", exponential.Error);
        var study = CliRunner.Run("compare", Problem(), "--dimensions", "10,20", "--out", Path.Combine(_folder, "z"));
        Assert.Equal(2, study.Exit);
        Assert.Contains("--dimensions: real data has the dimension of its samples", study.Error);
        Assert.False(Directory.Exists(Path.Combine(_folder, "x")));
    }
}
