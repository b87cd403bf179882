using HighDimSgd.Cli.Application;
using HighDimSgd.Core.Dynamics;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests.Solver;

/// <summary>
/// What <c>auto</c> picks above 4096 distinct eigenvalues (a compressed spectrum, Rodas4 when stiff) against the exact
/// eigen-groups integrated by Dormand-Prince: different representation, different integrator, the same ODE. The
/// least-squares case is checked against an exact reference in the Core tests; here the models whose drift comes from
/// quadrature, an adaptive schedule with its extra state, and a mixture whose class means carry Q states.
/// </summary>
public class CompressedSpectrumTests(ITestOutputHelper output)
{
    private const string Tight = """
        [solver]
        rtol = 1e-10
        atol = 1e-13
        """;

    private const string Logistic = """
        title = "logistic, noisy teacher, power law"
        [data]
        dimension = 5000
        spectrum = { kind = "power-law", exponent = 1.0, normalize = "mean" }
        [teacher]
        directions = 1
        weights = [ { kind = "gaussian", seed = 7, norm = 2.0 } ]
        output = "step(rstar + 0.3*eps)"
        [student]
        directions = 1
        init = [ { kind = "zero" } ]
        output = "r"
        [loss]
        preset = "logistic"
        [optimizer]
        learning-rate = 2.0
        horizon = 200.0
        [output]
        checkpoints = 41
        spacing = "log"
        statistics = ["risk", "norm", "overlap"]
        """;

    private const string AdaGrad = """
        title = "least squares, AdaGrad-Norm, heavy power law"
        [data]
        dimension = 5000
        spectrum = { kind = "power-law", exponent = -0.5, normalize = "mean" }
        [teacher]
        directions = 1
        weights = [ { kind = "gaussian", seed = 3, norm = 1.0 } ]
        output = "rstar + eps"
        [student]
        directions = 1
        init = [ { kind = "zero" } ]
        output = "r"
        [loss]
        preset = "least-squares"
        [optimizer]
        learning-rate = 1.0
        schedule = "adagrad-norm"
        b0 = 1.0
        horizon = 200.0
        [output]
        checkpoints = 41
        spacing = "log"
        statistics = ["risk", "norm", "lr"]
        """;

    private const string Mixture = """
        title = "binary mixture, power law"
        [data]
        dimension = 5000
        spectrum = { kind = "power-law", exponent = 1.2 }
        classes = [
          { probability = 0.5, label = 1, mean = { kind = "power-law", exponent = 1.0, norm = 0.674199862463242 } },
          { probability = 0.5, label = 0, mean = { kind = "mix", of = [ { vector = { kind = "power-law", exponent = 1.0, norm = 0.674199862463242 }, weight = -1.0 } ] } },
        ]
        [student]
        directions = 1
        init = [ { kind = "zero" } ]
        output = "r"
        [loss]
        preset = "logistic"
        [optimizer]
        learning-rate = 1.0
        horizon = 200.0
        [output]
        checkpoints = 41
        spacing = "log"
        log-start = 0.1
        statistics = ["risk", "classification_error", "mean_overlap", "norm"]
        """;

    public static TheoryData<string, string> Problems => new()
    {
        { "logistic", Logistic },
        { "adagrad-norm", AdaGrad },
        { "mixture", Mixture },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void AutoMatchesTheExactEigenFormToOnePartInAMillion(string name, string text)
    {
        var context = ProblemContext.FromText(text + "\n" + Tight, name + ".toml");
        var options = context.SolverOptions();
        var auto = TheorySolver.Solve(context.Dynamics, context.Statistics, options);
        var exact = TheorySolver.Solve(context.Dynamics, context.Statistics, options with { Method = "eigen", Stiff = false });
        output.WriteLine($"{name}: auto {auto.Description}, {auto.Integrator}, {auto.Steps.Accepted} steps, {auto.WallTime.TotalSeconds:F2} s; " +
                         $"exact {exact.Steps.Accepted} steps, {exact.WallTime.TotalSeconds:F2} s");
        Assert.Equal("compressed", auto.Method);
        Assert.Equal(exact.Times.Length, auto.Times.Length);
        foreach (var column in auto.Columns)
        {
            var a = auto.Column(column);
            var e = exact.Column(column);
            var floor = 1e-9 * e.Max(Math.Abs);
            var worst = a.Zip(e, (x, y) => Math.Abs(x - y) / Math.Max(Math.Abs(y), floor)).Max();
            output.WriteLine($"  {column}: largest relative gap {worst:G3}");
            Assert.True(worst < 1e-6, $"{name}, {column}: auto is {worst:G3} off the exact eigen form");
        }
    }
}
