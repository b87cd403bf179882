using HighDimSgd.Simulation;

namespace HighDimSgd.Simulation.Tests;

public class ScheduleTests
{
    [Fact]
    public void AdaGradNormIncludesTheCurrentGradient()
    {
        const int d = 10;
        var controller = new AdaGradNormSchedule(eta: 2.0, b0: 3.0).Start(d);
        Assert.Equal(2.0 / 3.0, controller.CurrentRate(0), 15);
        var norms = new[] { 50.0, 20.0, 700.0 };
        var sum = 0.0;
        for (var k = 0; k < norms.Length; k++)
        {
            sum += norms[k];
            var expected = 2.0 / Math.Sqrt(9.0 + sum / (d * d));
            Assert.Equal(expected, controller.Advance(k / (double)d, 1.0 / d, new StepSample(norms[k])), 14);
            Assert.Equal(expected, controller.CurrentRate((k + 1) / (double)d), 14);
        }
    }

    [Fact]
    public void RmsPropNormForgetsAtRateAlphaPerUnitTime()
    {
        const int d = 20;
        const double alpha = 0.7, eta = 1.0, b0 = 2.0;
        var controller = new RmsPropNormSchedule(eta, b0, alpha).Start(d);
        var norms = Enumerable.Range(0, 3 * d).Select(k => 100.0 + 10 * k).ToArray();
        double rate = 0;
        for (var k = 0; k < norms.Length; k++)
        {
            rate = controller.Advance(k / (double)d, 1.0 / d, new StepSample(norms[k]));
        }

        // A_k = b^2 e^{-alpha (k+1)/d} + (1/d^2) sum_{j<=k} e^{-alpha (k-j)/d} ||G_j||^2.
        var last = norms.Length - 1;
        var accumulator = b0 * b0 * Math.Exp(-alpha * norms.Length / d);
        for (var j = 0; j <= last; j++)
        {
            accumulator += Math.Exp(-alpha * (last - j) / d) * norms[j] / (d * d);
        }

        Assert.Equal(eta / Math.Sqrt(accumulator), rate, 13);
    }

    [Fact]
    public void ControllersOfOneScheduleAreIndependent()
    {
        var schedule = new AdaGradNormSchedule(1, 1);
        var first = schedule.Start(5);
        var second = schedule.Start(5);
        first.Advance(0, 0.2, new StepSample(1e6));
        Assert.Equal(1.0, second.CurrentRate(0));
    }

    [Fact]
    public void InvalidParametersAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaGradNormSchedule(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsPropNormSchedule(1, 1, -1));
    }
}
