using HighDimSgd.Core.Ode;
using static HighDimSgd.Core.Tests.Ode.OdeTestProblems;

namespace HighDimSgd.Core.Tests.Ode;

public class Rodas4Tests
{
    private static Rodas4 Solver(double tol) => new(new IntegratorOptions { RelativeTolerance = tol, AbsoluteTolerance = tol });

    [Fact]
    public void Linear_system_matches_matrix_exponential()
    {
        var problem = new Linear(-0.5, -2.0, 0.3);
        double[] y0 = [1.0, -0.5, 2.0];
        var times = new[] { 0.5, 1.0, 2.5, 4.0 };
        var solution = Solver(1e-9).Integrate(problem.System, 0, y0, times);
        Assert.Equal(OdeStatus.Completed, solution.Status);
        for (var k = 0; k < times.Length; k++)
            Assert.True(MaxAbsDifference(solution.State(k), problem.Exact(times[k], y0)) < 1e-6, $"t = {times[k]}");
    }

    [Fact]
    public void Stiff_linear_system_over_long_horizon_takes_few_steps()
    {
        var problem = new Linear(-1e4, -1.0, -1e-3);
        double[] y0 = [1.0, 1.0, 1.0];
        var times = new[] { 1.0, 100.0, 1e4 };
        var solution = Solver(1e-7).Integrate(problem.System, 0, y0, times);
        Assert.Equal(OdeStatus.Completed, solution.Status);
        for (var k = 0; k < times.Length; k++)
        {
            var exact = problem.Exact(times[k], y0);
            Assert.True(MaxAbsDifference(solution.State(k), exact) < 1e-5 * (1 + exact.Max(Math.Abs)), $"t = {times[k]}");
        }
        Assert.True(solution.Statistics.Accepted < 500, $"{solution.Statistics}");
    }

    [Fact]
    public void Prothero_Robinson_is_solved_with_far_fewer_steps_than_explicit()
    {
        const double k = 1e4;
        var system = ProtheroRobinson(k);
        var times = Linspace(0, 10, 11);
        var implicitSolution = Solver(1e-7).Integrate(system, 0, [2.0], times);
        var explicitSolution = new DormandPrince45(new IntegratorOptions { RelativeTolerance = 1e-7, AbsoluteTolerance = 1e-7 })
            .Integrate(system, 0, [2.0], times);

        for (var i = 0; i < times.Length; i++)
            Assert.Equal(ProtheroRobinsonExact(times[i], k, 2.0), implicitSolution.State(i)[0], 1e-5);
        Assert.True(implicitSolution.Statistics.Accepted * 20 < explicitSolution.Statistics.Accepted,
            $"implicit {implicitSolution.Statistics}, explicit {explicitSolution.Statistics}");
    }

    [Fact]
    public void Non_autonomous_error_falls_with_tolerance()
    {
        // y' = cos(t) y: y = exp(sin t); exercises the time-derivative terms of the method.
        var system = new OdeSystem(1, (t, y, dydt) => dydt[0] = Math.Cos(t) * y[0]);
        double[] tolerances = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8];
        var errors = tolerances.Select(tol =>
            Math.Abs(Solver(tol).Integrate(system, 0, [1.0], [10.0]).State(0)[0] - Math.Exp(Math.Sin(10.0)))).ToArray();
        Assert.True(errors[^1] < errors[0] / 300, string.Join(", ", errors));
        Assert.InRange(LogLogSlope(tolerances, errors), 0.6, 1.4);
    }

    [Fact]
    public void Dense_output_tracks_logistic_solution()
    {
        var times = Linspace(0, 12, 241);
        var solution = Solver(1e-9).Integrate(Logistic, 0, [0.1], times);
        var worst = 0.0;
        for (var i = 0; i < times.Length; i++) worst = Math.Max(worst, Math.Abs(solution.State(i)[0] - LogisticExact(times[i], 0.1)));
        Assert.True(worst < 1e-6, $"worst {worst}");
        Assert.True(solution.Statistics.JacobianEvaluations >= solution.Statistics.Accepted);
    }

    [Fact]
    public void Blow_up_is_reported_as_divergence()
    {
        var blowUp = new OdeSystem(1, (_, y, dydt) => dydt[0] = y[0] * y[0]);
        var solution = Solver(1e-8).Integrate(blowUp, 0, [1.0], [0.5, 2.0], StepMonitors.MaxAbsAbove(1e8));
        Assert.Equal(OdeStatus.Diverged, solution.Status);
        Assert.InRange(solution.StopTime, 1 - 1e-6, 1.0);
        Assert.Equal(2.0, solution.State(0)[0], 1e-5);
    }
}
