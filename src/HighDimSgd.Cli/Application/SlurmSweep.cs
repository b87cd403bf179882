using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HighDimSgd.Cli.Application;

/// <summary>How a sweep is handed to Slurm.</summary>
/// <param name="Partition">sbatch --partition (null: the cluster's default).</param>
/// <param name="MaxArray">Most tasks per array job (null: the cluster's MaxArraySize).</param>
/// <param name="Chunk">Points per array task.</param>
/// <param name="PollSeconds">Seconds between squeue polls.</param>
/// <param name="Executable">The published hdsgd the tasks run (with any leading arguments, e.g. dotnet hdsgd.dll).</param>
public sealed record SlurmOptions(string? Partition, int? MaxArray, int Chunk, double PollSeconds, IReadOnlyList<string> Executable)
{
    /// <summary>The hdsgd this process runs: its apphost when there is one, else the runtime and the entry assembly.</summary>
    public static IReadOnlyList<string> ThisExecutable()
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "hdsgd.exe" : "hdsgd");
        if (File.Exists(apphost)) return [apphost];
        var dll = Path.Combine(AppContext.BaseDirectory, "hdsgd.dll");
        return [Environment.ProcessPath ?? "dotnet", dll];
    }
}

/// <summary>
/// Runs the missing points of a sweep as Slurm job arrays: the manifest (problem, run, and one entry per missing point
/// with its overrides and cache key) is written into the cache folder, which the compute nodes must share; each task
/// runs <c>hdsgd sweep-task MANIFEST INDEX</c> over a chunk of entries and stores results in the cache. This process
/// polls squeue until the arrays are gone and gathers the results from the cache; a point with neither a result nor
/// an error record is reported as failed, and the next call submits it again (and only it).
/// </summary>
public static class SlurmSweep
{
    private const string ErrorsFolder = "errors";

    public static PointRecord[] Run(SweepJob job, ResultCache cache, SlurmOptions options, TextWriter log, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var records = new PointRecord?[job.Points.Length];
        var missing = new List<(SweepPoint Point, string Key)>();
        foreach (var point in job.Points)
        {
            var (_, key, settled) = LocalSweep.Prepare(job, point, cache);
            if (settled is not null) records[point.Index] = settled;
            else missing.Add((point, key!));
        }
        if (missing.Count > 0)
        {
            var folder = WriteManifest(job, cache, options, missing);
            var tasks = (missing.Count + options.Chunk - 1) / options.Chunk;
            var jobIds = Submit(folder, options, tasks, log);
            Wait(jobIds, options, () => (double)missing.Count(m => cache.Contains(m.Key) || File.Exists(ErrorPath(folder, m.Point.Index))) / missing.Count, progress);
            foreach (var (point, key) in missing)
            {
                if (cache.Load(key) is { } outcome) records[point.Index] = new PointRecord(point, key, outcome, false);
                else if (ReadError(folder, point.Index) is { } error) records[point.Index] = new PointRecord(point, key, PointOutcome.Error(error), false);
                else
                {
                    var chunk = missing.FindIndex(m => m.Point.Index == point.Index) / options.Chunk;
                    records[point.Index] = new PointRecord(point, key,
                        new PointOutcome("failed", $"the Slurm task left no result (array task {chunk}; logs in {Path.Combine(folder, "logs")}); run the sweep again to resubmit it", null, null, 0), false);
                }
            }
        }
        progress?.Report(1.0);
        return [.. records.Select(r => r!)];
    }

