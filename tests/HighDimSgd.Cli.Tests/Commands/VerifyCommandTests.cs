namespace HighDimSgd.Cli.Tests.Commands;

[Collection("console")]
public class VerifyCommandTests
{
    private const string Problem = """
        title = "tanh student, linear teacher"
        [data]
        dimension = 200
        spectrum = { kind = "power-law", exponent = 1.0, normalize = "mean" }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = "rstar"
        [student]
        directions = 1
        init = [ { kind = "mix", of = [ { teacher = 1, weight = 0.5 }, { vector = { kind = "alternating", norm = 1.0 }, weight = 0.5 } ] } ]
        output = "tanh(r)"
        [loss]
        expression = "(g - y)^2/2"
        [optimizer]
        learning-rate = 1.0
        horizon = 4.0
        [output]
        statistics = ["risk"]
        """;

    private static (int Exit, string Output, string Error) Verify(string problem)
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, problem);
        return CliRunner.Run("verify", path, "--dimensions", "100,400", "--runs", "8", "--test-samples", "4000");
    }

    [Fact]
    public void AModelWhoseChecksHoldIsVerified()
    {
        var (exit, output, error) = Verify(Problem);
        Assert.True(exit == 0, output + error);
        Assert.Contains("gradient against central differences", output);
        Assert.Contains("theory against SGD's test-sample risk", output);
        Assert.Contains("verified: every check holds", output);
    }

    [Fact]
    public void AQuadratureTooCoarseForItsIntegrandFailsAndIsNamed()
    {
        // Three Gauss-Hermite nodes per axis cannot integrate tanh: the doubled rule moves the expectations by percents.
        // (With a noisy teacher the expectation has 3 dimensions, whose default rule of 16 nodes per axis is itself 2.6 %
        // off for tanh late in training: the check says so, and this problem keeps to 2.)
        var (exit, output, _) = Verify(Problem + "\n[solver]\nquadrature-order = 3\n");
        Assert.Equal(1, exit);
        Assert.Contains("NOT verified: quadrature against rules of twice the order", output);
    }
}
