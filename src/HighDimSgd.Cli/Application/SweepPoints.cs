using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HighDimSgd.Core.Dynamics;
using HighDimSgd.Simulation;

namespace HighDimSgd.Cli.Application;

/// <summary>What every point of a sweep computes: <c>solve</c>, <c>simulate</c> or <c>compare</c>, with their options.</summary>
/// <param name="Kind">solve, simulate or compare.</param>
/// <param name="Method">ODE method (null: the problem's).</param>
/// <param name="Runs">SGD runs (null: the problem's).</param>
/// <param name="Seed">Base seed (null: the problem's).</param>
public sealed record SweepRun(string Kind, string? Method, int? Runs, long? Seed)
{
    /// <summary>The kinds a sweep can run.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["solve", "simulate", "compare"];

    /// <summary>The table each point produces, as its command would write it (theory.csv, sgd.csv, compare.csv).</summary>
    public string TableName => Kind switch { "solve" => "theory.csv", "simulate" => "sgd.csv", _ => "compare.csv" };

    internal JsonObject ToJson() => new() { ["kind"] = Kind, ["method"] = Method, ["runs"] = Runs, ["seed"] = Seed };

    internal static SweepRun FromJson(JsonNode node) => new(
        node["kind"]!.GetValue<string>(), node["method"]?.GetValue<string>(), node["runs"]?.GetValue<int>(), node["seed"]?.GetValue<long>());
}

/// <summary>How one point ended: its table, or why there is none.</summary>
/// <param name="Status">ok, diverged (a result: the table stops early or some runs blew up) or error.</param>
/// <param name="Message">The error, or why the point diverged.</param>
/// <param name="DivergenceTime">When the ODE or the first SGD run diverged.</param>
/// <param name="Table">The point's table (null for an error).</param>
/// <param name="WallSeconds">Time the point took when it was computed.</param>
public sealed record PointOutcome(string Status, string? Message, double? DivergenceTime, ResultTable? Table, double WallSeconds)
{
    /// <summary>An error outcome.</summary>
    public static PointOutcome Error(string message) => new("error", message, null, null, 0);

    internal JsonObject ToJson() => new()
    {
        ["status"] = Status,
        ["message"] = Message,
        ["divergence_time"] = DivergenceTime,
        ["wall_seconds"] = WallSeconds,
    };

    /// <summary>The outcome stored as JSON, or null when the record has no status.</summary>
    internal static PointOutcome? FromJson(JsonNode? node, ResultTable? table) =>
        node?["status"]?.GetValue<string>() is { } status
            ? new(status, node["message"]?.GetValue<string>(), node["divergence_time"]?.GetValue<double>(), table,
                node["wall_seconds"]?.GetValue<double>() ?? 0)
            : null;
}