    /// <summary>The manifest's folder: cache/sweeps/ID, ID a hash of its content.</summary>
    private static string WriteManifest(SweepJob job, ResultCache cache, SlurmOptions options, List<(SweepPoint Point, string Key)> missing)
    {
        var manifest = new JsonObject
        {
            ["hdsgd"] = RunRecord.Version,
            ["problem"] = new JsonObject
            {
                ["path"] = Path.GetFullPath(job.ProblemPath),
                ["text"] = job.ProblemText,
                ["dimension"] = job.Dimension,
            },
            ["run"] = job.Run.ToJson(),
            ["cache"] = cache.Directory,
            ["chunk"] = options.Chunk,
            ["entries"] = new JsonArray([.. missing.Select(m => (JsonNode)new JsonObject
            {
                ["point"] = m.Point.Index,
                ["overrides"] = new JsonArray([.. m.Point.Overrides(job.BaseSet).Select(o => (JsonNode)o)]),
                ["key"] = m.Key,
            })]),
        };
        var text = JsonOutput.Format(manifest);
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        var folder = Path.Combine(cache.Directory, "sweeps", id);
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "logs"));
            Directory.CreateDirectory(Path.Combine(folder, ErrorsFolder));
            File.WriteAllText(Path.Combine(folder, "manifest.json"), text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"{folder}: cannot write the sweep manifest: {e.Message}");
        }
        return folder;
    }

    /// <summary>Submits ceil(tasks / array size) array jobs; returns their ids.</summary>
    private static List<string> Submit(string folder, SlurmOptions options, int tasks, TextWriter log)
    {
        var limit = Math.Max(1, Math.Min(options.MaxArray ?? int.MaxValue, MaxArraySize() ?? 1001));
        var ids = new List<string>();
        for (var offset = 0; offset < tasks; offset += limit)
        {
            var count = Math.Min(limit, tasks - offset);
            var script = Path.Combine(folder, $"job-{offset}.sh");
            var command = string.Join(' ', options.Executable.Select(Quote));
            File.WriteAllText(script,
                "#!/bin/sh\n" +
                "# One array task of an hdsgd sweep: runs its chunk of the manifest's entries.\n" +
                $"exec {command} sweep-task {Quote(Path.Combine(folder, "manifest.json"))} $((SLURM_ARRAY_TASK_ID + {offset}))\n");
            var arguments = new List<string>
            {
                "--parsable", $"--array=0-{count - 1}", "--job-name=hdsgd-sweep",
                $"--output={Path.Combine(folder, "logs", $"task_{offset}_%a.out")}",
            };
            if (options.Partition is { } partition) arguments.Add($"--partition={partition}");
            arguments.Add(script);
            var (exit, output, error) = Execute("sbatch", arguments);
            if (exit != 0) throw new UserErrorException($"sbatch failed (exit {exit}): {error.Trim().ReplaceLineEndings(" ")}");
            var id = output.Trim().Split(';')[0];
            ids.Add(id);
            log.WriteLine($"submitted Slurm array job {id}: {count} task{(count == 1 ? "" : "s")} (manifest {Path.Combine(folder, "manifest.json")})");
        }
        return ids;
    }

    /// <summary>The cluster's MaxArraySize (array indices must stay below it), when scontrol tells.</summary>
    private static int? MaxArraySize()
    {
        var (exit, output, _) = Execute("scontrol", ["show", "config"]);
        if (exit != 0) return null;
        foreach (var line in output.Split('\n'))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0] == "MaxArraySize" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                return size;
        }
        return null;
    }

    private static void Wait(List<string> jobIds, SlurmOptions options, Func<double> fraction, IProgress<double>? progress)
    {
        while (true)
        {
            var (exit, output, error) = Execute("squeue", ["-h", "-o", "%i", "-j", string.Join(',', jobIds)]);
            // squeue forgets finished jobs after a while and then calls their ids invalid: they are done.
            var running = exit == 0 ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length : 0;
            if (exit != 0 && !error.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
                throw new UserErrorException($"squeue failed (exit {exit}): {error.Trim().ReplaceLineEndings(" ")}");
            progress?.Report(fraction());
            if (running == 0) return;
            Thread.Sleep(TimeSpan.FromSeconds(options.PollSeconds));
        }
    }

    private static (int Exit, string Output, string Error) Execute(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start) ?? throw new UserErrorException($"{program}: could not be started");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output.Result, error);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new UserErrorException($"{program}: not found; the Slurm backend needs the Slurm client tools (sbatch, squeue) on PATH");
        }
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string ErrorPath(string folder, int point) => Path.Combine(folder, ErrorsFolder, $"{point}.txt");

    private static string? ReadError(string folder, int point) =>
        File.Exists(ErrorPath(folder, point)) ? File.ReadAllText(ErrorPath(folder, point)).Trim() : null;

    /// <summary>
    /// <c>hdsgd sweep-task MANIFEST INDEX</c>: computes the entries of chunk INDEX and stores their results in the
    /// manifest's cache (errors beside the manifest). Returns the number of entries that failed.
    /// </summary>
    public static int RunTask(string manifestPath, int index, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        JsonNode manifest;
        try
        {
            manifest = JsonNode.Parse(File.ReadAllText(manifestPath)) ?? throw new JsonException("empty manifest");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new UserErrorException($"{manifestPath}: cannot read the sweep manifest: {e.Message}");
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var problem = manifest["problem"]!;
        var path = problem["path"]!.GetValue<string>();
        var text = problem["text"]!.GetValue<string>();
        var dimension = problem["dimension"]?.GetValue<int>();
        var run = SweepRun.FromJson(manifest["run"]!);
        var cache = new ResultCache(manifest["cache"]!.GetValue<string>());
        var chunk = manifest["chunk"]!.GetValue<int>();
        var entries = manifest["entries"]!.AsArray();
        if (index < 0 || index * chunk >= entries.Count)
            throw new UserErrorException($"{manifestPath}: task {index} is out of range ({(entries.Count + chunk - 1) / chunk} tasks)");
        var failed = 0;
        for (var e = index * chunk; e < Math.Min(entries.Count, (index + 1) * chunk); e++)
        {
            var entry = entries[e]!;
            var point = entry["point"]!.GetValue<int>();
            var key = entry["key"]!.GetValue<string>();
            var overrides = entry["overrides"]!.AsArray().Select(o => o!.GetValue<string>()).ToArray();
            string? error = null;
            try
            {
                var context = ProblemContext.FromText(text, path, dimension, overrides);
                if (SweepPointRunner.CacheKey(context, run) != key)
                    error = "this hdsgd computes another cache key for the point than the one that submitted it (a different version or input files?)";
                else
                {
                    var outcome = SweepPointRunner.Run(context, run);
                    if (outcome.Status == "error") error = outcome.Message;
                    else cache.Store(key, outcome);
                }
            }
            catch (UserErrorException x)
            {
                error = x.Message;
            }
            if (error is not null)
            {
                failed++;
                File.WriteAllText(ErrorPath(folder, point), error);
            }
            log.WriteLine($"point {point}: {(error is null ? "done" : "error: " + error)}");
        }
        return failed;
    }
}
