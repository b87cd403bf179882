using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using HighDimSgd.Cli.Application;
using HighDimSgd.Cli.Plotting;
using HighDimSgd.Core.Data;

namespace HighDimSgd.Cli.Commands;

/// <summary>
/// <c>hdsgd data PROBLEM</c>: the class statistics of a real-data problem (computed once and cached), printed and
/// plotted: the pooled spectrum, class sizes and mean norms, Mahalanobis separations and how far the class covariances
/// are from commuting.
/// </summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var problem = CommonOptions.Problem();
        var output = CommonOptions.Out("out/data");
        var set = CommonOptions.Set();
        var command = new Command("data", "Print and plot the class statistics of a real-data problem; write classes.csv, pairs.csv, spectrum.csv, data.png/.svg and run.json.")
        {
            problem, output, set,
        };
        command.SetAction(result =>
        {
            var context = ProblemContext.Load(result.GetValue(problem)!, null, result.GetValue(set));
            var data = context.RealData ?? throw new UserErrorException(
                $"{context.Problem.SourcePath}: data: 'hdsgd data' describes real data; this problem has no [data.source]");
            var summary = DataSummary.Of(data);
            using var folder = new OutputDirectory(result.GetValue(output)!);
            folder.WriteAndCommit(() =>
            {
                WriteTables(folder, summary);
                DataPlot.Write(folder.File("data"), context.Problem.Title, summary);
                RunRecord.Write(folder, "data", context, Describe(summary, data));
            });
            Console.Out.Write(Report(summary, data));
            Console.Out.WriteLine($"Wrote {folder.FinalPath("data.png")} (and .svg, classes.csv, pairs.csv, spectrum.csv, run.json)");
            return 0;
        });
        return command;
    }

    private static string Report(DataSummary summary, RealDataSet data)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            FormattableString.Invariant($"d = {summary.Dimension}; {summary.TrainCount} training and {summary.TestCount} test samples; Tr K / d = {summary.MeanEigenvalue:G6} (scale s = {data.Statistics.Scale:G6})"),
            data.StatisticsFromCache ? $"statistics: from the cache {data.CacheFile}" : $"statistics: computed{(data.CacheFile is null ? "" : $" and cached in {data.CacheFile}")}",
            "pooled spectrum, largest: " + string.Join(", ", summary.PooledEigenvalues.Take(8).Select(v => v.ToString("G4", inv))),
            "class  label  samples   p       |mu_c|    Tr K_c/d  off-diagonal part of K_c (pooled eigenbasis)",
        };
        for (var c = 0; c < summary.Classes.Count; c++)
        {
            var k = summary.Classes[c];
            lines.Add(FormattableString.Invariant($"{c + 1,5}  {k.Label,5}  {k.Count,7}  {k.Probability,6:F4}  {k.MeanNorm,8:G4}  {k.MeanEigenvalue,8:G4}  {k.OffDiagonalFraction:P1}"));
        }
        var closest = summary.Pairs.MinBy(p => p.Mahalanobis)!;
        var mostNonCommuting = summary.Pairs.MaxBy(p => p.Commutator)!;
        var largest = summary.Pairs.Count > 1 ? FormattableString.Invariant($", largest {summary.Pairs.Max(p => p.Mahalanobis):G4}") : "";
        lines.Add(FormattableString.Invariant($"Mahalanobis separation (mu_a - mu_b)^T Kw^+ (mu_a - mu_b): smallest {closest.Mahalanobis:G4} (classes {closest.First} and {closest.Second}){largest}"));
        lines.Add(FormattableString.Invariant($"commutator ||K_a K_b - K_b K_a|| / (||K_a|| ||K_b||): largest {mostNonCommuting.Commutator:G3} (classes {mostNonCommuting.First} and {mostNonCommuting.Second})"));
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }

    private static void WriteTables(OutputDirectory folder, DataSummary summary)
    {
        folder.WriteCsv("classes.csv", ["class", "label", "samples", "probability", "mean_norm", "mean_eigenvalue", "off_diagonal_fraction"],
            summary.Classes.Select((k, c) => (IReadOnlyList<double>)[c + 1, k.Label, k.Count, k.Probability, k.MeanNorm, k.MeanEigenvalue, k.OffDiagonalFraction]));
        folder.WriteCsv("pairs.csv", ["label_a", "label_b", "mahalanobis", "commutator"],
            summary.Pairs.Select(p => (IReadOnlyList<double>)[p.First, p.Second, p.Mahalanobis, p.Commutator]));
        folder.WriteCsv("spectrum.csv", ["rank", "eigenvalue"],
            summary.PooledEigenvalues.Select((v, k) => (IReadOnlyList<double>)[k + 1, v]));
    }

    private static JsonObject Describe(DataSummary summary, RealDataSet data) => new()
    {
        ["data"] = new JsonObject
        {
            ["dimension"] = summary.Dimension,
            ["train_samples"] = summary.TrainCount,
            ["test_samples"] = summary.TestCount,
            ["scale"] = data.Statistics.Scale,
            ["statistics_from_cache"] = data.StatisticsFromCache,
            ["cache_file"] = data.CacheFile,
            ["largest_eigenvalue"] = summary.PooledEigenvalues[0],
            ["smallest_mahalanobis"] = summary.Pairs.Min(p => p.Mahalanobis),
            ["largest_commutator"] = summary.Pairs.Max(p => p.Commutator),
        },
    };
}
