using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Tests.Expectations;

namespace HighDimSgd.Core.Tests.Dynamics;

/// <summary>The solve's check of its Gaussian quadrature against rules of twice the order.</summary>
public class QuadratureCheckTests
{
    private static DynamicsSetup SoftLogisticSetup()
    {
        const int d = 40;
        var eigenvalues = Enumerable.Range(1, d).Select(i => 0.5 + i / (double)d).ToArray();
        var teacher = Enumerable.Range(0, d).Select(i => 1.5 / Math.Sqrt(d)).ToArray();
        var init = Enumerable.Range(0, d).Select(i => (i % 3 == 0 ? 0.4 : -0.2) / Math.Sqrt(d)).ToArray();
        var times = Enumerable.Range(0, 11).Select(k => 0.5 * k).ToArray();
        return new DynamicsSetup(new SoftLogistic(), [new DataClass(1.0, new double[d], eigenvalues, [])], [teacher], [init],
            new ConstantSchedule(1.0), times);
    }

    [Fact]
    public void ConvergedRulesReportRoundOffAndNoWarning()
    {
        var theory = TheorySolver.Solve(SoftLogisticSetup(), ["risk"], new SolverOptions(Method: "eigen"));
        Assert.True(theory.QuadratureError < 1e-10, $"estimate {theory.QuadratureError}");
        Assert.DoesNotContain("WARNING", theory.Choice);
    }

    [Fact]
    public void ARuleTooCoarseForItsIntegrandIsEstimatedAndWarnedAbout()
    {
        // Three nodes per axis cannot integrate softplus and sigmoids: the doubled rule moves the moments by percents.
        var options = new SolverOptions(Method: "eigen") { Quadrature = new QuadratureOptions { OrderLowDimensions = 3 } };
        var theory = TheorySolver.Solve(SoftLogisticSetup(), ["risk"], options);
        Assert.True(theory.QuadratureError > 1e-4, $"estimate {theory.QuadratureError}");
        Assert.Contains("WARNING: the Gaussian expectations change by", theory.Choice);
    }

    [Fact]
    public void DoubledRulesDoubleEveryOrder()
    {
        var doubled = QuadratureCheck.Doubled(QuadratureOptions.Default);
        Assert.Equal(192, doubled.OrderLowDimensions);
        Assert.Equal(32, doubled.OrderThreeDimensions);
        Assert.Equal(20, doubled.OrderFourDimensions);
        Assert.Equal((16, 20), doubled.SplitOrdersLowDimensions);
        Assert.Equal((20, 16), doubled.SplitOrdersThreeDimensions);
        Assert.Equal((16, 48), doubled.TransitionOrders);
        // The next prime after 2 x 4093.
        Assert.Equal(8191, doubled.LatticePoints);
    }
}