/// <summary>Computes one point and the content address of its result.</summary>
public static class SweepPointRunner
{
    /// <summary>Runs <paramref name="run"/> on the loaded problem; divergence is a result, a user mistake an error outcome.</summary>
    public static PointOutcome Run(ProblemContext context, SweepRun run)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(run);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var runs = run.Runs ?? context.Problem.Simulation.Runs;
            var seed = (ulong)(run.Seed ?? context.Problem.Simulation.Seed);
            switch (run.Kind)
            {
                case "solve":
                    var theory = TheorySolver.Solve(context.Dynamics, context.Statistics, context.SolverOptions(run.Method));
                    return FromTheory(theory, OutputTables.Theory(theory), null, clock);
                case "simulate":
                    var sgd = SgdEnsemble.Run(SimulationFactory.Sgd(context, seed), runs, seed);
                    return FromEnsemble(sgd, OutputTables.Ensemble(sgd), clock);
                case "compare":
                    var comparison = Comparison.Run(context, runs, seed, homogenized: false, run.Method);
                    var table = OutputTables.Agreement(comparison);
                    return comparison.Theory.Diverged
                        ? FromTheory(comparison.Theory, table, comparison.Sgd, clock)
                        : FromEnsemble(comparison.Sgd, table, clock);
                default:
                    throw new UserErrorException($"--run must be one of {string.Join(", ", SweepRun.Kinds)}, got '{run.Kind}'");
            }
        }
        catch (UserErrorException e)
        {
            return PointOutcome.Error(e.Message);
        }
        catch (ArgumentException e)
        {
            return PointOutcome.Error(e.Message);
        }
    }

    private static PointOutcome FromTheory(TheoryResult theory, ResultTable table, EnsembleResult? sgd, System.Diagnostics.Stopwatch clock) =>
        theory.Diverged
            ? new PointOutcome("diverged", $"ODE: {theory.StopReason}", theory.StopTime, table, clock.Elapsed.TotalSeconds)
            : sgd is null
                ? new PointOutcome("ok", null, null, table, clock.Elapsed.TotalSeconds)
                : FromEnsemble(sgd, table, clock);

    private static PointOutcome FromEnsemble(EnsembleResult sgd, ResultTable table, System.Diagnostics.Stopwatch clock) =>
        sgd.Divergences.Count > 0
            ? new PointOutcome("diverged", $"SGD: {sgd.Divergences.Count} of {sgd.Runs} runs diverged; first: {sgd.Divergences[0].Reason}",
                sgd.Divergences.Min(v => v.Time), table, clock.Elapsed.TotalSeconds)
            : new PointOutcome("ok", null, null, table, clock.Elapsed.TotalSeconds);

    /// <summary>
    /// The content address of a point's result: SHA-256 of the tool version, what is run with which options and
    /// seeds, the problem text and overrides, and the realised numbers (spectra, means, teacher and initial rows),
    /// so a changed spectrum or weight file changes the key too.
    /// </summary>
    public static string CacheKey(ProblemContext context, SweepRun run)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(run);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        void Numbers(double[] values)
        {
            hash.AppendData(BitConverter.GetBytes(values.Length));
            hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        Text("hdsgd result v1");
        Text(RunRecord.Version);
        Text(run.Kind);
        Text(context.SolverOptions(run.Method).ToString());
        if (run.Kind != "solve")
        {
            Text((run.Runs ?? context.Problem.Simulation.Runs).ToString(CultureInfo.InvariantCulture));
            Text((run.Seed ?? context.Problem.Simulation.Seed).ToString(CultureInfo.InvariantCulture));
        }
        Text(context.ProblemText);
        foreach (var o in context.Overrides) Text($"{o.Key}={o.Value}");
        Text(context.Dimension.ToString(CultureInfo.InvariantCulture));
        foreach (var c in context.Dynamics.Classes)
        {
            Numbers([c.Probability, .. c.Labels]);
            Numbers(c.Mean);
            Numbers(c.Eigenvalues);
            if (c.Covariance is { } covariance) Numbers(covariance);
        }
        // Real data: SGD on the samples depends on the rows and their order, not only on the statistics.
        if (context.RealData is { } real)
            foreach (var split in new[] { real.Train, real.Test })
            {
                Numbers(split.Features);
                hash.AppendData(MemoryMarshal.AsBytes(split.Classes.AsSpan()));
            }
        foreach (var row in context.Dynamics.Rows) Numbers(row);
        Numbers(context.Dynamics.OutputTimes);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>
/// The content-addressed result cache: one folder per key holding the point's table and outcome. Entries are
/// written to a temporary folder and renamed into place, so a reader (another process, a Slurm task) never sees half
/// an entry. Errors are not cached: they are cheap to reproduce and may be transient.
/// </summary>
public sealed class ResultCache
{
    private const string OutcomeFile = "outcome.json";
    private const string TableFile = "table.csv";

    /// <summary>Uses <paramref name="directory"/> (created when needed).</summary>
    public ResultCache(string directory) => Directory = Path.GetFullPath(directory);

    /// <summary>The cache folder.</summary>
    public string Directory { get; }

    /// <summary>The default folder (<see cref="Core.CacheFolder.Default"/>).</summary>
    public static string DefaultDirectory() => Core.CacheFolder.Default();

    private string EntryPath(string key) => Path.Combine(Directory, "results", key[..2], key);

    /// <summary>True when <paramref name="key"/> has a stored result.</summary>
    public bool Contains(string key) => File.Exists(Path.Combine(EntryPath(key), OutcomeFile));

    /// <summary>The stored result of <paramref name="key"/>, or null.</summary>
    public PointOutcome? Load(string key)
    {
        var folder = EntryPath(key);
        try
        {
            var outcome = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, OutcomeFile)));
            var records = Csv.Parse(File.ReadAllText(Path.Combine(folder, TableFile)));
            if (records.Count == 0) return null;
            var table = new ResultTable([.. records[0]],
                [.. records.Skip(1).Select(r => r.Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray())]);
            return PointOutcome.FromJson(outcome, table);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or FormatException or InvalidOperationException)
        {
            // A missing or damaged entry is a miss: the point is computed again.
            return null;
        }
    }

    /// <summary>Stores a result (not an error); a concurrent writer of the same key wins without harm.</summary>
    public void Store(string key, PointOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Table is null || outcome.Status == "error") return;
        var folder = EntryPath(key);
        if (System.IO.Directory.Exists(folder)) return;
        var parent = Path.GetDirectoryName(folder)!;
        try
        {
            System.IO.Directory.CreateDirectory(parent);
            var temporary = Path.Combine(parent, $".tmp-{Guid.NewGuid():N}");
            System.IO.Directory.CreateDirectory(temporary);
            File.WriteAllText(Path.Combine(temporary, TableFile),
                Csv.Format(outcome.Table.Columns, outcome.Table.Rows.Select(r => (IReadOnlyList<string>)[.. r.Select(Csv.Number)])));
            File.WriteAllText(Path.Combine(temporary, OutcomeFile), JsonOutput.Format(outcome.ToJson(), indented: false));
            try
            {
                System.IO.Directory.Move(temporary, folder);
            }
            catch (IOException) when (System.IO.Directory.Exists(folder))
            {
                System.IO.Directory.Delete(temporary, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"{Directory}: cannot write the result cache: {e.Message} (choose another folder with --cache, or --no-cache)");
        }
    }
}
