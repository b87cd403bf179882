using System.Text.Json;
using HighDimSgd.Symbolic;

namespace HighDimSgd.Cli.Tests.Commands;

[Collection("console")]
public class DeriveCommandTests
{
    public static TheoryData<string> ModelFiles()
    {
        var root = CliRunner.RepositoryRoot();
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(root, "examples"), "*.toml").Order())
            data.Add(Path.GetRelativePath(root, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void JsonReportRoundTrips(string relativePath)
    {
        var path = Path.Combine(CliRunner.RepositoryRoot(), relativePath);
        var (exit, output, error) = CliRunner.Run("derive", path, "--format", "json");
        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var formulas = new List<string> { root.GetProperty("loss").GetString()! };
        formulas.AddRange(root.GetProperty("gradient").EnumerateArray().Select(e => e.GetString()!));
        formulas.AddRange(root.GetProperty("hessian").EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(e => e.GetString()!));
        formulas.AddRange(root.GetProperty("expectations").EnumerateObject().Select(p => p.Value.GetString()!));
        Assert.NotEmpty(root.GetProperty("gradient").EnumerateArray());
        foreach (var formula in formulas)
        {
            // Printing, parsing and printing again must be a fixed point.
            var again = ModelDerivation.Normalize(formula);
            Assert.Equal(again, ModelDerivation.Normalize(again));
        }
    }

    [Fact]
    public void TextAndLatexReportsNameTheLossAndGradient()
    {
        var path = Path.Combine(CliRunner.RepositoryRoot(), "examples", "least-squares.toml");
        var text = CliRunner.Run("derive", path);
        Assert.Equal(0, text.Exit);
        Assert.Contains("df/dr = r - (rstar + 0.5*eps)", text.Out);
        Assert.Contains("E loss = 0.5*B11 - B12 + 0.5*B22 + 0.125", text.Out);
        var latex = CliRunner.Run("derive", path, "--format", "latex");
        Assert.Equal(0, latex.Exit);
        Assert.Contains("\\", latex.Out);
    }

    [Fact]
    public void DeriveReadsAFileWithOnlyTheModelSections()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, """
            [teacher]
            directions = 1
            weights = [ { kind = "constant", norm = 1.0 } ]
            output = "rstar + 0.5*eps"
            [student]
            directions = 1
            output = "r"
            [loss]
            expression = "(g - y)^2/2"
            """);
        var (exit, output, error) = CliRunner.Run("derive", path, "--format", "json");
        Assert.True(exit == 0, error);
        Assert.Contains("\"expectations\"", output);
    }
}
