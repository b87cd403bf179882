using HighDimSgd.Core.Expectations;

namespace HighDimSgd.Core.Tests.Expectations;

/// <summary>Split rules against closed forms of Gaussian expectations with kinks and jumps.</summary>
public class SplitGaussianRuleTests
{
    private static double Phi(double x) => StandardNormal.Cdf(x);

    private static double Density(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    private static double Relu(double x) => Math.Max(x, 0);

    private static double Step(double x) => x > 0 ? 1 : 0;

    private static double Integrate(SplitGaussianRule rule, Func<double[], double> g)
    {
        double sum = 0;
        var z = new double[rule.Point(0).Length];
        for (var p = 0; p < rule.Count; p++)
        {
            rule.Point(p).CopyTo(z);
            sum += rule.Weight(p) * g(z);
        }
        return sum;
    }

    [Theory]
    [InlineData(4)]
    [InlineData(16)]
    [InlineData(30)]
    public void HalfRangeRuleIntegratesPolynomialsAgainstTheHalfNormalExactly(int order)
    {
        var (nodes, weights) = SplitGaussianRule.HalfRange(order);
        for (var k = 0; k <= 2 * order - 1; k++)
        {
            // int_0^inf u^k phi(u) du = 2^(k/2) Gamma((k + 1)/2) / (2 sqrt(pi)).
            var exact = Math.Pow(2, k / 2.0) * Math.Exp(LogGamma((k + 1) / 2.0)) / (2 * Math.Sqrt(Math.PI));
            var value = nodes.Select((u, i) => weights[i] * Math.Pow(u, k)).Sum();
            Assert.True(Math.Abs(value - exact) <= 1e-12 * Math.Max(1, exact), $"order {order}, k = {k}: {value} vs {exact}");
        }
        Assert.All(nodes, u => Assert.True(u > 0));
    }

    private static double LogGamma(double x) => MathNet.Numerics.SpecialFunctions.GammaLn(x);

    // At |rho| -> 1 the integral over z2 leaves a steep change in z1 of width sqrt(1 - rho^2) (0.045 at 0.999), which the
    // outer rule resolves to about 3e-6 for steps: the accuracy QuadratureOptions states for its default orders.
    [Theory]
    [InlineData(0.0, 1e-12)]
    [InlineData(0.6, 1e-12)]
    [InlineData(-0.9, 1e-10)]
    [InlineData(0.999, 1e-5)]
    public void ProductsOfRelusAndStepsMatchTheArcCosineKernelAndTheArcsineLaw(double rho, double tolerance)
    {
        // x = z1, y = rho z1 + sqrt(1 - rho^2) z2: the kinks are z1 = 0 and the line rho z1 + s z2 = 0.
        var s = Math.Sqrt(1 - rho * rho);
        var rule = new SplitGaussianRule(2, 16, 12);
        rule.Build(2, [1, 0, 0, rho, s, 0], 2);
        var arcCosine = (s + rho * (Math.PI - Math.Acos(rho))) / (2 * Math.PI);
        Assert.Equal(arcCosine, Integrate(rule, z => Relu(z[0]) * Relu(rho * z[0] + s * z[1])), tolerance);
        Assert.Equal(0.25 + Math.Asin(rho) / (2 * Math.PI), Integrate(rule, z => Step(z[0]) * Step(rho * z[0] + s * z[1])), tolerance);
        // |x| |y| = (relu(x) + relu(-x))(relu(y) + relu(-y)): twice the kernel at rho and at -rho.
        var absolute = 2 * arcCosine + 2 * (s - rho * (Math.PI - Math.Acos(-rho))) / (2 * Math.PI);
        Assert.Equal(absolute, Integrate(rule, z => Math.Abs(z[0]) * Math.Abs(rho * z[0] + s * z[1])), 4 * tolerance);
    }

    [Fact]
    public void KinksOffTheOriginAndASmoothFactorAreIntegratedToRoundOff()
    {
        // E[relu(Z - 0.7)] = phi(0.7) - 0.7 (1 - Phi(0.7)); E[step(Z + 1.3) Z^2] = int_{-1.3}^inf z^2 phi = -1.3 phi(1.3) + Phi(1.3).
        var rule = new SplitGaussianRule(1, 16, 12);
        rule.Build(1, [1, -0.7, 1, 1.3], 2);
        Assert.Equal(Density(0.7) - 0.7 * (1 - Phi(0.7)), Integrate(rule, z => Relu(z[0] - 0.7)), 1e-13);
        Assert.Equal(-1.3 * Density(1.3) + Phi(1.3), Integrate(rule, z => Step(z[0] + 1.3) * z[0] * z[0]), 1e-13);
        Assert.Equal(1, Integrate(rule, _ => 1), 1e-15);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(-0.4)]
    [InlineData(0.8)]
    public void ThreeCorrelatedStepsMatchTheOrthantProbability(double rho)
    {
        // Equicorrelated x = L z (lower-triangular L of the matrix with rho off the diagonal):
        // P(x1 > 0, x2 > 0, x3 > 0) = 1/8 + 3 asin(rho) / (4 pi).
        var l11 = 1.0;
        var l21 = rho;
        var l22 = Math.Sqrt(1 - rho * rho);
        var l31 = rho;
        var l32 = (rho - l31 * l21) / l22;
        var l33 = Math.Sqrt(1 - l31 * l31 - l32 * l32);
        var rule = new SplitGaussianRule(3, 16, 12);
        rule.Build(3, [l11, 0, 0, 0, l21, l22, 0, 0, l31, l32, l33, 0], 3);
        var value = Integrate(rule, z => Step(l11 * z[0]) * Step(l21 * z[0] + l22 * z[1]) * Step(l31 * z[0] + l32 * z[1] + l33 * z[2]));
        Assert.Equal(0.125 + 3 * Math.Asin(rho) / (4 * Math.PI), value, 1e-11);
        // Three hyperplanes that are not coordinates, so that every level has crossings: for x_i = a_i . z,
        // P(all x_i > 0) = 1/8 + (asin rho_12 + asin rho_13 + asin rho_23) / (4 pi), rho_ij the cosines of the a_i.
        double[][] a = [[1, -1, 0.5], [0.2, 1, -1], [1, 0.4, 1]];
        var dense = new SplitGaussianRule(3, 16, 12);
        dense.Build(3, [.. a[0], 0, .. a[1], 0, .. a[2], 0], 3);
        double Dot(double[] u, double[] v) => u.Zip(v, (p, q) => p * q).Sum();
        double Cosine(int i, int j) => Dot(a[i], a[j]) / Math.Sqrt(Dot(a[i], a[i]) * Dot(a[j], a[j]));
        var orthant = 0.125 + (Math.Asin(Cosine(0, 1)) + Math.Asin(Cosine(0, 2)) + Math.Asin(Cosine(1, 2))) / (4 * Math.PI);
        // Crossings at every level: measured 2e-9 at these orders (1e-12 at (24, 16)).
        Assert.Equal(orthant, Integrate(dense, z => Step(Dot(a[0], z)) * Step(Dot(a[1], z)) * Step(Dot(a[2], z))), 1e-8);
    }

    [Fact]
    public void CrossingKinksOfTwoGeneralFormsMatchTheArcCosineKernel()
    {
        // u = a . z, v = b . z with both forms on the inner variable: their crossing is a kink of the outer integral.
        double[] a = [1, -1], b = [0.3, 1];
        var norms = Math.Sqrt(2) * Math.Sqrt(1.09);
        var rho = (a[0] * b[0] + a[1] * b[1]) / norms;
        var rule = new SplitGaussianRule(2, 16, 12);
        rule.Build(2, [a[0], a[1], 0, b[0], b[1], 0], 2);
        var kernel = norms * (Math.Sqrt(1 - rho * rho) + rho * (Math.PI - Math.Acos(rho))) / (2 * Math.PI);
        Assert.Equal(kernel, Integrate(rule, z => Relu(a[0] * z[0] + a[1] * z[1]) * Relu(b[0] * z[0] + b[1] * z[1])), 1e-12);
    }
}
