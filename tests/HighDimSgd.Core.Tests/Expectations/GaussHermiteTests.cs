using HighDimSgd.Core.Expectations;

namespace HighDimSgd.Core.Tests.Expectations;

public class GaussHermiteTests
{
    private static double NormalMoment(int k) => k % 2 == 1 ? 0 : Enumerable.Range(0, k / 2).Aggregate(1.0, (acc, i) => acc * (2 * i + 1));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(24)]
    public void Integrates_polynomials_up_to_degree_2n_minus_1_exactly(int order)
    {
        var rule = GaussHermite.Rule(order);
        for (var degree = 0; degree <= 2 * order - 1; degree++)
        {
            var exact = NormalMoment(degree);
            var value = rule.Integrate(x => Math.Pow(x, degree));
            // Round-off scales with E|Z|^degree, not with the (possibly zero) moment itself.
            var scale = Math.Max(1, NormalMoment(degree + degree % 2));
            Assert.True(Math.Abs(value - exact) <= 1e-12 * scale, $"order {order}, degree {degree}: {value} vs {exact}");
        }
    }

    [Fact]
    public void Degree_2n_is_not_exact()
    {
        var rule = GaussHermite.Rule(5);
        Assert.True(Math.Abs(rule.Integrate(x => Math.Pow(x, 10)) - NormalMoment(10)) > 1);
    }

    [Fact]
    public void Small_rules_match_hand_values()
    {
        var two = GaussHermite.Rule(2);
        Assert.Equal(-1.0, two.Nodes[0], 14);
        Assert.Equal(1.0, two.Nodes[1], 14);
        Assert.Equal(0.5, two.Weights[0], 14);
        var three = GaussHermite.Rule(3);
        Assert.Equal(-Math.Sqrt(3), three.Nodes[0], 13);
        Assert.Equal(0.0, three.Nodes[1]);
        Assert.Equal(2.0 / 3, three.Weights[1], 13);
        Assert.Equal(1.0 / 6, three.Weights[2], 13);
    }

    [Fact]
    public void Rules_are_cached()
    {
        Assert.Same(GaussHermite.Rule(17), GaussHermite.Rule(17));
    }

    [Fact]
    public void High_order_rule_integrates_smooth_function()
    {
        // E cos(Z) = exp(-1/2).
        Assert.Equal(Math.Exp(-0.5), GaussHermite.Rule(40).Integrate(Math.Cos), 13);
    }

    [Fact]
    public void Smolyak_grid_integrates_low_degree_polynomials_in_six_dimensions()
    {
        var rule = StandardNormalRule.Smolyak(6, 4);
        Assert.Equal(1.0, rule.Integrate(_ => 1.0), 12);
        Assert.Equal(1.0, rule.Integrate(z => z[0] * z[0] * z[3] * z[3]), 12);
        Assert.Equal(3.0, rule.Integrate(z => Math.Pow(z[2], 4)), 12);
        Assert.Equal(0.0, rule.Integrate(z => z[1] * z[4] * z[4]), 12);
        // Non-polynomial integrands converge with the level.
        var exact = Math.Exp(-1.0);
        var coarse = Math.Abs(rule.Integrate(z => Math.Cos(z[0]) * Math.Cos(z[5])) - exact);
        var fine = Math.Abs(StandardNormalRule.Smolyak(6, 6).Integrate(z => Math.Cos(z[0]) * Math.Cos(z[5])) - exact);
        Assert.True(coarse < 1e-3 && fine < coarse / 10, $"{coarse} {fine}");
        Assert.True(rule.Count < 2000, $"{rule.Count} points");
    }

    [Fact]
    public void Tensor_rule_has_product_weights()
    {
        var rule = StandardNormalRule.Tensor(3, 4);
        Assert.Equal(64, rule.Count);
        Assert.Equal(1.0, rule.Integrate(z => z[0] * z[0] * z[1] * z[1] * z[2] * z[2]), 12);
    }

    [Fact]
    public void Tensor_rule_leaves_out_only_negligible_corners()
    {
        // E exp(a z1 + b z2) = exp((a^2 + b^2) / 2): the integrand grows fastest exactly where points are left out.
        var rule = StandardNormalRule.Tensor(2, 96);
        Assert.InRange(rule.Count, 1, 9216 * 45 / 100);
        const double a = 3, b = -2.5;
        var exact = Math.Exp((a * a + b * b) / 2);
        Assert.Equal(1.0, rule.Integrate(z => Math.Exp(a * z[0] + b * z[1])) / exact, 12);
        Assert.Equal(1.0, rule.Integrate(_ => 1.0), 14);
        Assert.Equal(3.0, rule.Integrate(z => Math.Pow(z[0], 4)), 12);
    }
}
