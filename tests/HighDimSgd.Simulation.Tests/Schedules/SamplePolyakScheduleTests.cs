namespace HighDimSgd.Simulation.Tests.Schedules;

public class SamplePolyakScheduleTests
{
    [Fact]
    public void The_rate_uses_earlier_samples_only_and_forgets_them_over_the_window()
    {
        const int d = 400;
        const double eta = 0.8;
        var w = SamplePolyakSchedule.WindowFor(d);
        Assert.Equal(20, w);
        var controller = new SamplePolyakSchedule(eta).Start(d);
        Assert.True(double.IsNaN(controller.CurrentRate(0)));

        // ||G||^2 / d = 2 throughout; a = 1 for one sample, then 0: the rate is eta (1 - 1/w)^n / 2 after n more.
        Assert.True(double.IsNaN(controller.Advance(0, 1.0 / d, new StepSample(2.0 * d, 1.0))));
        var keep = 1 - 1.0 / w;
        for (var n = 0; n < 3 * w; n++)
        {
            var rate = controller.Advance(0, 1.0 / d, new StepSample(2.0 * d, 0.0));
            var expected = eta * Math.Pow(keep, n) / (2 * (1 - Math.Pow(keep, n + 1)) / (1 - keep));
            Assert.Equal(expected, rate, 12);
        }
    }

    /// <summary>
    /// With ||G||^2/d fixed at F and a_j independent with mean A and standard deviation s, the rate after n samples is
    /// eta/F times the weighted mean sum_j rho^{n-1-j} a_j / sum_j rho^{n-1-j}: mean eta A / F and variance
    /// (eta s / F)^2 sum rho^{2i} / (sum rho^i)^2. Its mean over M independent controllers lies within 4 of its
    /// standard errors (s.d. / sqrt M) of eta A / F.
    /// </summary>
    [Fact]
    public void The_rate_estimates_eta_A_over_F_within_its_standard_error()
    {
        const int d = 900, samples = 200, controllers = 2000;
        const double eta = 1.3, meanDecrease = 0.4, spread = 1.5, growth = 2.5;
        var schedule = new SamplePolyakSchedule(eta);
        var keep = 1 - 1.0 / SamplePolyakSchedule.WindowFor(d);
        var random = new Random(17);
        var rates = new double[controllers];
        for (var m = 0; m < controllers; m++)
        {
            var controller = schedule.Start(d);
            for (var j = 0; j < samples; j++)
            {
                var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                controller.Advance(j / (double)d, 1.0 / d, new StepSample(growth * d, meanDecrease + spread * normal));
            }

            rates[m] = controller.CurrentRate(samples / (double)d);
        }

        double weights = 0, squares = 0;
        for (var i = 0; i < samples; i++)
        {
            weights += Math.Pow(keep, i);
            squares += Math.Pow(keep, 2 * i);
        }

        var expected = eta * meanDecrease / growth;
        var deviation = eta * spread / growth * Math.Sqrt(squares) / weights;
        var standardError = deviation / Math.Sqrt(controllers);
        var mean = rates.Average();
        var sampleDeviation = Math.Sqrt(rates.Sum(r => (r - mean) * (r - mean)) / (controllers - 1));
        Assert.True(Math.Abs(mean - expected) < 4 * standardError, $"mean rate {mean} against {expected} ± {standardError}");
        // The spread itself: the window is as documented (a window twice as long would shrink it by 30 %, against 1.6 % noise).
        Assert.InRange(sampleDeviation / deviation, 0.9, 1.1);
    }

    [Fact]
    public void It_asks_the_run_for_the_sample_terms_and_a_window_of_warm_up()
    {
        IStepSchedule schedule = new SamplePolyakSchedule(1.0);
        Assert.True(schedule.UsesGradientNorm);
        Assert.True(schedule.UsesDistanceDecrease);
        Assert.Equal(SamplePolyakSchedule.WindowFor(10_000), schedule.WarmUpSamples(10_000));
        Assert.Equal(100, SamplePolyakSchedule.WindowFor(10_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SamplePolyakSchedule(0));
    }
}
