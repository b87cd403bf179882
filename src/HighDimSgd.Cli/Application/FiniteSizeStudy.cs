using System.Text.Json.Nodes;
using HighDimSgd.Cli.Plotting;

namespace HighDimSgd.Cli.Application;

/// <summary>
/// How the gap between the ODE and mean SGD shrinks with d: per dimension, the mean relative gap of the risk over
/// the checkpoints (t &gt; 0), its statistical floor (mean relative standard error), and a least-squares fit of
/// log gap against log d. The theory predicts a slope of about -1/2.
/// </summary>
public sealed record FiniteSizeStudy(int[] Dimensions, double[] Gaps, double[] GapErrors, double Slope, double Intercept, int Runs)
{
    /// <summary>Runs a comparison at each dimension.</summary>
    public static FiniteSizeStudy Run(Func<int?, ProblemContext> load, int[] dimensions, int runs, ulong seed, string? method,
        IProgress<(string Stage, double Fraction)>? progress)
    {
        var gaps = new double[dimensions.Length];
        var errors = new double[dimensions.Length];
        for (var i = 0; i < dimensions.Length; i++)
        {
            var d = dimensions[i];
            var stage = new Reporter<(string Stage, double Fraction)>(p => progress?.Report(($"d = {d}: {p.Stage}", p.Fraction)));
            var comparison = Comparison.Run(load(d), runs, seed, homogenized: false, method, progress is null ? null : stage);
            var rows = comparison.Agreement().Where(r => r.Time > 0).ToArray();
            // NaN when the SGD mean exists at no positive time (every run diverged at once).
            gaps[i] = rows.Select(r => r.RelativeGap).DefaultIfEmpty(double.NaN).Average();
            errors[i] = rows.Select(r => r.StandardError / Math.Abs(r.Theory)).DefaultIfEmpty(double.NaN).Average();
        }
        var (slope, intercept) = FitLogLog(dimensions, gaps);
        return new FiniteSizeStudy(dimensions, gaps, errors, slope, intercept, runs);
    }

    /// <summary>Least-squares line through (log d, log gap).</summary>
    public static (double Slope, double Intercept) FitLogLog(IReadOnlyList<int> dimensions, IReadOnlyList<double> gaps)
    {
        var x = dimensions.Select(d => Math.Log(d)).ToArray();
        var y = gaps.Select(g => Math.Log(g)).ToArray();
        var (intercept, slope) = MathNet.Numerics.Fit.Line(x, y);
        return (slope, intercept);
    }

    /// <summary>finite-size.csv and finite-size.png/.svg.</summary>
    public void Write(OutputDirectory output, string title)
    {
        output.WriteCsv("finite-size.csv", ["d", "mean_relative_gap", "mean_relative_stderr", "runs"],
            Dimensions.Select((d, i) => (IReadOnlyList<double>)[d, Gaps[i], GapErrors[i], Runs]));
        FiniteSizePlot.Write(output.File("finite-size"), $"{title}: ODE vs SGD gap against d", Dimensions, Gaps, GapErrors, Slope, Intercept);
    }

    /// <summary>For run.json.</summary>
    public JsonObject Describe() => new()
    {
        ["dimensions"] = new JsonArray([.. Dimensions.Select(d => JsonValue.Create(d))]),
        ["mean_relative_gap"] = new JsonArray([.. Gaps.Select(g => JsonValue.Create(g))]),
        ["mean_relative_stderr"] = new JsonArray([.. GapErrors.Select(g => JsonValue.Create(g))]),
        ["fitted_slope"] = Slope,
    };

    /// <summary>One line for the console.</summary>
    public string SummaryLine() =>
        "finite-size: " + string.Join(", ", Dimensions.Select((d, i) => $"d = {d}: gap {Gaps[i]:P2} (± {GapErrors[i]:P2})")) +
        $"; fitted slope {Slope:F2} (theory about -0.5)";
}
