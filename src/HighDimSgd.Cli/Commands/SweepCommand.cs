using System.CommandLine;
using System.Diagnostics;
using HighDimSgd.Cli.Application;

namespace HighDimSgd.Cli.Commands;

/// <summary>
/// <c>hdsgd sweep PROBLEM --grid KEY=v1,v2,... [--grid ...]</c>: every point of the grid solved, simulated or
/// compared, in parallel in this process or as Slurm job arrays, through the content-addressed result cache.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var problem = CommonOptions.Problem();
        var grid = new Option<string[]>("--grid", "-g")
        {
            Description = "An axis: KEY=v1,v2,... (values as for --set), KEY=lin:a:b:n or KEY=log:a:b:n. Repeatable: the points are the product of the axes.",
            Arity = ArgumentArity.OneOrMore,
            Required = true,
        };
        var zip = new Option<bool>("--zip") { Description = "Take the i-th value of every axis together instead of the product." };
        var run = new Option<string>("--run") { Description = "What each point computes: solve (default), simulate or compare.", DefaultValueFactory = _ => "solve" };
        run.AcceptOnlyFromAmong([.. SweepRun.Kinds]);
        var output = CommonOptions.Out("out/sweep");
        var dimension = CommonOptions.Dimension();
        var set = CommonOptions.Set();
        var method = CommonOptions.Method();
        var runs = CommonOptions.Runs();
        var seed = CommonOptions.Seed();
        var jobs = new Option<int?>("--jobs", "-j") { Description = "Points computed at once (default: the number of cores)." };
        var cacheOption = new Option<string?>("--cache") { Description = "Result cache folder (default: $HDSGD_CACHE, else $XDG_CACHE_HOME/hdsgd, else ~/.cache/hdsgd)." };
        var noCache = new Option<bool>("--no-cache") { Description = "Compute every point and store nothing (local backend only)." };
        var backend = new Option<string>("--backend") { Description = "local (default): this process; slurm: job arrays.", DefaultValueFactory = _ => "local" };
        backend.AcceptOnlyFromAmong("local", "slurm");
        var partition = new Option<string?>("--partition") { Description = "Slurm partition (default: the cluster's)." };
        var maxArray = new Option<int?>("--max-array") { Description = "Most tasks per Slurm array job (default: the cluster's MaxArraySize); larger sweeps are split." };
        var chunk = new Option<int>("--chunk") { Description = "Points per Slurm array task.", DefaultValueFactory = _ => 1 };
        var poll = new Option<double>("--poll") { Description = "Seconds between squeue polls.", DefaultValueFactory = _ => 2.0 };
        var executable = new Option<string?>("--hdsgd") { Description = "The published hdsgd that Slurm tasks run (default: this one)." };
        var command = new Command("sweep", "Run a problem over a grid of settings (locally in parallel or as Slurm job arrays) and write sweep.csv, summary.csv and sweep.json.")
        {
            problem, grid, zip, run, output, dimension, set, method, runs, seed, jobs, cacheOption, noCache, backend, partition, maxArray, chunk, poll, executable,
        };
        command.SetAction(result =>
        {
            var path = result.GetValue(problem)!;
            var text = ProblemContext.ReadText(path);
            var axes = result.GetValue(grid)!.Select(SweepAxis.Parse).ToArray();
            var slurm = result.GetValue(backend) == "slurm";
            if (slurm && result.GetValue(noCache)) throw new UserErrorException("--no-cache: the Slurm backend gathers its results through the cache");
            if (result.GetValue(chunk) < 1) throw new UserErrorException($"--chunk must be positive, got {result.GetValue(chunk)}");
            if (result.GetValue(maxArray) is < 1) throw new UserErrorException($"--max-array must be positive, got {result.GetValue(maxArray)}");
            if (!(result.GetValue(poll) > 0)) throw new UserErrorException($"--poll must be positive, got {result.GetValue(poll)}");
            if (result.GetValue(jobs) is < 1) throw new UserErrorException($"--jobs must be positive, got {result.GetValue(jobs)}");
            if (result.GetValue(runs) is < 2 && result.GetValue(run) != "solve") throw new UserErrorException($"--runs must be at least 2, got {result.GetValue(runs)}");
            var job = new SweepJob(path, text, result.GetValue(dimension), result.GetValue(set) ?? [], axes, result.GetValue(zip),
                new SweepRun(result.GetValue(run)!, result.GetValue(method), result.GetValue(runs), result.GetValue(seed)));
            // A mistake in the file or in --set is the user's, not a point's: it stops the sweep before anything runs. The
            // grid may supply what the file leaves out, so the first point counts when the bare file does not load.
            try
            {
                ProblemContext.FromText(job.ProblemText, path, job.Dimension, job.BaseSet);
            }
            catch (UserErrorException)
            {
                job.Load(job.Points[0]);
            }
            var cache = result.GetValue(noCache) ? null : new ResultCache(result.GetValue(cacheOption) ?? ResultCache.DefaultDirectory());
            using var folder = new OutputDirectory(result.GetValue(output)!);
            var clock = Stopwatch.StartNew();
            var label = $"sweep ({job.Points.Length} points)";
            var records = ConsoleProgress.Run(progress =>
            {
                var reporter = progress is null ? null : new Reporter<double>(f => progress.Report((label, f)));
                return slurm
                    ? SlurmSweep.Run(job, cache!, new SlurmOptions(result.GetValue(partition), result.GetValue(maxArray), result.GetValue(chunk),
                        result.GetValue(poll), result.GetValue(executable) is { } exe ? [exe] : SlurmOptions.ThisExecutable()), Console.Out, reporter)
                    : LocalSweep.Run(job, cache, result.GetValue(jobs) ?? Environment.ProcessorCount, reporter);
            });
            folder.WriteAndCommit(() => SweepOutputs.Write(folder, job, records, slurm ? "slurm" : "local", cache?.Directory, clock.Elapsed.TotalSeconds));
            foreach (var line in SweepOutputs.Summary(records, clock.Elapsed.TotalSeconds, folder.Path)) Console.Out.WriteLine(line);
            return 0;
        });
        return command;
    }
}

/// <summary><c>hdsgd sweep-task MANIFEST INDEX</c>: one Slurm array task of a sweep (run by the job script, not by hand).</summary>
internal static class SweepTaskCommand
{
    public static Command Create()
    {
        var manifest = new Argument<string>("manifest") { Description = "The sweep manifest (written by hdsgd sweep --backend slurm)." };
        var index = new Argument<int>("index") { Description = "The array task: its chunk of the manifest's entries." };
        var command = new Command("sweep-task", "Compute one chunk of a Slurm sweep into the result cache (run by the job array).")
        {
            manifest, index,
        };
        command.SetAction(result =>
        {
            var failed = SlurmSweep.RunTask(result.GetValue(manifest)!, result.GetValue(index), Console.Out);
            // A point's error is a result, recorded for the sweep; the task itself succeeded.
            Console.Out.WriteLine($"task {result.GetValue(index)}: {failed} point(s) failed");
            return 0;
        });
        return command;
    }
}
