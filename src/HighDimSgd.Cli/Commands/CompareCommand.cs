using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using HighDimSgd.Cli.Application;
using HighDimSgd.Cli.Plotting;

namespace HighDimSgd.Cli.Commands;

/// <summary>
/// <c>hdsgd compare [PROBLEM]</c>: the ODE against the mean of simulated SGD, with a plot and an agreement number;
/// with <c>--dimensions</c>, the finite-size study of how the gap shrinks with d.
/// </summary>
internal static class CompareCommand
{
    public const string DefaultProblemName = "compare-default.toml";

    public static Command Create()
    {
        var problem = new Argument<string?>("problem")
        {
            Description = "Problem file (TOML). Omitted: the built-in logistic example.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var output = CommonOptions.Out("out/compare");
        var dimension = CommonOptions.Dimension();
        var runs = CommonOptions.Runs();
        var seed = CommonOptions.Seed();
        var method = CommonOptions.Method();
        var homogenized = new Option<bool>("--homogenized") { Description = "Add homogenized SGD as a third curve." };
        var set = CommonOptions.Set();
        var logY = new Option<bool>("--log") { Description = "Logarithmic risk axis." };
        var dimensions = new Option<string?>("--dimensions")
        {
            Description = "Finite-size study: comma-separated d values, e.g. 250,1000,4000 (gap against d with a fitted slope).",
        };
        var command = new Command("compare", "Solve the ODE, simulate SGD, and write theory.csv, sgd.csv, compare.csv, compare.png/.svg and run.json.")
        {
            problem, output, dimension, runs, seed, method, homogenized, logY, dimensions, set,
        };
        command.SetAction(result =>
        {
            var path = result.GetValue(problem);
            var text = path is null ? DefaultProblemText() : null;
            var overrides = result.GetValue(set);
            ProblemContext Load(int? d) => text is null
                ? ProblemContext.Load(path!, d, overrides)
                : ProblemContext.FromText(text, "built-in:" + DefaultProblemName, d, overrides);
            var context = Load(result.GetValue(dimension));
            var n = result.GetValue(runs) ?? context.Problem.Simulation.Runs;
            var s = (ulong)(result.GetValue(seed) ?? context.Problem.Simulation.Seed);
            var study = ParseDimensions(result.GetValue(dimensions));
            if (study is not null && context.RealData is not null)
                throw new UserErrorException($"{context.Problem.SourcePath}: --dimensions: real data has the dimension of its samples; a finite-size study needs a synthetic problem");
            var m = result.GetValue(method);
            using var folder = new OutputDirectory(result.GetValue(output)!);
            var clock = Stopwatch.StartNew();
            var comparison = ConsoleProgress.Run(p => Comparison.Run(context, n, s, result.GetValue(homogenized), m, p));
            var details = SolveCommand.Describe(comparison.Theory);
            foreach (var (k, v) in SimulateCommand.Describe(comparison.Sgd, n, s, clock.Elapsed.TotalSeconds)) details[k] = v?.DeepClone();
            var summary = comparison.Summary();
            details["agreement"] = new JsonObject
            {
                ["max_relative_gap"] = summary.Gap,
                ["at_t"] = summary.Time,
                ["max_gap_in_stderr"] = summary.MaxStandardErrors,
                ["sgd_diverged_runs"] = summary.Diverged,
                ["all_sgd_runs_diverged"] = summary.AllDiverged,
                ["first_sgd_divergence_t"] = summary.FirstDivergence,
                ["last_compared_t"] = summary.LastTime,
            };
            if (comparison.TestRiskSummary() is { } test)
                details["test_sample"] = new JsonObject
                {
                    ["inputs"] = comparison.TestSampleSize,
                    ["max_relative_gap"] = test.Gap,
                    ["at_t"] = test.Time,
                    ["max_gap_in_stderr"] = test.MaxStandardErrors,
                };
            if (comparison.RealDataGap() is var (realLargest, realAt, realFinal))
                details["real_data"] = new JsonObject { ["max_relative_gap"] = realLargest, ["at_t"] = realAt, ["final_relative_gap"] = realFinal };
            if (comparison.CommutingGap() is var (commutingGap, commutingAt))
                details["commuting_approximation"] = new JsonObject { ["max_relative_gap"] = commutingGap, ["at_t"] = commutingAt, ["method"] = comparison.Commuting!.Description };
            // Everything is computed before the first file is written.
            var finite = study is null ? null : ConsoleProgress.Run(p => FiniteSizeStudy.Run(Load, study, n, s, m, p));
            if (finite is not null) details["finite_size"] = finite.Describe();
            folder.WriteAndCommit(() =>
            {
                OutputTables.WriteTheory(folder, comparison.Theory);
                OutputTables.WriteEnsemble(folder, comparison.Sgd);
                if (comparison.Homogenized is not null) OutputTables.WriteEnsemble(folder, comparison.Homogenized, "homogenized.csv");
                if (comparison.RealData is not null) OutputTables.WriteEnsemble(folder, comparison.RealData, "sgd-real.csv");
                if (comparison.Commuting is not null) OutputTables.WriteTheory(folder, comparison.Commuting, "theory-commuting.csv");
                OutputTables.WriteComparison(folder, comparison);
                ComparePlots.Write(folder.File("compare"), context, comparison, result.GetValue(logY));
                finite?.Write(folder, context.Problem.Title);
                RunRecord.Write(folder, "compare", context, details);
            });
            Console.Out.WriteLine(SolveCommand.Summary(comparison.Theory, folder.FinalPath("theory.csv")));
            Console.Out.WriteLine(comparison.SummaryLine());
            if (finite is not null) Console.Out.WriteLine(finite.SummaryLine());
            var extras = comparison.RealData is null ? "" : ", sgd-real.csv" + (comparison.Commuting is null ? "" : ", theory-commuting.csv");
            Console.Out.WriteLine($"Wrote {folder.FinalPath("compare.png")} (and .svg, compare.csv, sgd.csv{extras}, run.json)");
            return 0;
        });
        return command;
    }

    public static string DefaultProblemText()
    {
        using var stream = typeof(CompareCommand).Assembly.GetManifestResourceStream(DefaultProblemName)
            ?? throw new InvalidOperationException("The built-in example is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // Each dimension is a full compare; more than this is a sweep.
    private const int MaxStudyDimensions = 32;

    internal static int[]? ParseDimensions(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) || d <= 0)
                throw new UserErrorException($"--dimensions: '{part}' is not a positive integer");
            if (Core.Problems.Limits.AtMost(d, Core.Problems.Limits.MaxDimension) is { } tooLarge)
                throw new UserErrorException($"--dimensions: each dimension {tooLarge}");
            values.Add(d);
        }
        if (values.Count > MaxStudyDimensions)
            throw new UserErrorException($"--dimensions: at most {MaxStudyDimensions} dimensions, got {values.Count}");
        if (values.Distinct().Count() < 2) throw new UserErrorException("--dimensions needs at least two different values, e.g. 250,1000,4000");
        return [.. values.Distinct().Order()];
    }
}
