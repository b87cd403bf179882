using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Models;
using static HighDimSgd.Models.Tests.ModelTestSupport;

namespace HighDimSgd.Models.Tests;

/// <summary>
/// Models whose integrand jumps or kinks, integrated by the split rules, against references that do not go through the
/// quadrature: one-dimensional integrals after conditioning, and the arc-cosine kernel.
/// </summary>
public class KinkQuadratureTests
{
    private static double Phi(double x) => StandardNormal.Cdf(x);

    private static double Density(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    /// <summary>E h(r), r ~ N(0, a), by the trapezoidal rule on +-12 sd (spectrally accurate for smooth h of moderate growth).</summary>
    private static double Expect(double a, Func<double, double> h)
    {
        const int n = 8000;
        var sd = Math.Sqrt(a);
        var step = 24.0 / n;
        double sum = 0;
        for (var k = 0; k <= n; k++)
        {
            var z = -12 + k * step;
            sum += (k == 0 || k == n ? 0.5 : 1) * step * Density(z) * h(sd * z);
        }
        return sum;
    }

    [Theory]
    [InlineData(1.0, 0.8, 1.0)]
    [InlineData(2.5, -0.4, 0.7)]
    [InlineData(0.3, 0.5, 0.9)]
    [InlineData(1.0, 0.995, 1.0)]
    public void TanhStudentAndSignTeacherMatchTheirConditionalIntegrals(double a, double b, double c)
    {
        // The model from the issue: g = tanh(r), y = sign(r*), f = (g - y)^2 / 2, which the tensor rule got 6 % wrong.
        var model = RuntimeModelCompiler.Compile("tanh-sign", 1, 1, null, 0, ["sign(rstar)"], ["tanh(r)"], "(g - y)^2/2");
        Assert.Equal(1, model.KinkCount);
        double[] covariance = [a, b, b, c];
        var moments = new GaussianMoments(1, 1);
        var quadrature = new GaussianQuadrature(model);
        Assert.True(quadrature.SplitsAtKinks);
        quadrature.Compute(covariance, moments);

        // Given r: r* ~ N(kappa r, s^2), kappa = b / a, s^2 = c - b^2 / a; E[sign r* | r] = 2 Phi(kappa r / s) - 1 and
        // E[|r*| | r] = s sqrt(2/pi) exp(-m^2 / 2 s^2) + m (1 - 2 Phi(-m / s)) with m = kappa r.
        var kappa = b / a;
        var s = Math.Sqrt(c - b * b / a);
        double Sign(double r) => 2 * Phi(kappa * r / s) - 1;
        double Absolute(double r)
        {
            var m = kappa * r;
            return s * Math.Sqrt(2 / Math.PI) * Math.Exp(-m * m / (2 * s * s)) + m * (1 - 2 * Phi(-m / s));
        }
        double Sech2(double r) => 1 / (Math.Cosh(r) * Math.Cosh(r));
        var loss = 0.5 * (Expect(a, r => Math.Tanh(r) * Math.Tanh(r)) - 2 * Expect(a, r => Math.Tanh(r) * Sign(r)) + 1);
        // grad f = (tanh r - sign r*) sech^2 r; the cross moments E[grad f r] and E[grad f r*].
        var crossR = Expect(a, r => (Math.Tanh(r) - Sign(r)) * Sech2(r) * r);
        var crossTeacher = Expect(a, r => Sech2(r) * (Math.Tanh(r) * kappa * r - Absolute(r)));

        // 1e-8 at moderate correlation; at rho = 0.995 the steep change of width sqrt(1 - rho^2) costs accuracy.
        var tolerance = Math.Abs(b) / Math.Sqrt(a * c) > 0.99 ? 1e-6 : 1e-8;
        Assert.Equal(loss, moments.Loss, tolerance);
        Assert.Equal(crossR, moments.GradientCross[0], tolerance);
        Assert.Equal(crossTeacher, moments.GradientCross[1], tolerance);
    }

    private static double ArcCosine(double[] b, int n, int i, int j)
    {
        // E[relu(u) relu(v)] = sigma_u sigma_v (sqrt(1 - rho^2) + rho (pi - acos rho)) / (2 pi).
        var su = Math.Sqrt(b[i * n + i]);
        var sv = Math.Sqrt(b[j * n + j]);
        var rho = Math.Clamp(b[i * n + j] / (su * sv), -1, 1);
        return su * sv * (Math.Sqrt(1 - rho * rho) + rho * (Math.PI - Math.Acos(rho))) / (2 * Math.PI);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void ReluCommitteeRiskMatchesTheArcCosineKernel(int seed)
    {
        // g = relu(r1) + relu(r2), y = relu(r*): three kinks in three dimensions, integrated by split rules (the tensor
        // rule of 16 points per axis was 0.5 % off at t = 0).
        var model = RuntimeModelCompiler.Compile("relu-committee", 1, 2, null, 0, ["relu(rstar)"], ["relu(r1) + relu(r2)"], "(g - y)^2/2");
        var b = RandomCovariance(3, new Random(seed));
        var moments = new GaussianMoments(2, 1);
        var quadrature = new GaussianQuadrature(model);
        Assert.True(quadrature.SplitsAtKinks);
        quadrature.Compute(b, moments, MomentKinds.Loss);
        double[] sign = [1, 1, -1];
        double expected = 0;
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++) expected += 0.5 * sign[i] * sign[j] * ArcCosine(b, 3, i, j);
        Assert.Equal(expected, moments.Loss, 1e-7);
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(1.0, 0.5)]
    [InlineData(1.0, 1.0)]
    [InlineData(4.0, 3.0)]
    [InlineData(4.0, 3.9)]
    [InlineData(9.0, 5.9)]
    public void NoisyStepTeacherMatchesItsConditionalIntegrals(double q, double r)
    {
        // The README's example: logistic loss, y = step(r* + 0.3 eps), |X*|^2 = 4. Averaging the noise leaves
        // Phi(r*/0.3), a transition of width 0.15 in r*'s own scale, which the 96 x 96 tensor rule missed by 4e-4.
        const double p = 4, sigma = 0.3;
        var model = BuiltInModels.Create("logistic");
        double[] covariance = [q, r, r, p];
        var moments = new GaussianMoments(1, 1);
        var quadrature = new GaussianQuadrature(model);
        Assert.True(quadrature.AlignsTransitions);
        quadrature.Compute(covariance, moments);

        // Given g: r* ~ N(kappa g, s^2); E[y | g] = Phi(kappa g / t) and E[y r* | g] = m Phi(m / t) + s^2 phi(m / t) / t,
        // with m = kappa g and t^2 = s^2 + sigma^2 (the noise and the conditional spread add).
        var kappa = r / q;
        var s2 = p - r * r / q;
        var t = Math.Sqrt(s2 + sigma * sigma);
        double Label(double g) => Phi(kappa * g / t);
        double LabelTimesTeacher(double g)
        {
            var m = kappa * g;
            return m * Phi(m / t) + s2 * Density(m / t) / t;
        }
        double Sigmoid(double g) => 1 / (1 + Math.Exp(-g));
        double Softplus(double g) => Math.Max(g, 0) + Math.Log(1 + Math.Exp(-Math.Abs(g)));
        var expected = new[]
        {
            Expect(q, g => Softplus(g) - g * Label(g)),
            Expect(q, g => (Sigmoid(g) - Label(g)) * g),
            Expect(q, g => Sigmoid(g) * kappa * g - LabelTimesTeacher(g)),
            // y^2 = y: E[(sigmoid - y)^2 | g] = sigmoid^2 - 2 sigmoid E[y | g] + E[y | g].
            Expect(q, g => Sigmoid(g) * Sigmoid(g) - 2 * Sigmoid(g) * Label(g) + Label(g)),
        };
        double[] aligned = [moments.Loss, moments.GradientCross[0], moments.GradientCross[1], moments.Fisher[0]];
        for (var k = 0; k < expected.Length; k++)
            Assert.True(Math.Abs(aligned[k] - expected[k]) <= 1e-7 * Math.Max(1, Math.Abs(expected[k])), $"moment {k}: {aligned[k]:R} vs {expected[k]:R}");

    }

    [Fact]
    public void TheTensorRuleMissesTheNoisyTransition()
    {
        // What the aligned rule is for: the 96 x 96 tensor rule moves the risk by 4e-4 at a moderate overlap.
        double[] covariance = [1.0, 0.5, 0.5, 4.0];
        var model = BuiltInModels.Create("logistic");
        var aligned = new GaussianMoments(1, 1);
        var tensor = new GaussianMoments(1, 1);
        new GaussianQuadrature(model).Compute(covariance, aligned);
        new GaussianQuadrature(model, new QuadratureOptions { AlignTransitions = false }).Compute(covariance, tensor);
        Assert.True(Math.Abs(tensor.Loss - aligned.Loss) > 1e-4, $"tensor rule {tensor.Loss:R} vs {aligned.Loss:R}");
    }

    [Fact]
    public void NoisyStepTeacherAtAZeroStudentMatchesItsClosedForm()
    {
        // X = 0 (every solve's start): B has rank 1 and the transition lies along the only variable, r*.
        // E[(1/2 - y) r*] = -E[r* Phi(r*/sigma)] = -p phi(0) / sqrt(p + sigma^2).
        const double p = 4, sigma = 0.3;
        var moments = new GaussianMoments(1, 1);
        new GaussianQuadrature(BuiltInModels.Create("logistic")).Compute([0, 0, 0, p], moments);
        Assert.Equal(-p * Density(0) / Math.Sqrt(p + sigma * sigma), moments.GradientCross[1], 1e-8);
        Assert.Equal(Math.Log(2), moments.Loss, 1e-8);
        Assert.Equal(0.25, moments.Fisher[0], 1e-8);
    }
}
