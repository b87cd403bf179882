using System.Text.Json;
using HighDimSgd.Cli.Application;

namespace HighDimSgd.Cli.Tests.Commands;

/// <summary>The sweep command on the local backend: outputs, errors that do not stop it, and the result cache.</summary>
[Collection("console")]
public class SweepTests
{
    internal const string Problem = """
        title = "least squares for sweeps"
        [data]
        dimension = 80
        spectrum = { kind = "sigma-power", q = 2, normalize = "mean" }
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
        checkpoints = 4
        statistics = ["risk", "distance"]
        """;

    [Fact]
    public void EveryPointIsWrittenAndAnErroringPointDoesNotStopTheSweep()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Problem);
        var outFolder = Path.Combine(folder, "out");
        var (exit, output, error) = CliRunner.Run("sweep", path, "--out", outFolder, "--cache", Path.Combine(folder, "cache"),
            "--grid", "optimizer.learning-rate=0.5,-1,1.0", "--grid", "data.spectrum.q=1,3");
        Assert.True(exit == 0, error);
        Assert.Contains("sweep: 6 points (4 computed, 0 from the cache, 2 failed; 0 diverged)", output);
        Assert.Contains("optimizer.learning-rate: must be positive", output);

        var sweep = Csv.Parse(File.ReadAllText(Path.Combine(outFolder, "sweep.csv")));
        Assert.Equal(["point", "optimizer.learning-rate", "data.spectrum.q", "t", "risk", "distance"], sweep[0]);
        Assert.Equal(4 * 4, sweep.Count - 1);   // 4 points that ran, 4 checkpoints each
        var summary = Csv.Parse(File.ReadAllText(Path.Combine(outFolder, "summary.csv")));
        Assert.Equal(7, summary.Count);
        var status = summary[0].IndexOf("status");
        Assert.Equal(["ok", "ok", "error", "error", "ok", "ok"], summary.Skip(1).Select(r => r[status]));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "sweep.json")));
        Assert.Equal(6, manifest.RootElement.GetProperty("points").GetArrayLength());
        Assert.Equal("local", manifest.RootElement.GetProperty("backend").GetString());

        // The points agree with single solves of the same settings.
        var single = Path.Combine(folder, "single");
        Assert.Equal(0, CliRunner.Run("solve", path, "--out", single, "--set", "optimizer.learning-rate=1.0", "--set", "data.spectrum.q=3").Exit);
        var theory = File.ReadAllLines(Path.Combine(single, "theory.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        var fromSweep = sweep.Skip(1).Where(r => r[0] == "5").ToArray();
        for (var k = 0; k < theory.Length; k++) Assert.Equal(theory[k], fromSweep[k][3..]);
    }

    [Fact]
    public void ARerunWithOneMoreValueComputesOnlyTheNewPoint()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Problem);
        var cache = Path.Combine(folder, "cache");
        var first = CliRunner.Run("sweep", path, "--out", Path.Combine(folder, "a"), "--cache", cache, "--grid", "optimizer.learning-rate=0.5,1.0");
        Assert.Contains("2 computed, 0 from the cache", first.Out);
        var second = CliRunner.Run("sweep", path, "--out", Path.Combine(folder, "b"), "--cache", cache, "--grid", "optimizer.learning-rate=0.5,1.0,1.5");
        Assert.True(second.Exit == 0, second.Error);
        Assert.Contains("3 points (1 computed, 2 from the cache", second.Out);
        Assert.Equal(File.ReadAllLines(Path.Combine(folder, "a", "sweep.csv")),
            File.ReadAllLines(Path.Combine(folder, "b", "sweep.csv")).Take(1 + 2 * 4));
        // A changed problem is another key: nothing is reused.
        var third = CliRunner.Run("sweep", path, "--out", Path.Combine(folder, "c"), "--cache", cache, "--grid", "optimizer.learning-rate=0.5,1.0",
            "--set", "optimizer.horizon=2.0");
        Assert.Contains("2 computed, 0 from the cache", third.Out);
        var fourth = CliRunner.Run("sweep", path, "--out", Path.Combine(folder, "d"), "--no-cache", "--grid", "optimizer.learning-rate=0.5,1.0");
        Assert.Contains("2 computed, 0 from the cache", fourth.Out);
    }

    [Fact]
    public void TheGridMaySupplyAKeyTheFileLeavesOut()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Problem.Replace("learning-rate = 0.8\n", "", StringComparison.Ordinal));
        Assert.Equal(2, CliRunner.Run("solve", path, "--out", Path.Combine(folder, "solve")).Exit);
        var (exit, output, error) = CliRunner.Run("sweep", path, "--out", Path.Combine(folder, "out"), "--no-cache",
            "--grid", "optimizer.learning-rate=0.5,1.0");
        Assert.True(exit == 0, error);
        Assert.Contains("sweep: 2 points (2 computed", output);
    }

    [Fact]
    public void ZippedAxesGoTogether()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Problem);
        var (exit, output, error) = CliRunner.Run("sweep", path, "--out", Path.Combine(folder, "out"), "--no-cache", "--zip",
            "--grid", "optimizer.learning-rate=0.5,1.0,1.5", "--grid", "data.dimension=40,60,80");
        Assert.True(exit == 0, error);
        Assert.Contains("sweep: 3 points", output);
        var mismatch = CliRunner.Run("sweep", path, "--out", Path.Combine(folder, "bad"), "--no-cache", "--zip",
            "--grid", "optimizer.learning-rate=0.5,1.0", "--grid", "data.dimension=40,60,80");
        Assert.Equal(2, mismatch.Exit);
        Assert.Contains("--zip: every grid needs the same number of values", mismatch.Error);
    }
}

