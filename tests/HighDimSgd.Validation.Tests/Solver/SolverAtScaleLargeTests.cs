using System.Globalization;
using HighDimSgd.Cli.Application;
using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Ode;
using HighDimSgd.Core.Tests.Dynamics;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests.Solver;

/// <summary>
/// The solver's acceptance matrix, too large for CI (minutes): constant-step and AdaGrad-Norm least squares and
/// logistic regression with a noisy teacher, on power laws with d = 1e3 .. 1e6 distinct eigenvalues (exponent 1:
/// lambda in [2/d, 2]; exponent -1/2: lambda_max ~ sqrt(d) / 2, stiff), to T = 100 and 1000. What <c>auto</c> picks
/// must agree to 1e-6 at every checkpoint with the exact least-squares reference, and with the exact eigen-groups
/// integrated by Dormand-Prince where those finish in reasonable time. Run on purpose:
/// <c>./test.sh --filter Category=Large</c>.
/// </summary>
[Trait("Category", "Large")]
public class SolverAtScaleLargeTests(ITestOutputHelper output)
{
    private static string Problem(string model, int d, double horizon, double exponent)
    {
        var (teacher, loss, optimizer) = model switch
        {
            "least-squares" => ("rstar + eps", "least-squares", "learning-rate = 0.5"),
            "adagrad-norm" => ("rstar + eps", "least-squares", "learning-rate = 1.0\nschedule = \"adagrad-norm\"\nb0 = 1.0"),
            _ => ("step(rstar + 0.3*eps)", "logistic", "learning-rate = 2.0"),
        };
        return string.Create(CultureInfo.InvariantCulture, $"""
            title = "{model}"
            [data]
            dimension = {d}
            spectrum = {"{"} kind = "power-law", exponent = {exponent}, normalize = "mean" {"}"}
            [teacher]
            directions = 1
            weights = [ {"{"} kind = "constant", norm = 1.0 {"}"} ]
            output = "{teacher}"
            [student]
            directions = 1
            init = [ {"{"} kind = "zero" {"}"} ]
            output = "r"
            [loss]
            preset = "{loss}"
            [optimizer]
            {optimizer}
            horizon = {horizon}
            [output]
            checkpoints = 101
            spacing = "log"
            statistics = ["risk", "norm"]
            [solver]
            rtol = 1e-10
            atol = 1e-13
            """);
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (var model in new[] { "least-squares", "adagrad-norm", "logistic" })
            foreach (var d in new[] { 1_000, 10_000, 100_000, 1_000_000 })
                foreach (var horizon in new[] { 100.0, 1000.0 })
                    foreach (var exponent in new[] { 1.0, -0.5 })
                        yield return [model, d, horizon, exponent];
    }

    private static double Gap(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y) / Math.Abs(y)).Max();

    [Theory]
    [MemberData(nameof(Cases))]
    public void AutoAgreesWithTheReferencesAtEveryCheckpoint(string model, int d, double horizon, double exponent)
    {
        var context = ProblemContext.FromText(Problem(model, d, horizon, exponent), model + ".toml");
        var setup = context.Dynamics;
        var options = context.SolverOptions();
        var auto = TheorySolver.Solve(setup, context.Statistics, options);
        output.WriteLine($"auto: {auto.Description}, {auto.Integrator}, {auto.Steps.Accepted} steps, {auto.WallTime.TotalSeconds:F2} s; {auto.Choice}");
        Assert.Equal(OdeStatus.Completed, auto.Status);
        var checkedAgainst = 0;
        if (model == "least-squares")
        {
            var teacher = setup.Teacher[0];
            var reference = new LeastSquaresLaplaceReference(setup.Classes[0].Eigenvalues,
                [.. teacher.Select(x => d * x * x)], 0.5, 1.0);
            var gap = Gap(auto.Column("risk"), [.. auto.Times.Select(reference.Risk)]);
            output.WriteLine($"  against the Laplace reference: {gap:G3}");
            Assert.True(gap < 1e-6, $"{gap:G3} off the exact reference");
            checkedAgainst++;
        }
        // Exact groups with an explicit integrator finish in minutes only below ~1e5 groups and without stiffness.
        if (d <= 10_000 || (d <= 100_000 && exponent > 0))
        {
            var exact = TheorySolver.Solve(setup, context.Statistics, options with { Method = "eigen", Stiff = false });
            Assert.Equal(OdeStatus.Completed, exact.Status);
            foreach (var column in auto.Columns)
            {
                var gap = Gap(auto.Column(column), exact.Column(column));
                output.WriteLine($"  {column} against exact groups ({exact.Steps.Accepted} steps, {exact.WallTime.TotalSeconds:F1} s): {gap:G3}");
                Assert.True(gap < 1e-6, $"{column}: {gap:G3} off the exact eigen form");
            }
            checkedAgainst++;
        }
        if (checkedAgainst == 0)
        {
            // No exact groups affordable: a finer compression, integrated explicitly, must agree with it.
            var finer = TheorySolver.Solve(setup, context.Statistics, options with
            {
                Method = "compressed",
                Compression = new CompressionOptions(PanelRatio: 2, NodesPerPanel: 32),
                Stiff = !auto.Integrator.Equals("rodas4", StringComparison.Ordinal),
            });
            foreach (var column in auto.Columns)
            {
                var gap = Gap(auto.Column(column), finer.Column(column));
                output.WriteLine($"  {column} against a finer compression ({finer.Integrator}): {gap:G3}");
                Assert.True(gap < 1e-6, $"{column}: {gap:G3} off a finer compression");
            }
        }
    }
}
