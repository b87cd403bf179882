using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using HighDimSgd.Cli.Application;
using HighDimSgd.Simulation;

namespace HighDimSgd.Cli.Commands;

/// <summary><c>hdsgd simulate PROBLEM --runs N --seed S --out DIR</c>: the real SGD, many seeds.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var problem = CommonOptions.Problem();
        var output = CommonOptions.Out("out/simulate");
        var dimension = CommonOptions.Dimension();
        var runs = CommonOptions.Runs();
        var seed = CommonOptions.Seed();
        var homogenized = new Option<bool>("--homogenized") { Description = "Also simulate homogenized SGD (homogenized.csv)." };
        var set = CommonOptions.Set();
        var command = new Command("simulate", "Simulate one-pass SGD over many seeds and write sgd.csv (mean and standard error per statistic) and run.json.")
        {
            problem, output, dimension, runs, seed, homogenized, set,
        };
        command.SetAction(result =>
        {
            var context = ProblemContext.Load(result.GetValue(problem)!, result.GetValue(dimension), result.GetValue(set));
            var n = result.GetValue(runs) ?? context.Problem.Simulation.Runs;
            var s = (ulong)(result.GetValue(seed) ?? context.Problem.Simulation.Seed);
            if (n < 1) throw new UserErrorException($"--runs must be positive, got {n}");
            var sgdSetup = SimulationFactory.Sgd(context, s);
            var hsgdSetup = result.GetValue(homogenized) ? SimulationFactory.Homogenized(context, s) : null;
            using var folder = new OutputDirectory(result.GetValue(output)!);
            var clock = Stopwatch.StartNew();
            var (sgd, hsgd) = ConsoleProgress.Run(progress =>
            {
                var a = SgdEnsemble.Run(sgdSetup, n, s, progress is null ? null : new Reporter<double>(f => progress.Report(("SGD", f))));
                var b = hsgdSetup is null ? null : HomogenizedSgd.Run(hsgdSetup, n, s + 7919,
                    progress is null ? null : new Reporter<double>(f => progress.Report(("homogenized SGD", f))));
                return (a, b);
            });
            folder.WriteAndCommit(() =>
            {
                OutputTables.WriteEnsemble(folder, sgd);
                if (hsgd is not null) OutputTables.WriteEnsemble(folder, hsgd, "homogenized.csv");
                RunRecord.Write(folder, "simulate", context, Describe(sgd, n, s, clock.Elapsed.TotalSeconds));
            });
            Console.Out.WriteLine(Summary(sgd, folder.FinalPath("sgd.csv")));
            return 0;
        });
        return command;
    }

    public static JsonObject Describe(EnsembleResult sgd, int runs, ulong seed, double seconds) => new()
    {
        ["sgd"] = new JsonObject
        {
            ["runs"] = runs,
            ["seed"] = seed,
            ["diverged_runs"] = sgd.Divergences.Count,
            ["divergences"] = new JsonArray([.. sgd.Divergences.Select(d => (JsonNode)new JsonObject
            {
                ["run"] = d.Run,
                ["t"] = d.Time,
                ["reason"] = d.Reason,
            })]),
            ["wall_seconds"] = seconds,
        },
    };

    public static string Summary(EnsembleResult sgd, string path)
    {
        var risk = sgd.MeanOf("risk");
        var last = Enumerable.Range(0, sgd.Times.Count).LastOrDefault(k => sgd.Count(k) > 0);
        var diverged = sgd.Divergences.Count == 0 ? ""
            : sgd.Divergences.Count == sgd.Runs ? $" all {sgd.Runs} runs diverged (first at t = {sgd.Divergences.Min(d => d.Time):G4}, last at t = {sgd.Divergences.Max(d => d.Time):G4});"
            : $" {sgd.Divergences.Count} run(s) diverged (first at t = {sgd.Divergences.Min(d => d.Time):G4});";
        return $"SGD: {sgd.Runs} runs;{diverged} mean risk {risk[0]:G5} -> {risk[last]:G5} at t = {sgd.Times[last]:G4}. Wrote {path}";
    }
}
