using HighDimSgd.Core.Dynamics;
using HighDimSgd.Simulation;

namespace HighDimSgd.Cli.Application;

/// <summary>The CSV layouts of the commands (problem-files.md, "Outputs").</summary>
public static class OutputTables
{
    /// <summary>theory.csv: t, then risk and the requested statistics.</summary>
    public static void WriteTheory(OutputDirectory output, TheoryResult theory, string name = "theory.csv") =>
        output.WriteCsv(name, ["t", .. theory.Columns],
            theory.Rows.Select((row, k) => (IReadOnlyList<double>)[theory.Times[k], .. row]));

    /// <summary>sgd.csv: t, then NAME_mean and NAME_stderr per statistic, then runs.</summary>
    public static void WriteEnsemble(OutputDirectory output, EnsembleResult result, string name = "sgd.csv")
    {
        var header = new List<string> { "t" };
        foreach (var column in result.Columns) header.AddRange([$"{column}_mean", $"{column}_stderr"]);
        header.Add("runs");
        var rows = new List<IReadOnlyList<double>>();
        for (var k = 0; k < result.Times.Count; k++)
        {
            if (result.Count(k) == 0) break;
            var row = new List<double> { result.Times[k] };
            for (var c = 0; c < result.Columns.Count; c++) row.AddRange([result.Mean(k, c), result.StandardError(k, c)]);
            row.Add(result.Count(k));
            rows.Add(row);
        }
        output.WriteCsv(name, header, rows);
    }

    /// <summary>compare.csv: per checkpoint theory, SGD mean, stderr, relative gap, gap in standard errors.</summary>
    public static void WriteComparison(OutputDirectory output, Comparison comparison) =>
        output.WriteCsv("compare.csv", ["t", "theory", "sgd_mean", "sgd_stderr", "relative_gap", "gap_in_stderr"],
            comparison.Agreement().Select(a =>
                (IReadOnlyList<double>)[a.Time, a.Theory, a.Mean, a.StandardError, a.RelativeGap, a.GapInStandardErrors]));
}
