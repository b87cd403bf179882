using HighDimSgd.Cli.Application;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests.Mixtures;

/// <summary>The mixture example files of examples/mixtures, loaded at a dimension CI can afford.</summary>
internal static class MixtureExamples
{
    /// <summary>The repository root: the first folder upwards that holds HighDimSgd.Hybrid.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "HighDimSgd.Hybrid.sln"))) return folder.FullName;
        throw new InvalidOperationException("HighDimSgd.Hybrid.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Path of examples/mixtures/<paramref name="fileName"/>.</summary>
    public static string PathOf(string fileName) => Path.Combine(RepositoryRoot(), "examples", "mixtures", fileName);

    /// <summary>Loads an example, optionally replacing lines (e.g. the horizon) and the dimension.</summary>
    public static ProblemContext Load(string fileName, int? dimension = null, params (string From, string To)[] edits)
    {
        var path = PathOf(fileName);
        var text = File.ReadAllText(path);
        foreach (var (from, to) in edits)
        {
            if (!text.Contains(from, StringComparison.Ordinal)) throw new ArgumentException($"'{from}' not in {fileName}");
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        return ProblemContext.FromText(text, path, dimension);
    }

    /// <summary>
    /// Asserts that the ODE is the d -> infinity limit of SGD for <paramref name="statistic"/>: at every checkpoint after
    /// t = 0 the gap mean - theory at the two dimensions, fitted as <c>a + b/d</c> (SGD's finite-size bias is O(1/d)),
    /// leaves an intercept a within <paramref name="maxStandardErrors"/> of its own standard error (plus
    /// <paramref name="absoluteFloor"/> for statistics that go to zero). No tolerance in percent: a wrong theory keeps its
    /// gap at every d, a right one loses it like 1/d.
    /// </summary>
    public static void AssertLimitAgrees(Comparison small, int smallDimension, Comparison large, int largeDimension, string statistic,
        double maxStandardErrors = 4, double absoluteFloor = 0, ITestOutputHelper? output = null)
    {
        Assert.False(small.Theory.Diverged, small.Theory.StopReason);
        Assert.False(large.Theory.Diverged, large.Theory.StopReason);
        var atSmall = small.Agreement(statistic).Where(r => r.Time > 0).ToArray();
        var atLarge = large.Agreement(statistic).Where(r => r.Time > 0).ToArray();
        Assert.NotEmpty(atLarge);
        var (d1, d2) = ((double)smallDimension, (double)largeDimension);
        var worst = (Z: 0.0, Time: 0.0, Intercept: 0.0, Se: 0.0, Theory: 0.0);
        // Output times sit on each dimension's step grid (k/d): pair each checkpoint with the other's within a step.
        var pairs = atLarge
            .Select(q => (P: atSmall.MinBy(p => Math.Abs(p.Time - q.Time)), Q: q))
            .Where(pair => Math.Abs(pair.P.Time - pair.Q.Time) <= 1 / d1)
            .ToArray();
        Assert.True(pairs.Length >= 0.8 * atLarge.Length, $"{statistic}: only {pairs.Length} of {atLarge.Length} checkpoints pair up");
        foreach (var (p, q) in pairs)
        {
            var intercept = (d2 * (q.Mean - q.Theory) - d1 * (p.Mean - p.Theory)) / (d2 - d1);
            var se = Math.Sqrt(d2 * d2 * q.StandardError * q.StandardError + d1 * d1 * p.StandardError * p.StandardError) / (d2 - d1);
            var z = Math.Abs(intercept) / (se + absoluteFloor / maxStandardErrors);
            if (z > worst.Z) worst = (z, q.Time, intercept, se, q.Theory);
            Assert.True(Math.Abs(intercept) <= maxStandardErrors * se + absoluteFloor,
                $"{statistic}, t = {q.Time:G4}: the gap extrapolates to {intercept:G3} +- {se:G3} at d -> infinity " +
                $"(theory {q.Theory:G6}; d = {smallDimension}: SGD {p.Mean:G6} +- {p.StandardError:G3}; d = {largeDimension}: SGD {q.Mean:G6} +- {q.StandardError:G3})");
        }
        output?.WriteLine($"{statistic}: worst extrapolated gap {worst.Intercept:G3} +- {worst.Se:G3} ({worst.Z:F2} se) at t = {worst.Time:G4} (theory {worst.Theory:G6})");
    }
}
