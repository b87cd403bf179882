using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HighDimSgd.Cli.Application;

/// <summary>A sweep as declared: the problem, the axes and points, what each point runs, and the shared overrides.</summary>
public sealed record SweepJob(
    string ProblemPath,
    string ProblemText,
    int? Dimension,
    IReadOnlyList<string> BaseSet,
    IReadOnlyList<SweepAxis> Axes,
    bool Zip,
    SweepRun Run)
{
    /// <summary>The points of the grid.</summary>
    public SweepPoint[] Points { get; } = SweepGrid.Points(Axes, Zip);

    /// <summary>Loads point <paramref name="point"/>'s problem (a user mistake in its values is a <see cref="UserErrorException"/>).</summary>
    public ProblemContext Load(SweepPoint point) => ProblemContext.FromText(ProblemText, ProblemPath, Dimension, point.Overrides(BaseSet));
}

/// <summary>A point with its outcome, its cache key (null when the problem did not load) and whether it came from the cache.</summary>
public sealed record PointRecord(SweepPoint Point, string? Key, PointOutcome Outcome, bool Cached);

/// <summary>Runs the points of a sweep in this process, in parallel, through the result cache.</summary>
public static class LocalSweep
{
    /// <summary>
    /// Every point: loaded, looked up in <paramref name="cache"/> (null: no cache), computed when missing and stored.
    /// A point that errors or diverges is recorded; the others go on.
    /// </summary>
    public static PointRecord[] Run(SweepJob job, ResultCache? cache, int jobs, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        var records = new PointRecord[job.Points.Length];
        var done = 0;
        Parallel.ForEach(job.Points, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs) }, point =>
        {
            records[point.Index] = RunPoint(job, point, cache);
            progress?.Report((double)Interlocked.Increment(ref done) / job.Points.Length);
        });
        return records;
    }

    /// <summary>
    /// A point loaded and looked up: its problem and cache key, and its record when it is already settled (a problem
    /// that does not load, or a result in the cache). Shared by the local and the Slurm backends.
    /// </summary>
    public static (ProblemContext? Context, string? Key, PointRecord? Settled) Prepare(SweepJob job, SweepPoint point, ResultCache? cache)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(point);
        try
        {
            var context = job.Load(point);
            var key = SweepPointRunner.CacheKey(context, job.Run);
            return cache?.Load(key) is { } cached ? (context, key, new PointRecord(point, key, cached, true)) : (context, key, null);
        }
        catch (UserErrorException e)
        {
            return (null, null, new PointRecord(point, null, PointOutcome.Error(e.Message), false));
        }
    }

    /// <summary>One point through the cache.</summary>
    public static PointRecord RunPoint(SweepJob job, SweepPoint point, ResultCache? cache)
    {
        var (context, key, settled) = Prepare(job, point, cache);
        if (settled is not null) return settled;
        PointOutcome outcome;
        try
        {
            outcome = SweepPointRunner.Run(context!, job.Run);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or UserErrorException))
        {
            // A defect that one point's values expose must not take the other points down; it is reported as such.
            outcome = PointOutcome.Error($"internal error ({e.GetType().Name}): {e.Message}");
        }
        cache?.Store(key!, outcome);
        return new PointRecord(point, key, outcome, false);
    }
}

/// <summary>The outputs of a sweep: sweep.csv (long format), summary.csv (a row per point) and sweep.json (the manifest).</summary>
public static class SweepOutputs
{
    public static void Write(OutputDirectory folder, SweepJob job, IReadOnlyList<PointRecord> records, string backend,
        string? cacheDirectory, double wallSeconds)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(records);
        var keys = job.Axes.Select(a => a.Key).ToArray();
        var columns = records.Where(r => r.Outcome.Table is not null).SelectMany(r => r.Outcome.Table!.Columns).Distinct().ToArray();

        var rows = new List<IReadOnlyList<string>>();
        foreach (var record in records)
        {
            if (record.Outcome.Table is not { } table) continue;
            var index = columns.Select(c => Array.IndexOf(table.Columns, c)).ToArray();
            foreach (var row in table.Rows)
                rows.Add([Index(record), .. record.Point.Values.Select(v => v.Value), .. index.Select(i => i < 0 ? "" : Csv.Number(row[i]))]);
        }
        folder.WriteTextCsv("sweep.csv", ["point", .. keys, .. columns], rows);

