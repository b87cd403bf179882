using HighDimSgd.Core.Dynamics;
using HighDimSgd.Simulation;

namespace HighDimSgd.Cli.Application;

/// <summary>A numeric table with a header: what a command writes as CSV, and what a sweep stores per point.</summary>
public sealed record ResultTable(string[] Columns, double[][] Rows)
{
    /// <summary>The last row (the values at the last output time reached), empty when there is none.</summary>
    public double[] Last => Rows.Length == 0 ? [] : Rows[^1];
}

/// <summary>The CSV layouts of the commands (problem-files.md, "Outputs").</summary>
public static class OutputTables
{
    /// <summary>theory.csv: t, then risk and the requested statistics.</summary>
    public static ResultTable Theory(TheoryResult theory) =>
        new(["t", .. theory.Columns], [.. theory.Rows.Select((row, k) => (double[])[theory.Times[k], .. row])]);

    /// <summary>sgd.csv: t, then NAME_mean and NAME_stderr per statistic, then runs.</summary>
    public static ResultTable Ensemble(EnsembleResult result)
    {
        var header = new List<string> { "t" };
        foreach (var column in result.Columns) header.AddRange([$"{column}_mean", $"{column}_stderr"]);
        header.Add("runs");
        var rows = new List<double[]>();
        for (var k = 0; k < result.Times.Count; k++)
        {
            if (result.Count(k) == 0) break;
            var row = new List<double> { result.Times[k] };
            for (var c = 0; c < result.Columns.Count; c++) row.AddRange([result.Mean(k, c), result.StandardError(k, c)]);
            row.Add(result.Count(k));
            rows.Add([.. row]);
        }
        return new ResultTable([.. header], [.. rows]);
    }

    /// <summary>
    /// compare.csv: per checkpoint theory, SGD mean, stderr, relative gap, gap in standard errors; with a test sample the
    /// same four for the test-sample risk (its stderr includes the sample's own).
    /// </summary>
    public static ResultTable Agreement(Comparison comparison)
    {
        var rows = comparison.Agreement();
        if (comparison.TestRiskAgreement() is not { } test)
            return new(["t", "theory", "sgd_mean", "sgd_stderr", "relative_gap", "gap_in_stderr"],
                [.. rows.Select(a => (double[])[a.Time, a.Theory, a.Mean, a.StandardError, a.RelativeGap, a.GapInStandardErrors])]);
        return new(["t", "theory", "sgd_mean", "sgd_stderr", "relative_gap", "gap_in_stderr",
                "test_risk_mean", "test_risk_stderr", "test_relative_gap", "test_gap_in_stderr"],
            [.. rows.Zip(test, (a, b) => (double[])[a.Time, a.Theory, a.Mean, a.StandardError, a.RelativeGap, a.GapInStandardErrors,
                b.Mean, b.StandardError, b.RelativeGap, b.GapInStandardErrors])]);
    }

    /// <summary>Writes theory.csv.</summary>
    public static void WriteTheory(OutputDirectory output, TheoryResult theory, string name = "theory.csv") =>
        output.WriteCsv(name, Theory(theory));

    /// <summary>Writes sgd.csv (or another ensemble file).</summary>
    public static void WriteEnsemble(OutputDirectory output, EnsembleResult result, string name = "sgd.csv") =>
        output.WriteCsv(name, Ensemble(result));

    /// <summary>Writes compare.csv.</summary>
    public static void WriteComparison(OutputDirectory output, Comparison comparison) =>
        output.WriteCsv("compare.csv", Agreement(comparison));
}
