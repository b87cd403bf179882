namespace HighDimSgd.Cli.Tests.Commands;

/// <summary>
/// Every synthetic example problem solves through the real command (at a small d: the cost of most does not depend on
/// d). The real-data examples have the dimension of their data; the Fashion-MNIST validation tests run them.
/// </summary>
[Collection("console")]
public class ExampleSolveTests
{
    public static TheoryData<string> Examples()
    {
        var root = CliRunner.RepositoryRoot();
        var data = new TheoryData<string>();
        var real = Path.Combine(root, "examples", "real") + Path.DirectorySeparatorChar;
        foreach (var file in Directory.GetFiles(Path.Combine(root, "examples"), "*.toml", SearchOption.AllDirectories).Order())
            if (!file.StartsWith(real, StringComparison.Ordinal)) data.Add(Path.GetRelativePath(root, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void ExampleSolvesAndWritesTheRequestedColumns(string relativePath)
    {
        var path = Path.Combine(CliRunner.RepositoryRoot(), relativePath);
        var outFolder = Path.Combine(CliRunner.TempFolder(), "out");
        var (exit, output, error) = CliRunner.Run("solve", path, "--out", outFolder, "--dimension", "120");
        Assert.True(exit == 0, error);
        Assert.Contains("ODE completed", output);
        var lines = File.ReadAllLines(Path.Combine(outFolder, "theory.csv"));
        Assert.StartsWith("t,risk", lines[0]);
        Assert.True(lines.Length > 2);
        Assert.All(lines.Skip(1), line => Assert.DoesNotContain("NaN", line.Split(',')[1]));
    }
}
