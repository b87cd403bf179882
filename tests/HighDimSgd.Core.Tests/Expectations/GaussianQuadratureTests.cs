using HighDimSgd.Core.Expectations;
using MathNet.Numerics.Integration;

namespace HighDimSgd.Core.Tests.Expectations;

public class GaussianQuadratureTests
{
    private static void AssertLeastSquaresExact(SumLeastSquares model, double[] mean, double[] b, QuadratureOptions? options = null)
    {
        var quadrature = new GaussianQuadrature(model, options);
        var moments = new GaussianMoments(model.StudentDirections, model.TeacherDirections);
        quadrature.Compute(mean, b, [], moments);

        var (mu, s2) = model.ResidualMoments(mean, b);
        Assert.Equal(0.5 * (mu * mu + s2), moments.Loss, 11);
        foreach (var g in moments.Gradient) Assert.Equal(mu, g, 11);
        foreach (var f in moments.Fisher) Assert.Equal(mu * mu + s2, f, 11);
        var cross = model.ExactCross(b);
        for (var i = 0; i < cross.Length; i++) Assert.Equal(cross[i], moments.GradientCross[i], 11);
    }

    [Fact]
    public void Least_squares_with_nonzero_mean_matches_exact_moments()
    {
        AssertLeastSquaresExact(new SumLeastSquares(1, 1, 0.5), [0.3, -0.7], [1.2, 0.4, 0.4, 0.9]);
    }

    [Fact]
    public void Singular_covariance_with_zero_student_row_integrates_over_its_range()
    {
        var model = new SumLeastSquares(1, 1, 0.5);
        double[] b = [0, 0, 0, 0.9];
        AssertLeastSquaresExact(model, [0.0, 0.2], b);
        var moments = new GaussianMoments(1, 1);
        new GaussianQuadrature(model).Compute([0.0, 0.2], b, [], moments);
        Assert.Equal(2, moments.EffectiveDimension); // one direction of B plus the noise
    }

    [Fact]
    public void Zero_covariance_and_no_noise_evaluates_at_the_mean()
    {
        var model = new SumLeastSquares(1, 1, 0);
        var moments = new GaussianMoments(1, 1);
        new GaussianQuadrature(model).Compute([1.5, 0.5], new double[4], [], moments);
        Assert.Equal(0, moments.EffectiveDimension);
        Assert.Equal(0.5, moments.Loss, 14);
        Assert.Equal(1.0, moments.Gradient[0], 14);
    }

    [Fact]
    public void Four_effective_dimensions_use_the_tensor_rule()
    {
        double[] b =
        [
            1.0, 0.2, 0.1,
            0.2, 0.8, -0.3,
            0.1, -0.3, 1.5,
        ];
        AssertLeastSquaresExact(new SumLeastSquares(2, 1, 0.3), [0.1, -0.2, 0.4], b);
    }

    [Fact]
    public void Six_effective_dimensions_use_the_sparse_grid()
    {
        const int n = 5;
        var random = new Random(11);
        var g = new double[n * n];
        for (var i = 0; i < g.Length; i++) g[i] = random.NextDouble() - 0.5;
        var b = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                for (var k = 0; k < n; k++) b[i * n + j] += g[i * n + k] * g[j * n + k];
        var model = new SumLeastSquares(3, 2, 0.3);
        var smolyak = new QuadratureOptions { UseLatticeBeyondTensor = false };
        AssertLeastSquaresExact(model, [0.1, -0.2, 0.4, 0.0, 0.3], b, smolyak);
        var count = new GaussianQuadrature(model, smolyak).RuleFor(6).Count;
        Assert.True(count <= 10_000, $"{count} points: should cost no more than the 4-D tensor rule");
    }

    [Fact]
    public void Six_effective_dimensions_use_the_lattice_by_default()
    {
        // The lattice rule is not exact for polynomials; it is a deterministic quasi-Monte Carlo rule with ~1e-3 accuracy.
        const int n = 5;
        var random = new Random(11);
        var g = new double[n * n];
        for (var i = 0; i < g.Length; i++) g[i] = random.NextDouble() - 0.5;
        var b = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                for (var k = 0; k < n; k++) b[i * n + j] += g[i * n + k] * g[j * n + k];
        var model = new SumLeastSquares(3, 2, 0.3);
        double[] mean = [0.1, -0.2, 0.4, 0.0, 0.3];
        var moments = new GaussianMoments(3, 2);
        new GaussianQuadrature(model).Compute(mean, b, [], moments);
        var (mu, s2) = model.ResidualMoments(mean, b);
        Assert.Equal(6, moments.EffectiveDimension);
        Assert.Equal(0.5 * (mu * mu + s2), moments.Loss, 0.01 * (mu * mu + s2));
    }

