namespace HighDimSgd.Simulation.Tests.Schedules;

public class OverlapRateScheduleTests
{
    private static SgdSetup Setup(int d, IStepSchedule schedule) => TestProblems.LeastSquares(d, 1.0, schedule);

    [Fact]
    public void The_rate_function_sees_the_exact_overlaps_of_the_observed_weights()
    {
        const int d = 8;
        double[] seenCovariance = [];
        double[] seenSquared = [];
        var schedule = new OverlapRateSchedule("probe", () => (overlaps, squared) =>
        {
            seenCovariance = [.. overlaps.Covariances[0]];
            seenSquared = squared.ToArray();
            return 0.5;
        }, needsSquaredKernel: true);
        var setup = Setup(d, schedule);
        var controller = ((IStepSchedule)schedule).Start(setup);
        var student = Enumerable.Range(0, d).Select(i => 0.1 * (i + 1)).ToArray();
        var w = student.Concat(setup.Teacher[0]).ToArray();
        controller.Observe(w, 0.0, exact: true);

        var lambda = setup.Classes[0].Eigenvalues;
        double Overlap(double[] x, double[] y, int power) => x.Select((v, i) => v * y[i] * Math.Pow(lambda[i], power)).Sum();
        double[][] rows = [student, setup.Teacher[0]];
        for (var a = 0; a < 2; a++)
            for (var b = 0; b < 2; b++)
            {
                Assert.Equal(Overlap(rows[a], rows[b], 1), seenCovariance[a * 2 + b], 12);
                Assert.Equal(Overlap(rows[a], rows[b], 2), seenSquared[a * 2 + b], 12);
            }
        Assert.Equal(0.5, controller.CurrentRate(0.0));
        Assert.Equal(0.5, controller.Advance(0.0, 1.0 / d, new StepSample(123.0)));
    }

    [Fact]
    public void Overlaps_are_recomputed_when_due_or_at_checkpoints_only()
    {
        var calls = 0;
        var schedule = new OverlapRateSchedule("count", () => (_, _) => ++calls, refreshInterval: 0.1);
        var setup = Setup(4, schedule);
        var controller = ((IStepSchedule)schedule).Start(setup);
        var w = new double[8];
        controller.Observe(w, 0.0, exact: false);
        controller.Observe(w, 0.05, exact: false);
        Assert.Equal(1, calls);
        controller.Observe(w, 0.05, exact: true);
        Assert.Equal(2, calls);
        controller.Observe(w, 0.16, exact: false);
        Assert.Equal(3, calls);
        Assert.Equal(3.0, controller.CurrentRate(0.16));
    }

    [Fact]
    public void A_run_with_an_overlap_rate_uses_it_at_every_step_and_records_it()
    {
        // gamma = 1 / (1 + B_xx): a rule of the weights only; the recorded lr must equal it at each checkpoint.
        var schedule = new OverlapRateSchedule("norm-damped", () => (overlaps, _) => 1 / (1 + overlaps.Covariances[0][0]), refreshInterval: 0);
        var setup = Setup(200, schedule);
        var run = new SgdSimulator(setup).Run(seed: 3);
        var column = run.Columns.ToList().IndexOf("lr");
        var lr = run.Values.Select(row => row[column]).ToArray();
        Assert.Null(run.Divergence);
        Assert.Equal(1.0, lr[0], 12);
        Assert.All(lr.Skip(1), value => Assert.InRange(value, 0.3, 0.999));
    }

    [Fact]
    public void Starting_without_the_setup_is_a_programming_error()
    {
        var schedule = new OverlapRateSchedule("x", () => (_, _) => 1);
        Assert.Throws<InvalidOperationException>(() => schedule.Start(10));
    }
}