        var finals = columns.Where(c => c != "t").ToArray();
        var summary = records.Select(record =>
        {
            var table = record.Outcome.Table;
            var last = table?.Last ?? [];
            return (IReadOnlyList<string>)
            [
                Index(record), .. record.Point.Values.Select(v => v.Value), record.Outcome.Status,
                record.Outcome.Status == "diverged" ? "1" : "0",
                record.Outcome.DivergenceTime is { } time ? Csv.Number(time) : "",
                table is null || last.Length == 0 ? "" : Csv.Number(last[0]),
                .. finals.Select(c => Final(table, c)),
                Csv.Number(record.Outcome.WallSeconds), record.Cached ? "1" : "0", record.Outcome.Message?.ReplaceLineEndings(" ") ?? "",
            ];
        });
        folder.WriteTextCsv("summary.csv",
            ["point", .. keys, "status", "diverged", "divergence_time", "final_t", .. finals.Select(c => "final_" + c), "wall_seconds", "cached", "message"],
            summary);

        var manifest = new JsonObject
        {
            ["problem"] = new JsonObject
            {
                ["path"] = Path.GetFullPath(job.ProblemPath),
                ["text"] = job.ProblemText,
                ["dimension"] = job.Dimension,
                ["set"] = new JsonArray([.. job.BaseSet.Select(s => (JsonNode)s)]),
            },
            ["run"] = job.Run.ToJson(),
            ["grid"] = new JsonArray([.. job.Axes.Select(a => (JsonNode)new JsonObject
            {
                ["key"] = a.Key,
                ["values"] = new JsonArray([.. a.Values.Select(v => (JsonNode)v)]),
            })]),
            ["zip"] = job.Zip,
            ["backend"] = backend,
            ["cache"] = cacheDirectory,
            ["versions"] = new JsonObject { ["hdsgd"] = RunRecord.Version, ["dotnet"] = Environment.Version.ToString() },
            ["wall_seconds"] = wallSeconds,
            ["created"] = DateTimeOffset.UtcNow.ToString("O"),
            ["points"] = new JsonArray([.. records.Select(r => (JsonNode)new JsonObject
            {
                ["index"] = r.Point.Index,
                ["values"] = new JsonObject(r.Point.Values.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value))),
                ["status"] = r.Outcome.Status,
                ["message"] = r.Outcome.Message,
                ["divergence_time"] = r.Outcome.DivergenceTime,
                ["cache_key"] = r.Key,
                ["cached"] = r.Cached,
                ["wall_seconds"] = r.Outcome.WallSeconds,
            })]),
        };
        folder.WriteText("sweep.json", JsonOutput.Format(manifest));
    }

    private static string Final(ResultTable? table, string column)
    {
        if (table is null || table.Rows.Length == 0) return "";
        var i = Array.IndexOf(table.Columns, column);
        return i < 0 ? "" : Csv.Number(table.Last[i]);
    }

    private static string Index(PointRecord record) => record.Point.Index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The console lines after a sweep.</summary>
    public static IEnumerable<string> Summary(IReadOnlyList<PointRecord> records, double seconds, string folder)
    {
        var cached = records.Count(r => r.Cached);
        var diverged = records.Count(r => r.Outcome.Status == "diverged");
        var errors = records.Where(r => r.Outcome.Status is not ("ok" or "diverged")).ToArray();
        yield return $"sweep: {records.Count} points ({records.Count - cached - errors.Length} computed, {cached} from the cache, " +
                     $"{errors.Length} failed; {diverged} diverged) in {seconds:F2} s. Wrote {Path.Combine(folder, "sweep.csv")}, summary.csv, sweep.json";
        foreach (var e in errors.Take(10))
            yield return $"  point {e.Point.Index} ({string.Join(", ", e.Point.Values.Select(v => $"{v.Key}={v.Value}"))}): {e.Outcome.Status}: {e.Outcome.Message}";
        if (errors.Length > 10) yield return $"  ... and {errors.Length - 10} more (summary.csv lists them all)";
    }
}