    [Fact]
    public void Closed_forms_are_used_only_for_zero_mean_and_not_when_forced()
    {
        var model = new SumLeastSquares(1, 1, 0.5, closedForms: true);
        double[] b = [1.2, 0.4, 0.4, 0.9];
        var moments = new GaussianMoments(1, 1);
        var exactLoss = 0.5 * model.ResidualMoments([0, 0], b).Variance;

        new GaussianQuadrature(model).Compute(b, moments);
        Assert.Equal(exactLoss + SumLeastSquares.ClosedFormMarker, moments.Loss, 10);
        Assert.Equal(SumLeastSquares.ClosedFormMarker + 2 * exactLoss, moments.Fisher[0], 10);
        Assert.Equal(0.0, moments.Gradient[0], 12); // no closed form: integrated

        new GaussianQuadrature(model, new QuadratureOptions { ForceQuadrature = true }).Compute(b, moments);
        Assert.Equal(exactLoss, moments.Loss, 11);

        new GaussianQuadrature(model).Compute([0.1, 0.0], b, [], moments);
        Assert.True(moments.Loss < SumLeastSquares.ClosedFormMarker);
    }

    /// <summary>E g(r, r*) under N(0, B) by a 2-D Gauss-Legendre rule on the Cholesky coordinates: an independent integrator.</summary>
    private static double Reference2D(Func<double, double, double> g, double[] b)
    {
        double a = b[0], c = b[1], d = b[3];
        var l11 = Math.Sqrt(a);
        var l21 = c / l11;
        var l22 = Math.Sqrt(d - l21 * l21);
        double Density(double z) => Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
        return GaussLegendreRule.Integrate((z1, z2) => g(l11 * z1, l21 * z1 + l22 * z2) * Density(z1) * Density(z2), -10, 10, -10, 10, 128);
    }

    [Fact]
    public void Logistic_type_loss_matches_independent_two_dimensional_integral()
    {
        double[] b = [2.0, 0.9, 0.9, 1.5];
        var model = new SoftLogistic();
        var moments = new GaussianMoments(1, 1);
        new GaussianQuadrature(model).Compute(b, moments);

        double Grad(double r, double s) => SoftLogistic.Sigmoid(r) - SoftLogistic.Sigmoid(s);
        Assert.Equal(Reference2D((r, s) => SoftLogistic.Softplus(r) - SoftLogistic.Sigmoid(s) * r, b), moments.Loss, 7);
        Assert.Equal(Reference2D(Grad, b), moments.Gradient[0], 7);
        Assert.Equal(Reference2D((r, s) => Grad(r, s) * Grad(r, s), b), moments.Fisher[0], 7);
        Assert.Equal(Reference2D((r, s) => Grad(r, s) * r, b), moments.GradientCross[0], 7);
        Assert.Equal(Reference2D((r, s) => Grad(r, s) * s, b), moments.GradientCross[1], 7);
    }

    [Fact]
    public void Stein_drift_from_cross_moment_equals_expected_derivative()
    {
        // J = E[grad (x - M)^T] B^+ must equal E[d grad / d(r, r*)] = (E sigma'(r), -E sigma'(r*)).
        double[] b = [2.0, 0.9, 0.9, 1.5];
        var moments = new GaussianMoments(1, 1);
        new GaussianQuadrature(new SoftLogistic()).Compute(b, moments);
        var bPlus = SmallSymmetric.PseudoInverse(b, 2);
        var j0 = moments.GradientCross[0] * bPlus[0] + moments.GradientCross[1] * bPlus[2];
        var j1 = moments.GradientCross[0] * bPlus[1] + moments.GradientCross[1] * bPlus[3];

        double SigmoidPrime(double x) => SoftLogistic.Sigmoid(x) * (1 - SoftLogistic.Sigmoid(x));
        Assert.Equal(Reference2D((r, _) => SigmoidPrime(r), b), j0, 7);
        Assert.Equal(-Reference2D((_, s) => SigmoidPrime(s), b), j1, 7);
    }

