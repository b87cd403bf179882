using HighDimSgd.Cli.Application;
using HighDimSgd.Core.Dynamics;
using Xunit.Abstractions;
namespace HighDimSgd.Cli.Tests.CriticalLr;
public sealed class ScratchTiming(ITestOutputHelper output)
{
    [Fact]
    public void Time()
    {
        var text = File.ReadAllText("/tmp/h7-crit.toml");
        var context = ProblemContext.FromText(text, "c.toml");
        var setup = CriticalStepSize.WithSpectrum(context, SpectrumArgument.Parse("sigma-power:q=3.5"));
        foreach (var (rtol, g) in new[] { (1e-8, 2.01), (1e-6, 2.01), (1e-6, 1.99), (1e-4, 2.01) })
        {
            var run = setup with { Schedule = new HighDimSgd.Core.Dynamics.ConstantSchedule(g), OutputTimes = [0, 100, 200, 300, 400] };
            var r = TheorySolver.Solve(run, ["risk"], context.SolverOptions() with { RelativeTolerance = rtol, AbsoluteTolerance = rtol * 1e-3, DivergenceFactor = 1e4 });
            output.WriteLine($"rtol {rtol} g {g}: {r.Status} stop {r.StopTime} steps {r.Steps.Accepted}/{r.Steps.Rejected} evals {r.Steps.DerivativeEvaluations} {r.WallTime.TotalSeconds:F2}s risk {string.Join(",", r.Column("risk").Select(x => x.ToString("G4")))}");
        }
    }
}
