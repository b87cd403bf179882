using HighDimSgd.Core.Ode;
using static HighDimSgd.Core.Tests.Ode.OdeTestProblems;

namespace HighDimSgd.Core.Tests.Ode;

public class DormandPrince45Tests
{
    private static DormandPrince45 Solver(double tol) => new(new IntegratorOptions { RelativeTolerance = tol, AbsoluteTolerance = tol });

    [Fact]
    public void Linear_system_matches_matrix_exponential_at_output_times()
    {
        var problem = new Linear(-0.5, -2.0, 0.3);
        double[] y0 = [1.0, -0.5, 2.0];
        var times = new[] { 0.0, 0.37, 1.0, 2.5, 4.0 };
        var solution = Solver(1e-11).Integrate(problem.System, 0, y0, times);

        Assert.Equal(OdeStatus.Completed, solution.Status);
        Assert.Equal(times.Length, solution.Count);
        for (var k = 0; k < times.Length; k++)
            Assert.True(MaxAbsDifference(solution.State(k), problem.Exact(times[k], y0)) < 1e-9, $"t = {times[k]}");
    }

    [Fact]
    public void Logistic_growth_matches_closed_form()
    {
        var times = Linspace(0, 12, 25);
        var solution = Solver(1e-10).Integrate(Logistic, 0, [0.1], times);
        for (var k = 0; k < times.Length; k++)
            Assert.Equal(LogisticExact(times[k], 0.1), solution.State(k)[0], 1e-9);
    }

    [Fact]
    public void Global_error_is_roughly_proportional_to_tolerance()
    {
        double[] tolerances = [1e-5, 1e-6, 1e-7, 1e-8, 1e-9];
        var errors = tolerances.Select(tol =>
        {
            var solution = Solver(tol).Integrate(Oscillator, 0, [1.0, 0.0], [20.0]);
            return MaxAbsDifference(solution.State(0), [Math.Cos(20), -Math.Sin(20)]);
        }).ToArray();
        var slope = LogLogSlope(tolerances, errors);
        Assert.InRange(slope, 0.75, 1.25);
        Assert.True(errors[^1] < errors[0] / 1000);
    }

    [Fact]
    public void Dense_output_is_accurate_between_steps_and_does_not_shorten_steps()
    {
        var solver = Solver(1e-10);
        var endOnly = solver.Integrate(Oscillator, 0, [1.0, 0.0], [10.0]);
        var times = Linspace(0, 10, 10001);
        var dense = solver.Integrate(Oscillator, 0, [1.0, 0.0], times);

        Assert.Equal(endOnly.Statistics.Accepted, dense.Statistics.Accepted);
        Assert.True(endOnly.Statistics.Accepted * 5 < times.Length, $"{endOnly.Statistics.Accepted} steps: they should be much longer than the output spacing");
        var worst = 0.0;
        for (var k = 0; k < times.Length; k++)
            worst = Math.Max(worst, MaxAbsDifference(dense.State(k), [Math.Cos(times[k]), -Math.Sin(times[k])]));
        Assert.True(worst < 1e-8, $"worst dense-output error {worst}");
    }

    [Fact]
    public void Dense_output_has_fourth_order_interpolation_error()
    {
        // With a fixed huge first step and loose tolerance, compare interpolation error at mid-step for two step sizes.
        double MidStepError(double h)
        {
            var solver = new DormandPrince45(new IntegratorOptions { InitialStep = h, MaxStep = h, RelativeTolerance = 1, AbsoluteTolerance = 1 });
            var solution = solver.Integrate(Oscillator, 0, [1.0, 0.0], [0.5 * h, h]);
            return MaxAbsDifference(solution.State(0), [Math.Cos(0.5 * h), -Math.Sin(0.5 * h)]);
        }
        var ratio = MidStepError(0.4) / MidStepError(0.2);
        Assert.InRange(ratio, 16, 64); // local interpolation error O(h^5): ratio ~ 32
    }

    [Fact]
    public void Blow_up_of_y_squared_is_reported_as_divergence_near_t_equal_one()
    {
        var blowUp = new OdeSystem(1, (_, y, dydt) => dydt[0] = y[0] * y[0]);
        var solution = Solver(1e-8).Integrate(blowUp, 0, [1.0], [0.5, 2.0], StepMonitors.MaxAbsAbove(1e8));

        Assert.Equal(OdeStatus.Diverged, solution.Status);
        Assert.InRange(solution.StopTime, 1 - 1e-6, 1.0);
        Assert.Contains("exceeds", solution.StopReason);
        Assert.Equal(1, solution.Count);
        Assert.Equal(2.0, solution.State(0)[0], 1e-6);
    }

    [Fact]
    public void Blow_up_without_monitor_still_stops_as_divergence()
    {
        var blowUp = new OdeSystem(1, (_, y, dydt) => dydt[0] = y[0] * y[0]);
        var solution = Solver(1e-8).Integrate(blowUp, 0, [1.0], [2.0]);

        Assert.Equal(OdeStatus.Diverged, solution.Status);
        Assert.InRange(solution.StopTime, 0.99, 1.0 + 1e-6);
        Assert.Equal(0, solution.Count);
    }

    [Fact]
    public void A_collapsed_step_size_stops_after_one_window_instead_of_grinding_to_the_step_limit()
    {
        // A right-hand side with a jump of 1e-3 wherever t's last bits change: no step longer than about 1e-5 passes
        // rtol = 1e-8, so reaching t = 1000 would take about 1e8 steps.
        var rough = new OdeSystem(1, (t, _, dydt) => dydt[0] = 1 + 1e-3 * ((BitConverter.DoubleToInt64Bits(t) >> 20) & 1));
        var solution = Solver(1e-8).Integrate(rough, 0, [0.0], [1000.0]);

        Assert.Equal(OdeStatus.StepLimit, solution.Status);
        Assert.Contains("step size collapsed", solution.StopReason);
        Assert.Equal(AdaptiveIntegrator.RateWindow, solution.Statistics.Accepted + solution.Statistics.Rejected);
    }

    [Fact]
    public void Step_limit_is_a_result()
    {
        var solver = new DormandPrince45(new IntegratorOptions { MaxSteps = 5 });
        var solution = solver.Integrate(Oscillator, 0, [1.0, 0.0], [1000.0]);
        Assert.Equal(OdeStatus.StepLimit, solution.Status);
        Assert.True(solution.StopTime < 1000);
        Assert.Equal(5, solution.Statistics.Accepted + solution.Statistics.Rejected);
    }

    [Fact]
    public void Statistics_count_seven_stages_minus_fsal()
    {
        var solution = Solver(1e-8).Integrate(Oscillator, 0, [1.0, 0.0], [5.0]);
        var s = solution.Statistics;
        // 1 initial f, 1 for the starting-step probe, 6 per attempt thanks to first-same-as-last.
        Assert.Equal(2 + 6 * (s.Accepted + s.Rejected), s.DerivativeEvaluations);
    }

    [Fact]
    public void Output_at_start_time_is_the_initial_state()
    {
        var solution = Solver(1e-8).Integrate(Logistic, 1.0, [0.3], [1.0, 1.0, 2.0]);
        Assert.Equal(3, solution.Count);
        Assert.Equal(0.3, solution.State(0)[0]);
        Assert.Equal(0.3, solution.State(1)[0]);
    }

    [Fact]
    public void Unsorted_output_times_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Solver(1e-8).Integrate(Logistic, 0, [0.3], [2.0, 1.0]));
    }
}
