using HighDimSgd.Cli.Application;
using HighDimSgd.Cli.Commands;
using HighDimSgd.Core.Problems;
using Xunit.Abstractions;

namespace HighDimSgd.Cli.Tests.CriticalLr;

/// <summary>
/// theory.md section 4: for least squares the largest stable constant step size is 2 / (Tr K / d), the average
/// eigenvalue, not the largest. The oracle is that formula (exact also at finite d for the per-direction ODE: the
/// growth rate mu of the linearised error solves 1 = (gamma^2/d) sum_i lambda_i^2 / (2 gamma lambda_i + mu), which
/// crosses 0 at gamma (Tr K/d) = 2), never a number the search produced.
/// </summary>
[Collection("console")]
public sealed class CriticalStepSizeTests(ITestOutputHelper output)
{
    private const string LeastSquares = """
        title = "least squares for the critical step size"
        [data]
        dimension = 40
        spectrum = { kind = "sigma-power", q = 2, normalize = "mean" }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = "rstar + 0.3*eps"
        [student]
        directions = 1
        init = [ { kind = "zero" } ]
        output = "r"
        [loss]
        preset = "least-squares"
        [optimizer]
        learning-rate = 1.0
        horizon = 10.0
        """;

    private static readonly CriticalSearchOptions Search = new(RelativeTolerance: 2e-3, Horizon: 100, DivergenceFactor: 1e4);

    [Fact]
    public void Critical_step_size_depends_on_the_mean_eigenvalue_only()
    {
        var context = ProblemContext.FromText(LeastSquares, "critical.toml");
        var solver = context.SolverOptions();
        string[] spectra = ["sigma-power:q=0.5", "sigma-power:q=1", "sigma-power:q=2", "sigma-power:q=3.5"];
        var results = spectra
            .Select(text => CriticalStepSize.Find(CriticalStepSize.WithSpectrum(context, SpectrumArgument.Parse(text)), text, Search, solver))
            .ToArray();
        foreach (var r in results)
            output.WriteLine($"{r.Spectrum}: lambda_max {r.LargestEigenvalue:F3}, bracket [{r.Bounded:F5}, {r.Diverged:F5}], {r.Solves} solves");

        // The spectra really differ where a largest-eigenvalue rule would look: lambda_max from about 2 to 8.
        Assert.InRange(results.Min(r => r.LargestEigenvalue), 1.4, 2.6);
        Assert.InRange(results.Max(r => r.LargestEigenvalue), 7, 9);
        foreach (var r in results)
        {
            Assert.True(r.Found, $"{r.Spectrum}: nothing diverged");
            Assert.Equal(1.0, r.MeanEigenvalue, 12);
            // The final bracket holds 2 / (Tr K/d).
            Assert.InRange(r.Reference, r.Bounded - 1e-9, r.Diverged + 1e-9);
        }

        // Hence the same critical value for every spectrum, within the bisection tolerance.
        var estimates = results.Select(r => r.Estimate).ToArray();
        Assert.True(estimates.Max() - estimates.Min() <= Search.RelativeTolerance * estimates.Max(),
            $"estimates {string.Join(", ", estimates.Select(e => e.ToString("F5")))}");
    }

    [Fact]
    public void A_constant_rate_above_the_threshold_diverges_and_below_it_does_not()
    {
        var context = ProblemContext.FromText(LeastSquares, "critical.toml");
        var setup = CriticalStepSize.WithSpectrum(context, SpectrumArgument.Parse("sigma-power:q=3"));
        var result = CriticalStepSize.Find(setup, "q=3", Search with { RelativeTolerance = 0.05 }, context.SolverOptions());
        Assert.True(result.Bounded < 2.0 * 1.06 && result.Diverged > 2.0, $"[{result.Bounded}, {result.Diverged}]");
    }

    [Theory]
    [InlineData("sigma-power:q=2,lo=0.1,hi=2", "sigma-power")]
    [InlineData("identity", "identity")]
    [InlineData("marchenko-pastur:ratio=0.5", "marchenko-pastur")]
    [InlineData("blocks:values=0.5/4,fractions=0.75/0.25", "blocks")]
    [InlineData("power-law:exponent=1.5,scale=2", "power-law")]
    public void Spectrum_arguments_parse_and_normalise_to_mean_one(string text, string kind)
    {
        var spec = SpectrumArgument.Parse(text);
        Assert.Equal(kind, spec.Kind);
        Assert.Equal(SpectrumNormalization.Mean, spec.Normalize);
        var eigenvalues = HighDimSgd.Core.Spectra.SpectrumBuilder.Eigenvalues(spec, 400, ".");
        Assert.Equal(spec.Scale, eigenvalues.Average(), 10);
    }

    [Theory]
    [InlineData("sigma-pow:q=2", "unknown kind")]
    [InlineData("sigma-power", "needs 'q'")]
    [InlineData("sigma-power:q=2,ratio=3", "not 'ratio'")]
    [InlineData("sigma-power:q=two", "must be a number")]
    [InlineData("marchenko-pastur:ratio=-1", "positive")]
    [InlineData("blocks:values=1/2,fractions=0.5", "same length")]
    [InlineData("sigma-power:q=1,q=2", "twice")]
    public void Bad_spectrum_arguments_are_user_errors(string text, string fragment)
    {
        var e = Assert.Throws<UserErrorException>(() => SpectrumArgument.Parse(text));
        Assert.Contains(fragment, e.Message);
        Assert.Contains(text, e.Message);
    }

    [Fact]
    public void Command_prints_the_critical_value_next_to_the_mean_eigenvalue_rule()
    {
        var path = Path.Combine(Path.GetTempPath(), $"critical-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, LeastSquares.Replace("dimension = 40", "dimension = 40"));
        string text;
        try
        {
            // Through the real entry point and the shared console capture (the console is global to the test run).
            var (exit, stdout, error) = Commands.CliRunner.Run(
                "critical-lr", path, "--tolerance", "0.02", "--horizon", "200", "--spectra", "identity", "sigma-power:q=2");
            Assert.True(exit == 0, error);
            text = stdout;
        }
        finally
        {
            File.Delete(path);
        }

        output.WriteLine(text);
        Assert.Contains("2/(Tr K/d)", text);
        Assert.Contains("sigma-power:q=2", text);
        Assert.Contains("identity", text);
    }
}
