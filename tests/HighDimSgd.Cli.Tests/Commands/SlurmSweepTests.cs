namespace HighDimSgd.Cli.Tests.Commands;

/// <summary>A test that needs a running Slurm: .ci/run starts a single-node cluster and sets HDSGD_SLURM_TESTS=1.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("HDSGD_SLURM_TESTS") != "1" || Environment.GetEnvironmentVariable("SLURM_CONF") is null)
            Skip = "needs a Slurm cluster: run through .ci/run, which starts one (see .ci/slurm.sh)";
    }
}

/// <summary>
/// The sweep's Slurm backend against a real single-node Slurm (MaxArraySize = 5, so larger sweeps are split): the
/// same numbers as the local backend, tasks that leave no result listed and resubmitted, a rerun that submits only
/// the new point.
/// </summary>
[Collection("console")]
public class SlurmSweepTests
{
    private static readonly string[] Grid = ["--grid", "optimizer.learning-rate=0.5,-1,1.0,1.5,2.0,2.5,3.0"];

    [SlurmFact]
    public void SlurmGivesTheLocalNumbersAndResubmitsOnlyWhatIsMissing()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, SweepTests.Problem);
        var cache = Path.Combine(folder, "cache");
        string[] Slurm(string outName, params string[] extra) =>
            ["sweep", path, "--backend", "slurm", "--poll", "0.3", "--cache", cache, "--out", Path.Combine(folder, outName), .. extra];

        var local = CliRunner.Run(["sweep", path, "--no-cache", "--out", Path.Combine(folder, "local"), .. Grid]);
        Assert.True(local.Exit == 0, local.Error);

        // Tasks whose executable does not exist leave no result: those points are failed, listed, and not cached.
        var broken = CliRunner.Run([.. Slurm("broken", "--hdsgd", Path.Combine(folder, "no-such-hdsgd")), .. Grid]);
        Assert.True(broken.Exit == 0, broken.Error);
        Assert.Contains("7 points (0 computed, 0 from the cache, 7 failed", broken.Out);
        Assert.Contains("the Slurm task left no result", broken.Out);

        var first = CliRunner.Run([.. Slurm("first"), .. Grid]);
        Assert.True(first.Exit == 0, first.Error);
        // Six valid points, at most five tasks per array: two array jobs.
        Assert.Equal(2, first.Out.Split('\n').Count(l => l.StartsWith("submitted Slurm array job", StringComparison.Ordinal)));
        Assert.Contains("7 points (6 computed, 0 from the cache, 1 failed", first.Out);
        Assert.Contains("optimizer.learning-rate: must be positive", first.Out);
        Assert.Equal(File.ReadAllText(Path.Combine(folder, "local", "sweep.csv")), File.ReadAllText(Path.Combine(folder, "first", "sweep.csv")));

        var rerun = CliRunner.Run([.. Slurm("rerun"), "--grid", "optimizer.learning-rate=0.5,-1,1.0,1.5,2.0,2.5,3.0,3.5"]);
        Assert.True(rerun.Exit == 0, rerun.Error);
        Assert.Contains("submitted Slurm array job", rerun.Out);
        Assert.Contains(": 1 task (manifest", rerun.Out);
        Assert.Contains("8 points (1 computed, 6 from the cache, 1 failed", rerun.Out);
    }
}
