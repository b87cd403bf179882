using HighDimSgd.Core.Expectations;

namespace HighDimSgd.Core.Tests.Expectations;

/// <summary>The aligned transition rule against closed forms of Gaussian expectations of a steep smooth change.</summary>
public class TransitionGaussianRuleTests
{
    private static double Phi(double x) => StandardNormal.Cdf(x);

    private static double Density(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    [Theory]
    [InlineData(1, 0.0, 0.15)]
    [InlineData(2, 0.7, 0.01)]
    [InlineData(2, -3.0, 0.15)]
    [InlineData(3, 1.5, 1.0)]
    [InlineData(2, 0.2, 1e-6)]
    public void IntegratesASteepChangeTimesPolynomials(int dimension, double centre, double width)
    {
        var rule = new TransitionGaussianRule(3, 8, _ => 24);
        rule.Build(dimension, centre, width);
        // E Phi((z1 - c) / w) = Phi(-c / t) and E z1 Phi((z1 - c) / w) = phi(c / t) / t with t = sqrt(1 + w^2); the
        // other variables enter through E z^2 = 1 and E z^4 = 3.
        var t = Math.Sqrt(1 + width * width);
        double level = 0, slope = 0, total = 0;
        for (var p = 0; p < rule.Count; p++)
        {
            var z = rule.Point(p);
            var change = Phi((z[0] - centre) / width);
            var across = 1.0;
            for (var k = 1; k < dimension; k++) across *= z[k] * z[k] * z[k] * z[k] / 3;
            level += rule.Weight(p) * change * across;
            slope += rule.Weight(p) * z[0] * change * across;
            total += rule.Weight(p);
        }
        // Gauss-Legendre pieces of length 2 carry the density to 2e-10.
        Assert.Equal(1.0, total, 1e-9);
        Assert.Equal(Phi(-centre / t), level, 1e-9);
        Assert.Equal(Density(centre / t) / t, slope, 1e-9);
    }

    [Fact]
    public void GaussHermiteAloneMissesTheChange()
    {
        // The reason for the rule: 96 Gauss-Hermite nodes integrate Phi(z / 0.15) to only about 1e-3.
        var rule = StandardNormalRule.Tensor(1, 96);
        var slope = rule.Integrate(z => z[0] * Phi(z[0] / 0.15));
        var t = Math.Sqrt(1 + 0.15 * 0.15);
        Assert.True(Math.Abs(slope - Density(0) / t) > 1e-5, $"{slope:R}");
    }
}
