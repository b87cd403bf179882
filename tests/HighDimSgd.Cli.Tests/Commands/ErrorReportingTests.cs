namespace HighDimSgd.Cli.Tests.Commands;

/// <summary>User mistakes: one clear line naming the file and key, exit code 2, no stack trace, nothing written.</summary>
[Collection("console")]
public class ErrorReportingTests
{
    private const string Valid = """
        title = "t"
        [data]
        dimension = 50
        spectrum = { kind = "identity" }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = "rstar"
        [student]
        directions = 1
        output = "r"
        [loss]
        expression = "LOSS"
        [optimizer]
        learning-rate = 0.5
        horizon = 1.0
        [output]
        checkpoints = 5
        """;

    private static (int Exit, string Out, string Error, string Folder) Solve(string loss, string? text = null)
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, text ?? Valid.Replace("LOSS", loss));
        var outFolder = Path.Combine(folder, "out");
        var (exit, output, error) = CliRunner.Run("solve", path, "--out", outFolder);
        return (exit, output, error, outFolder);
    }

    private static void AssertUserError((int Exit, string Out, string Error, string Folder) result, params string[] fragments)
    {
        CliRunner.AssertOneLineUserError(result.Exit, result.Error, fragments);
        var written = Directory.Exists(result.Folder) ? Directory.GetFileSystemEntries(result.Folder) : [];
        Assert.Empty(written);
    }

    [Fact]
    public void UnknownFunctionNamesTheKeyAndTheFunction() =>
        AssertUserError(Solve("foo(g - y)"), "problem.toml", "loss.expression", "foo");

    [Fact]
    public void UnbalancedParenthesesAreReported() =>
        AssertUserError(Solve("((g - y)^2"), "loss.expression", "')'");

    [Fact]
    public void UnknownVariableIsReported() =>
        AssertUserError(Solve("(g - z)^2"), "loss.expression", "z");

    [Fact]
    public void LossUsingLabelsWithoutATeacherIsReported()
    {
        var text = Valid.Replace("LOSS", "(g - y)^2")
            .Replace("[teacher]\ndirections = 1\nweights = [ { kind = \"constant\", norm = 1.0 } ]\noutput = \"rstar\"\n", "");
        Assert.DoesNotContain("[teacher]", text);
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, text);
        var (exit, _, error) = CliRunner.Run("derive", path);
        Assert.Equal(2, exit);
        Assert.Contains("loss.expression", error);
        Assert.Contains("label", error);
    }

    [Fact]
    public void UnknownKeyIsReportedWithItsName() =>
        AssertUserError(Solve("(g - y)^2", Valid.Replace("LOSS", "(g - y)^2").Replace("horizon = 1.0", "horizon = 1.0\nhorizn = 2")),
            "horizn");

    [Fact]
    public void MissingFileIsReported()
    {
        var (exit, _, error) = CliRunner.Run("solve", "/nonexistent/problem.toml");
        Assert.Equal(2, exit);
        Assert.Contains("/nonexistent/problem.toml", error);
        Assert.Contains("not found", error);
    }

    [Fact]
    public void BadOptionValueIsAUserError()
    {
        var (exit, _, error) = CliRunner.Run("compare", "--runs", "many");
        Assert.Equal(2, exit);
        Assert.Contains("many", error);
    }

    [Theory]
    [InlineData("simulate", "--runs", "2.5", "--runs': expected an integer")]
    [InlineData("simulate", "--runs", "1000000000", "--runs must be between 1 and 1,000,000")]
    [InlineData("simulate", "--seed", "-1", "--seed must be at least 0")]
    [InlineData("solve", "--dimension", "2000000000", "--dimension must be between 1 and 10,000,000")]
    [InlineData("solve", "--bogus", "1", "Unrecognized command or argument '--bogus'")]
    public void CommandLineMistakesAreOneLineWithoutTypeNames(string command, string option, string value, string fragment)
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Valid.Replace("LOSS", "(g - y)^2"));
        var outFolder = Path.Combine(folder, "out");
        var result = CliRunner.Run(command, path, option, value, "--out", outFolder);
        AssertUserError((result.Exit, result.Out, result.Error, outFolder), fragment);
        Assert.DoesNotContain("System.", result.Error);
    }

    [Fact]
    public void WorkTooLargeForMemoryIsRefusedBeforeAllocation()
    {
        // 10^6 runs x 10^5 checkpoints x 2 columns of doubles are 1.6 TB, more than any test machine has (the horizon gives
        // the 10^5 steps that distinct checkpoints on the step grid need).
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Valid.Replace("LOSS", "(g - y)^2").Replace("checkpoints = 5", "checkpoints = 100000")
            .Replace("horizon = 1.0", "horizon = 2000.0"));
        var outFolder = Path.Combine(folder, "out");
        var result = CliRunner.Run("simulate", path, "--runs", "1000000", "--out", outFolder);
        AssertUserError((result.Exit, result.Out, result.Error, outFolder), "1,000,000 runs", "output.checkpoints", "more than the");
    }

    [Fact]
    public void UserTextWithALineBreakStaysOnTheErrorLine()
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Valid.Replace("LOSS", "(g - y)^2").Replace("[output]", "[output]\n\"bad\\nkey\" = 1"));
        var outFolder = Path.Combine(folder, "out");
        var result = CliRunner.Run("solve", path, "--out", outFolder);
        AssertUserError((result.Exit, result.Out, result.Error, outFolder), "bad\\nkey");
    }
}
