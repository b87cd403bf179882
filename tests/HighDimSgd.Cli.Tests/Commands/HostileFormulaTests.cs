namespace HighDimSgd.Cli.Tests.Commands;

/// <summary>
/// Issue 16, the formula layer: hostile formulas and titles give exit code 2 and one line <c>error: ...</c> naming
/// the file, the key and the reason or limit (never a stack trace or a hang); a hostile title still runs.
/// </summary>
[Collection("console")]
public class HostileFormulaTests
{
    private const string Problem = """
        title = TITLE
        [data]
        dimension = 50
        spectrum = { kind = "identity" }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = TEACHER
        [student]
        directions = 1
        output = STUDENT
        [loss]
        expression = LOSS
        [optimizer]
        learning-rate = 0.2
        horizon = 0.5
        [output]
        checkpoints = 3
        """;

    /// A TOML basic string holding s (every character outside printable ASCII as \uXXXX).
    private static string Toml(string s) =>
        "\"" + string.Concat(s.Select(c => c is >= ' ' and <= '~' and not '"' and not '\\' ? c.ToString() : $"\\u{(int)c:X4}")) + "\"";

    private static (int Exit, string Out, string Error, string Folder) Run(string command, string teacher = "rstar", string student = "r",
        string loss = "(g - y)^2/2", string title = "t")
    {
        var folder = CliRunner.TempFolder();
        var text = Problem.Replace("TITLE", Toml(title)).Replace("TEACHER", Toml(teacher)).Replace("STUDENT", Toml(student)).Replace("LOSS", Toml(loss));
        var path = CliRunner.WriteProblem(folder, text);
        var outFolder = Path.Combine(folder, "out");
        var (exit, output, error) = command == "solve" ? CliRunner.Run("solve", path, "--out", outFolder) : CliRunner.Run(command, path);
        return (exit, output, error, outFolder);
    }

    private static void AssertOneLineError((int Exit, string Out, string Error, string Folder) result, params string[] fragments)
    {
        CliRunner.AssertOneLineUserError(result.Exit, result.Error, ["problem.toml", .. fragments]);
    }

    [Theory]
    [InlineData("r\u0661", "U+0661")]
    [InlineData("r\u0967", "U+0967")]
    public void A_unicode_digit_is_a_parse_error(string student, string code) =>
        AssertOneLineError(Run("derive", student: student), "student.output", code, "at position 1");

    [Fact]
    public void Deep_parentheses_and_unary_minus_are_a_depth_error()
    {
        AssertOneLineError(Run("derive", student: new string('(', 100000) + "r" + new string(')', 100000)), "student.output", "nesting deeper than 200");
        AssertOneLineError(Run("derive", student: new string('-', 10000) + "r"), "student.output", "nesting deeper than 200");
    }

    [Fact]
    public void Constants_that_are_not_finite_are_errors()
    {
        AssertOneLineError(Run("solve", teacher: "rstar + 0/0"), "teacher.output", "not finite: 0/0");
        AssertOneLineError(Run("solve", teacher: "rstar + 0*log(-1)"), "teacher.output", "not finite", "log(-1)");
    }

    [Fact]
    public void Size_and_noise_limits_name_the_key_and_the_limit()
    {
        AssertOneLineError(Run("derive", loss: string.Join(" + ", Enumerable.Repeat("(g-y)^2", 100000))), "loss.expression", "limit of 10000");
        AssertOneLineError(Run("derive", teacher: "rstar + 0.1*eps99999"), "teacher.output", "limit of 32 noise variables");
        var product = string.Join("*", Enumerable.Range(1, 100).Select(k => $"tanh(r + {k})"));
        AssertOneLineError(Run("derive", student: product), "loss.expression", "more than 200000 nodes");
    }

    [Fact]
    public void Nested_tanh_derives_in_seconds()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = Run("derive", student: string.Concat(Enumerable.Repeat("tanh(", 12)) + "r" + new string(')', 12));
        Assert.Equal(0, result.Exit);
        Assert.Contains("closed-form expectations: none", result.Out);
        Assert.True(watch.Elapsed.TotalSeconds < 20, $"took {watch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void A_hostile_title_with_a_custom_loss_solves()
    {
        var result = Run("solve", loss: "(g - y)^2/2 + 0.01*g^4", title: "one line */ \" \\ #error { } $");
        Assert.True(result.Exit == 0, result.Error);
        Assert.True(File.Exists(Path.Combine(result.Folder, "theory.csv")));
    }
}