public class SweepGridTests
{
    [Fact]
    public void ValuesSplitAtTopLevelCommasOnly()
    {
        var axis = SweepAxis.Parse("data.spectrum={ kind = \"sigma-power\", q = 2 },{ kind = \"identity\" },\"a,b\",[1, 2]");
        Assert.Equal(["{ kind = \"sigma-power\", q = 2 }", "{ kind = \"identity\" }", "\"a,b\"", "[1, 2]"], axis.Values);
    }

    [Fact]
    public void LinearAndLogarithmicRangesEndOnTheirBounds()
    {
        Assert.Equal(["1", "1.5", "2"], SweepAxis.Parse("x=lin:1:2:3").Values);
        var log = SweepAxis.Parse("x=log:0.01:1:3").Values.Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(0.01, log[0]);
        Assert.Equal(0.1, log[1], 12);
        Assert.Equal(1, log[2]);
    }

    [Theory]
    [InlineData("x", "expected KEY=")]
    [InlineData("x=lin:1:2", "expected lin:a:b:n")]
    [InlineData("x=log:0:1:3", "a log grid needs a > 0")]
    [InlineData("x=1,,2", "empty value")]
    [InlineData("x=1,1", "listed twice")]
    [InlineData("a..b=1", "is not a key")]
    public void MalformedAxesAreUserErrors(string text, string expected)
    {
        var error = Assert.Throws<UserErrorException>(() => SweepAxis.Parse(text));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void TheProductVariesTheLastAxisFastest()
    {
        var points = SweepGrid.Points([SweepAxis.Parse("a=1,2"), SweepAxis.Parse("b=x,y,z")], zip: false);
        Assert.Equal(6, points.Length);
        Assert.Equal([("a", "1"), ("b", "z")], points[2].Values);
        Assert.Equal([("a", "2"), ("b", "x")], points[3].Values);
    }

    [Fact]
    public void CsvRoundTripsQuotedFields()
    {
        string[] header = ["a", "b,c", "d\"e", "{ kind = \"x\", q = 2 }"];
        string[][] rows = [["1", "x\ny", "\"q\"", ""]];
        var parsed = Csv.Parse(Csv.Format(header, rows));
        Assert.Equal(header, parsed[0]);
        Assert.Equal(rows[0], parsed[1]);
    }
}
