using System.Text.Json;

namespace HighDimSgd.Cli.Tests.Commands;

[Collection("console")]
public class SolveAndCompareTests
{
    private const string Problem = """
        title = "least squares, two-level spectrum"
        [data]
        dimension = 200
        spectrum = { kind = "blocks", values = [2.0, 0.5], fractions = [0.3, 0.7] }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = "rstar + 0.3*eps"
        [student]
        directions = 1
        output = "r"
        [loss]
        preset = "least-squares"
        [optimizer]
        learning-rate = 0.8
        horizon = 3.0
        [output]
        checkpoints = 7
        statistics = ["risk", "norm", "distance"]
        [simulation]
        runs = 6
        """;

    [Fact]
    public void SolveWritesTheoryCsvAndRunJson()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Problem);
        var outFolder = Path.Combine(folder, "out");
        var (exit, output, error) = CliRunner.Run("solve", path, "--out", outFolder);
        Assert.True(exit == 0, error);
        Assert.Contains("eigen (2 groups)", output);
        var lines = File.ReadAllLines(Path.Combine(outFolder, "theory.csv"));
        Assert.Equal("t,risk,norm,distance", lines[0]);
        Assert.Equal(8, lines.Length);
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "run.json")));
        Assert.Equal("solve", run.RootElement.GetProperty("command").GetString());
        Assert.Equal("eigen", run.RootElement.GetProperty("ode").GetProperty("method").GetString());
        Assert.Empty(Directory.GetDirectories(outFolder));
    }

    private const string WideSpectrum = """
        title = "least squares, many distinct eigenvalues"
        [data]
        dimension = 6000
        spectrum = { kind = "power-law", exponent = 2.0, normalize = "mean" }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = "rstar + 0.3*eps"
        [student]
        directions = 1
        output = "r"
        [loss]
        preset = "least-squares"
        [optimizer]
        learning-rate = 0.5
        horizon = 20.0
        [output]
        checkpoints = 11
        statistics = ["risk"]
        """;

    [Fact]
    public void SolveRecordsTheRepresentationTheIntegratorAndWhyAutoChoseThem()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, WideSpectrum);
        var outFolder = Path.Combine(folder, "out");
        var (exit, output, error) = CliRunner.Run("solve", path, "--out", outFolder);
        Assert.True(exit == 0, error);
        Assert.Contains("why: auto: 6000 distinct eigenvalues (more than 4096): spectrum compressed", output);
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "run.json")));
        var ode = run.RootElement.GetProperty("ode");
        Assert.Equal("compressed", ode.GetProperty("method").GetString());
        Assert.Equal("dopri5", ode.GetProperty("integrator").GetString());
        Assert.Contains("stiffness index", ode.GetProperty("choice").GetString());
        Assert.InRange(ode.GetProperty("compression_error_estimate").GetDouble(), 0, 1e-6);
    }

    [Fact]
    public void ContourThatCannotResolveTheSpectrumIsAUserError()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, WideSpectrum + "\n[solver]\nmethod = \"contour\"\ncontour-nodes = 16\n");
        var outFolder = Path.Combine(folder, "out");
        var (exit, _, error) = CliRunner.Run("solve", path, "--out", outFolder);
        Assert.Equal(2, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(path, line);
        Assert.Contains("solver.method = \"contour\"", line);
        Assert.Contains("raise contour-nodes or use method \"compressed\"", line);
        Assert.False(Directory.Exists(outFolder));
    }

    [Fact]
    public void CompareWritesEveryOutputAndAnAgreementLine()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Problem);
        var outFolder = Path.Combine(folder, "out");
        var (exit, output, error) = CliRunner.Run("compare", path, "--out", outFolder, "--homogenized");
        Assert.True(exit == 0, error);
        Assert.Contains("agreement: largest relative gap", output);
        foreach (var file in new[] { "theory.csv", "sgd.csv", "homogenized.csv", "compare.csv", "compare.png", "compare.svg", "run.json" })
            Assert.True(File.Exists(Path.Combine(outFolder, file)), file);
        var header = File.ReadLines(Path.Combine(outFolder, "sgd.csv")).First();
        Assert.Equal("t,risk_mean,risk_stderr,norm_mean,norm_stderr,distance_mean,distance_stderr,lr_mean,lr_stderr,runs", header);
    }

    [Fact]
    public void CompareWithATestSampleReportsTheIndependentRiskInEveryOutput()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Problem.Replace("runs = 6", "runs = 6\ntest-samples = 3000"));
        var outFolder = Path.Combine(folder, "out");
        var (exit, output, error) = CliRunner.Run("compare", path, "--out", outFolder);
        Assert.True(exit == 0, error);
        Assert.Contains("independent check, risk on a test sample of 3000 inputs", output);
        Assert.Equal("t,risk_mean,risk_stderr,norm_mean,norm_stderr,distance_mean,distance_stderr,test_risk_mean,test_risk_stderr,test_risk_se_mean,test_risk_se_stderr,lr_mean,lr_stderr,runs",
            File.ReadLines(Path.Combine(outFolder, "sgd.csv")).First());
        var compare = File.ReadAllLines(Path.Combine(outFolder, "compare.csv"));
        Assert.EndsWith("test_risk_mean,test_risk_stderr,test_relative_gap,test_gap_in_stderr", compare[0]);
        // At t = 0 every run prices the same weights on the same sample: the runs agree, the sample's error remains.
        var first = compare[1].Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(first[7] > 0 && Math.Abs(first[6] - first[1]) < 5 * first[7], compare[1]);
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "run.json")));
        Assert.Equal(3000, run.RootElement.GetProperty("test_sample").GetProperty("inputs").GetInt32());
    }

    [Theory]
    [InlineData("-1", "simulation.test-samples: must be at least 0")]
    [InlineData("20000000", "simulation.test-samples: must be at most 10,000,000")]
    public void TestSampleSizeOutsideItsRangeIsAUserError(string value, string expected)
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Problem.Replace("runs = 6", "runs = 6\ntest-samples = " + value));
        var (exit, _, error) = CliRunner.Run("simulate", path, "--out", Path.Combine(folder, "out"));
        Assert.Equal(2, exit);
        Assert.Contains(expected, error);
        Assert.False(Directory.Exists(Path.Combine(folder, "out")));
    }

    [Fact]
    public void CompareWithoutArgumentRunsTheBuiltInExample()
    {
        var outFolder = Path.Combine(CliRunner.TempFolder(), "out");
        var (exit, output, error) = CliRunner.Run("compare", "--out", outFolder, "--runs", "4", "--dimension", "100");
        Assert.True(exit == 0, error);
        Assert.Contains("Logistic", File.ReadAllText(Path.Combine(outFolder, "run.json")));
        Assert.True(File.Exists(Path.Combine(outFolder, "compare.png")));
        Assert.Contains("agreement", output);
    }
}