    [Fact]
    public void Logistic_type_fisher_agrees_with_Monte_Carlo_within_standard_error()
    {
        double[] b = [1.0, -0.5, -0.5, 3.0];
        var moments = new GaussianMoments(1, 1);
        new GaussianQuadrature(new SoftLogistic()).Compute(b, moments);

        var random = new Random(2024);
        const int samples = 200_000;
        double sum = 0, sumSq = 0;
        var l21 = b[1];
        var l22 = Math.Sqrt(b[3] - l21 * l21);
        for (var i = 0; i < samples; i++)
        {
            var (z1, z2) = (Gaussian(random), Gaussian(random));
            var g = SoftLogistic.Sigmoid(z1) - SoftLogistic.Sigmoid(l21 * z1 + l22 * z2);
            sum += g * g;
            sumSq += g * g * g * g;
        }
        var mean = sum / samples;
        var stderr = Math.Sqrt((sumSq / samples - mean * mean) / samples);
        Assert.InRange(moments.Fisher[0], mean - 5 * stderr, mean + 5 * stderr);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void Free_labels_enter_the_loss_with_nonzero_mean()
    {
        var model = new LabelledLogistic();
        var moments = new GaussianMoments(1, 0);
        const double m = 0.7, v = 1.7, y = 1.0;
        new GaussianQuadrature(model).Compute([m], [v], [y], moments);

        double Reference(Func<double, double> g) => GaussLegendreRule.Integrate(
            z => g(m + Math.Sqrt(v) * z) * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI), -10, 10, 256);
        Assert.Equal(Reference(r => SoftLogistic.Softplus(r) - y * r), moments.Loss, 8);
        Assert.Equal(Reference(r => SoftLogistic.Sigmoid(r) - y), moments.Gradient[0], 8);
        Assert.Equal(Reference(r => (SoftLogistic.Sigmoid(r) - y) * (r - m)), moments.GradientCross[0], 8);
    }

    [Fact]
    public void Compute_allocates_nothing_after_construction()
    {
        var model = new SumLeastSquares(2, 1, 0.3);
        var quadrature = new GaussianQuadrature(model);
        var moments = new GaussianMoments(2, 1);
        double[] mean = [0.1, -0.2, 0.4];
        double[] b = [1.0, 0.2, 0.1, 0.2, 0.8, -0.3, 0.1, -0.3, 1.5];
        double[] other = [1.1, 0.2, 0.1, 0.2, 0.8, -0.3, 0.1, -0.3, 1.5];
        // Warm both paths first (a new B is factored, a repeated one reuses its factor): the first uses of a library
        // method, and the runtime's tiering of the loops while the suite runs, may allocate in the runtime, which is not
        // the quadrature's doing (three warm calls were once not enough in a full run).
        for (var warm = 0; warm < 200; warm++)
        {
            quadrature.Compute(mean, b, [], moments);
            quadrature.Compute(mean, other, [], moments);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        quadrature.Compute(mean, b, [], moments);
        quadrature.Compute(mean, b, [], moments);
        quadrature.Compute(mean, other, [], moments);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Moments_are_continuous_as_a_student_direction_appears()
    {
        // X0 = 0 gives a singular B; a tiny student variance must give nearly the same moments.
        var model = new SoftLogistic();
        var quadrature = new GaussianQuadrature(model);
        var singular = new GaussianMoments(1, 1);
        var nearly = new GaussianMoments(1, 1);
        quadrature.Compute([0, 0, 0, 1.3], singular);
        quadrature.Compute([1e-10, 1e-7, 1e-7, 1.3], nearly);
        Assert.Equal(2, nearly.EffectiveDimension);
        Assert.Equal(singular.Loss, nearly.Loss, 7);
        Assert.Equal(singular.Fisher[0], nearly.Fisher[0], 7);
    }

    [Fact]
    public void Wrong_buffer_sizes_are_rejected()
    {
        var quadrature = new GaussianQuadrature(new SoftLogistic());
        Assert.Throws<ArgumentException>(() => quadrature.Compute([1.0, 0, 0, 1], new GaussianMoments(2, 1)));
        Assert.Throws<ArgumentException>(() => quadrature.Compute([1.0, 0, 0], new GaussianMoments(1, 1)));
    }
}
