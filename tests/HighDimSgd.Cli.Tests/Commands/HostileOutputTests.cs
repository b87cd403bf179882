using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using HighDimSgd.Cli.Application;

namespace HighDimSgd.Cli.Tests.Commands;

/// <summary>
/// Outputs under hostile conditions (issue 16): signals and kills mid-run, two runs into one folder, an empty --out, a
/// full disk, CSV fields that need quoting, non-finite numbers in run.json, SGD runs that diverge.
/// </summary>
[Collection("console")]
public class HostileOutputTests
{
    private const string Base = """
        title = "t"
        [data]
        dimension = DIM
        spectrum = { kind = "identity" }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = "rstar"
        [student]
        directions = 1
        output = "r"
        [loss]
        preset = "least-squares"
        [optimizer]
        learning-rate = LR
        horizon = HORIZON
        [output]
        checkpoints = 5
        [simulation]
        runs = 4
        """;

    private static string Problem(string folder, int dimension = 50, double horizon = 1, double learningRate = 0.5, string output = "") =>
        CliRunner.WriteProblem(folder, Base.Replace("DIM", dimension.ToString(CultureInfo.InvariantCulture))
            .Replace("HORIZON", horizon.ToString("R", CultureInfo.InvariantCulture))
            .Replace("LR", learningRate.ToString("R", CultureInfo.InvariantCulture))
            .Replace("checkpoints = 5", "checkpoints = 5\n" + output), $"p{Guid.NewGuid():N}.toml");

    /// <summary>A run that takes many seconds: it is interrupted long before it ends.</summary>
    private static string LongProblem(string folder) => Problem(folder, dimension: 500, horizon: 5000);

    private static string[] Staging(string folder) =>
        Directory.Exists(folder) ? Directory.GetDirectories(folder, ".staging-*") : [];

