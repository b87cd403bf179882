using HighDimSgd.Cli.Plotting;
using HighDimSgd.Simulation;

namespace HighDimSgd.Cli.Application;

/// <summary>Maps a <see cref="Comparison"/> onto the compare figure: risk on top, one panel per other statistic.</summary>
public static class ComparePlots
{
    /// <summary>Writes <paramref name="pathWithoutExtension"/>.png and .svg.</summary>
    public static void Write(string pathWithoutExtension, ProblemContext context, Comparison comparison, bool logY)
    {
        var theory = comparison.Theory;
        var summary = comparison.Summary();
        var real = comparison.RealData;
        var commuting = comparison.Commuting;
        var sgdLabel = real is null ? "SGD" : "SGD, Gaussian surrogate";
        var panels = theory.Columns
            .Where(c => c != "risk" && comparison.Sgd.Columns.Contains(c))
            .Select(c => new StatisticPanel(c, Line(theory.Times, theory.Column(c), "ODE"), Band(comparison.Sgd, c, sgdLabel))
            {
                SecondBand = real is not null && real.Columns.Contains(c) ? Band(real, c, "SGD, real samples") : null,
                SecondTheory = commuting is not null ? Line(commuting.Times, commuting.Column(c), "ODE, commuting approximation") : null,
            })
            .ToArray();
        var realGap = comparison.RealDataGap() is var (_, _, final) ? $"; real samples: {final:P1} at the end" : "";
        ComparePlot.Write(pathWithoutExtension, new ComparePlotData
        {
            Title = context.Problem.Title,
            Subtitle = $"d = {comparison.Dimension}, {comparison.Runs} SGD runs (band: mean ± 2 se); " +
                       (summary.AllDiverged ? $"all {summary.Runs} SGD runs diverged (first at t = {summary.FirstDivergence:G3})"
                           : summary.Gap is { } gap ? $"largest gap {gap:P2} at t = {summary.Time:G3}, {summary.MaxStandardErrors ?? 0:F1} se" +
                             (summary.Diverged > 0 ? $"; {summary.Diverged} runs diverged" : "")
                           : "no checkpoint to compare") + realGap,
            YLabel = "risk",
            LogY = logY,
            Theory = Line(theory.Times, theory.Column("risk"), $"ODE ({theory.Method})"),
            Sgd = Band(comparison.Sgd, "risk", real is null ? "SGD mean" : "SGD mean, Gaussian surrogate"),
            SecondBand = comparison.Homogenized is { } h ? Band(h, "risk", "homogenized SGD")
                : real is not null ? Band(real, "risk", "SGD mean, real samples (test loss)")
                : comparison.TestRiskAgreement() is { } test ? TestBand(test, $"SGD mean, loss on {comparison.TestSampleSize:N0} test inputs")
                : null,
            SecondTheory = commuting is not null ? Line(commuting.Times, commuting.Column("risk"), "ODE, commuting approximation") : null,
            ExtraPanels = panels,
        });
    }

    private static Curve Line(IReadOnlyList<double> times, double[] values, string label) =>
        new(label, [.. times.Take(values.Length)], values);

    private static CurveBand TestBand(CheckpointAgreement[] rows, string label) =>
        new(label, [.. rows.Select(r => r.Time)], [.. rows.Select(r => r.Mean)], [.. rows.Select(r => r.StandardError)]);

    private static CurveBand Band(EnsembleResult result, string column, string label)
    {
        var count = Enumerable.Range(0, result.Times.Count).TakeWhile(k => result.Count(k) > 0).Count();
        return new CurveBand(label, [.. result.Times.Take(count)], result.MeanOf(column)[..count], result.StandardErrorOf(column)[..count]);
    }
}
