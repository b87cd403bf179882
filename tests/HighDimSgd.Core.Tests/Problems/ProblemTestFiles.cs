using HighDimSgd.Core.Problems;

namespace HighDimSgd.Core.Tests.Problems;

/// <summary>Locations and small problem texts shared by the problem-file tests.</summary>
internal static class ProblemTestFiles
{
    /// <summary>The repository root: the first folder upwards that holds HighDimSgd.Hybrid.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "HighDimSgd.Hybrid.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("HighDimSgd.Hybrid.sln not found above " + AppContext.BaseDirectory);
    }

    public static string[] ExampleFiles() =>
        Directory.GetFiles(Path.Combine(RepositoryRoot(), "examples"), "*.toml").Order(StringComparer.Ordinal).ToArray();

    /// <summary>A small valid single-Gaussian problem; tests replace one line to make one mistake.</summary>
    public const string Minimal = """
        title = "minimal"

        [data]
        dimension = 10
        spectrum = { kind = "power-law", exponent = 1.0 }

        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = "rstar"

        [student]
        directions = 1
        init = [ { kind = "zero" } ]
        output = "r"

        [loss]
        preset = "least-squares"

        [optimizer]
        learning-rate = 0.5
        horizon = 5.0
        """;

    /// <summary>Parses <paramref name="toml"/> as if it were the file examples/x.toml (relative paths resolve there).</summary>
    public static Problem Parse(string toml, string path = "examples/x.toml") => ProblemLoader.Parse(toml, path);

    /// <summary><see cref="Minimal"/> with one exact line replaced (the line must exist).</summary>
    public static string Replace(string line, string replacement)
    {
        Assert.Contains(line, Minimal);
        return Minimal.Replace(line, replacement, StringComparison.Ordinal);
    }
}