    /// <summary>Starts <c>hdsgd</c> (the built dll) as a child process.</summary>
    private static Process Start(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "hdsgd.dll");
        // Through env(1) with the signals reset to their defaults: a shell without job control starts background jobs
        // with SIGINT ignored, and the child would inherit that (env execs, so the pid is hdsgd's).
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--default-signal=INT,TERM,HUP");
        info.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return Process.Start(info)!;
    }

    /// <summary>Waits until the child has opened its staging folder in <paramref name="outFolder"/>.</summary>
    private static void WaitForStaging(Process process, string outFolder)
    {
        var clock = Stopwatch.StartNew();
        while (Staging(outFolder).Length == 0)
        {
            if (process.HasExited) Assert.Fail($"hdsgd ended before staging (exit {process.ExitCode}): {process.StandardError.ReadToEnd()}");
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) Assert.Fail("no staging folder after 60 s");
            Thread.Sleep(50);
        }
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-s", signal, process.Id.ToString(CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static int WaitForExit(Process process)
    {
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("hdsgd did not end within 60 s of the signal");
        }
        return process.ExitCode;
    }

    /// <summary>Whether this process ignores <paramref name="signal"/> (a child inherits that and cannot be interrupted by it).</summary>
    [Theory]
    [InlineData("simulate", "INT", 130)]
    [InlineData("compare", "TERM", 143)]
    [InlineData("simulate", "HUP", 129)]
    public void ASignalRemovesTheStagingFolderAndTheNextRunWorks(string command, string signal, int expectedExit)
    {
        if (!OperatingSystem.IsLinux()) return;
        var folder = CliRunner.TempFolder();
        var outFolder = Path.Combine(folder, "out");
        using var process = Start(command, LongProblem(folder), "--out", outFolder);
        WaitForStaging(process, outFolder);
        Signal(process, signal);
        var exit = WaitForExit(process);
        var error = process.StandardError.ReadToEnd();
        Assert.Equal(expectedExit, exit);
        Assert.DoesNotContain("   at ", error);
        Assert.Contains($"interrupted by SIG{signal}", error);
        Assert.Empty(Staging(outFolder));
        Assert.False(Directory.Exists(outFolder), "the run created the folder and wrote nothing into it: it is removed");

        var (next, _, nextError) = CliRunner.Run("simulate", Problem(folder), "--out", outFolder);
        Assert.True(next == 0, nextError);
        Assert.True(File.Exists(Path.Combine(outFolder, "sgd.csv")));
    }

    [Fact]
    public void TheNextRunRemovesTheStagingFolderOfAKilledRun()
    {
        if (!OperatingSystem.IsLinux()) return;
        var folder = CliRunner.TempFolder();
        var outFolder = Path.Combine(folder, "out");
        using (var process = Start("simulate", LongProblem(folder), "--out", outFolder))
        {
            WaitForStaging(process, outFolder);
            process.Kill(); // SIGKILL: no handler runs
            process.WaitForExit();
        }
        Assert.Single(Staging(outFolder));

        var (exit, _, error) = CliRunner.Run("simulate", Problem(folder), "--out", outFolder);
        Assert.True(exit == 0, error);
        Assert.Empty(Staging(outFolder));
        Assert.True(File.Exists(Path.Combine(outFolder, "sgd.csv")));
    }

    [Fact]
    public void ASecondRunIntoAFolderInUseIsRefused()
    {
        var folder = CliRunner.TempFolder();
        var outFolder = Path.Combine(folder, "out");
        var path = Problem(folder);
        using (var first = new OutputDirectory(outFolder))
        {
            var (exit, _, error) = CliRunner.Run("solve", path, "--out", outFolder);
            CliRunner.AssertOneLineUserError(exit, error, $"output folder {outFolder} is in use by another hdsgd run (pid {Environment.ProcessId})");
            Assert.Single(Staging(outFolder)); // the first run's staging folder is left alone
            first.WriteText("first.txt", "first");
            first.Commit();
        }
        var (again, _, againError) = CliRunner.Run("solve", path, "--out", outFolder);
        Assert.True(again == 0, againError);
        Assert.Equal(["first.txt", "run.json", "theory.csv"],
            Directory.GetFiles(outFolder).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void AnEmptyOutFolderIsAUserError(string name)
    {
        var folder = CliRunner.TempFolder();
        var (exit, _, error) = CliRunner.Run("solve", Problem(folder), "--out", name);
        CliRunner.AssertOneLineUserError(exit, error, "--out");
    }

    /// <summary>Throws ENOSPC's message after a few bytes, like a disk that fills up while a file is written.</summary>
    private sealed class FullDiskStream(Stream inner) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_written + count > 64) throw new IOException("No space left on device");
            inner.Write(buffer, offset, count);
            _written += count;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public void AFullDiskIsOneLineAndLeavesNothing()
    {
        var folder = CliRunner.TempFolder();
        var outFolder = Path.Combine(folder, "out");
        var path = Problem(folder);
        OutputDirectory.StreamFilter.Value = s => new FullDiskStream(s);
        try
        {
            var (exit, _, error) = CliRunner.Run("simulate", path, "--out", outFolder);
            CliRunner.AssertOneLineUserError(exit, error, $"cannot write {outFolder}: No space left on device");
        }
        finally
        {
            OutputDirectory.StreamFilter.Value = null;
        }
        Assert.False(Directory.Exists(outFolder), "nothing partial is left");
    }

    [Fact]
    public void ABlockNameWithACommaIsQuotedInEveryCsv()
    {
        var folder = CliRunner.TempFolder();
        var outFolder = Path.Combine(folder, "out");
        var path = Problem(folder, output: """
            statistics = ["risk", "norm:a,b"]
            blocks = { "a,b" = [0.0, 0.5] }
            """);
        var (exit, _, error) = CliRunner.Run("compare", path, "--out", outFolder);
        Assert.True(exit == 0, error);
        foreach (var name in new[] { "theory.csv", "sgd.csv", "compare.csv" })
        {
            var records = ReadCsv(Path.Combine(outFolder, name));
            Assert.All(records, r => Assert.Equal(records[0].Length, r.Length));
            if (name != "compare.csv") Assert.Contains(records[0], f => f.StartsWith("norm_a,b", StringComparison.Ordinal));
        }
        Assert.StartsWith("t,risk,\"norm_a,b\"", File.ReadAllText(Path.Combine(outFolder, "theory.csv")));
    }

    private static List<string[]> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = false });
        var records = new List<string[]>();
        while (parser.Read()) records.Add(parser.Record!);
        return records;
    }

    [Fact]
    public void NonFiniteNumbersAreWrittenAsNullInJsonAndAsNamedValuesInCsv()
    {
        var record = new JsonObject
        {
            ["gap"] = double.NaN,
            ["finite"] = 1.5,
            ["nested"] = new JsonObject { ["up"] = double.PositiveInfinity, ["list"] = new JsonArray(1.0, double.NegativeInfinity, float.NaN) },
        };
        using var json = JsonDocument.Parse(JsonOutput.Format(record));
        var root = json.RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("gap").ValueKind);
        Assert.Equal(1.5, root.GetProperty("finite").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("nested").GetProperty("up").ValueKind);
        var list = root.GetProperty("nested").GetProperty("list");
        Assert.Equal([JsonValueKind.Number, JsonValueKind.Null, JsonValueKind.Null], list.EnumerateArray().Select(e => e.ValueKind));
        Assert.True(double.IsNaN(record["gap"]!.GetValue<double>()), "the caller's tree is left as it was");

        Assert.Equal(["NaN", "Infinity", "-Infinity", "0.1"], new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.1 }.Select(Csv.Number));
        foreach (var text in new[] { "NaN", "Infinity", "-Infinity" })
            Assert.False(double.IsFinite(double.Parse(text, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void GapInStandardErrorsIsDefinedWhenTheStandardErrorIsZero()
    {
        var oneUlp = Math.BitIncrement(0.625);
        Assert.Equal(0, new CheckpointAgreement(0, 0.625, oneUlp, 0).GapInStandardErrors);
        Assert.Equal(0, new CheckpointAgreement(0, oneUlp, 0.625, 0).GapInStandardErrors);
        Assert.Equal(0, new CheckpointAgreement(0, 0.625, oneUlp, 1e-17).GapInStandardErrors);
        Assert.Equal(double.PositiveInfinity, new CheckpointAgreement(0, 0.5, 0.6, 0).GapInStandardErrors);
        Assert.Equal(double.NegativeInfinity, new CheckpointAgreement(0, 0.6, 0.5, 0).GapInStandardErrors);
        Assert.True(double.IsNaN(new CheckpointAgreement(1, 0.5, 0.6, double.NaN).GapInStandardErrors));
        Assert.Equal(2, new CheckpointAgreement(1, 0.5, 0.7, 0.1).GapInStandardErrors, 12);
        Assert.Equal(0, new CheckpointAgreement(0, 0, 0, 0).RelativeGap);
    }

    [Fact]
    public void CompareSaysWhenEverySgdRunDiverged()
    {
        var folder = CliRunner.TempFolder();
        var outFolder = Path.Combine(folder, "out");
        // Past the stability threshold 2 / (Tr K / d) = 2: every run blows up within a few units of time.
        var (exit, output, error) = CliRunner.Run("compare", Problem(folder, dimension: 100, horizon: 40, learningRate: 3), "--out", outFolder);
        Assert.True(exit == 0, error);
        Assert.Contains("agreement: none: all 4 SGD runs diverged", output);
        Assert.DoesNotContain("0.00 %", output);
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "run.json")));
        var agreement = run.RootElement.GetProperty("agreement");
        Assert.True(agreement.GetProperty("all_sgd_runs_diverged").GetBoolean());
        Assert.Equal(4, agreement.GetProperty("sgd_diverged_runs").GetInt32());
        Assert.Equal(4, run.RootElement.GetProperty("sgd").GetProperty("divergences").GetArrayLength());
        Assert.DoesNotContain("-Infinity", File.ReadAllText(Path.Combine(outFolder, "compare.csv")));
    }

    [Fact]
    public void CompareCountsTheSgdRunsThatDiverged()
    {
        var folder = CliRunner.TempFolder();
        var outFolder = Path.Combine(folder, "out");
        // Just past the threshold at small d: some of the runs blow up, the others do not by the horizon (seed 1: 4 of 8 at 2.3;
        // the count depends on the normal stream, so a new sampler may need a new rate).
        var path = Problem(folder, dimension: 10, horizon: 30, learningRate: 2.3);
        File.WriteAllText(path, File.ReadAllText(path).Replace("runs = 4", "runs = 8"));
        var (exit, output, error) = CliRunner.Run("compare", path, "--out", outFolder);
        Assert.True(exit == 0, error);
        var match = System.Text.RegularExpressions.Regex.Match(output, @"agreement: largest relative gap .*; (\d) of 8 SGD runs diverged \(first at t = ");
        Assert.True(match.Success, output);
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "run.json")));
        var agreement = run.RootElement.GetProperty("agreement");
        Assert.Equal(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), agreement.GetProperty("sgd_diverged_runs").GetInt32());
        Assert.False(agreement.GetProperty("all_sgd_runs_diverged").GetBoolean());
        Assert.Equal(JsonValueKind.Number, agreement.GetProperty("max_relative_gap").ValueKind);
    }

    [Fact]
    public void ARunIntoAFolderAnotherProcessUsesIsRefusedWithItsPid()
    {
        if (!OperatingSystem.IsLinux()) return;
        var folder = CliRunner.TempFolder();
        var outFolder = Path.Combine(folder, "out");
        using var process = Start("simulate", LongProblem(folder), "--out", outFolder);
        try
        {
            WaitForStaging(process, outFolder);
            var (exit, _, error) = CliRunner.Run("simulate", Problem(folder), "--out", outFolder);
            CliRunner.AssertOneLineUserError(exit, error, $"output folder {outFolder} is in use by another hdsgd run (pid {process.Id})");
            Assert.Single(Staging(outFolder));
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
        }
    }
}
