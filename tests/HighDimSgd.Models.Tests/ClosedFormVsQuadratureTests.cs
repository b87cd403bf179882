using HighDimSgd.Core.Expectations;
using static HighDimSgd.Models.Tests.ModelTestSupport;

namespace HighDimSgd.Models.Tests;

/// <summary>
/// Where a model has both, the generated closed forms and the Gauss-Hermite quadrature of its per-sample code must
/// agree (and the noise-averaged moments must agree with quadrature over the raw noise, at high order).
/// </summary>
public class ClosedFormVsQuadratureTests
{
    // Phase retrieval's gradient (|r| - |r*|) sign(r) jumps at r = 0, where Gauss-Hermite converges only like 1/n:
    // its closed forms are what the engine uses; the check needs a fine rule.
    [Theory]
    [InlineData("least-squares", 1, 24, 1e-10)]
    [InlineData("smooth-phase-retrieval", 2, 24, 1e-9)]
    [InlineData("phase-retrieval", 3, 96, 1e-9)]
    // The erf committee's Fisher and cross moments carry Gaussian factors exp(-r^2/2) that 10 nodes per axis miss by 3e-3.
    [InlineData("erf-committee-2", 4, 32, 1e-8)]
    public void Closed_forms_agree_with_quadrature(string name, int seed, int order, double tolerance)
    {
        var model = BuiltInModels.Create(name);
        var b = RandomCovariance(model.StateDimension, new Random(seed));
        var closed = new GaussianMoments(model.StudentDirections, model.TeacherDirections);
        var numeric = new GaussianMoments(model.StudentDirections, model.TeacherDirections);
        new GaussianQuadrature(model).Compute(b, closed);
        var options = new QuadratureOptions { ForceQuadrature = true, OrderLowDimensions = order, OrderThreeDimensions = order, OrderFourDimensions = order };
        new GaussianQuadrature(model, options).Compute(b, numeric);
        var scale = Math.Max(1, Math.Abs(closed.Loss));
        Assert.True(model.HasClosedFormLoss);
        Assert.True(Math.Abs(closed.Loss - numeric.Loss) < tolerance * scale, $"E f: {closed.Loss} vs {numeric.Loss}");
        if (model.HasClosedFormFisher)
            for (var i = 0; i < closed.Fisher.Length; i++)
                Assert.True(Math.Abs(closed.Fisher[i] - numeric.Fisher[i]) < tolerance * scale, $"fisher[{i}]: {closed.Fisher[i]} vs {numeric.Fisher[i]}");
        if (model.HasClosedFormGradientCross)
            for (var i = 0; i < closed.GradientCross.Length; i++)
                Assert.True(Math.Abs(closed.GradientCross[i] - numeric.GradientCross[i]) < tolerance * scale,
                    $"cross[{i}]: {closed.GradientCross[i]} vs {numeric.GradientCross[i]}");
    }

    [Fact]
    public void Noise_averaged_logistic_moments_agree_with_Monte_Carlo()
    {
        // The raw integrand jumps with the noisy step teacher; Monte Carlo over (r, r*, eps) is the unbiased reference.
        var model = BuiltInModels.Create("logistic");
        Assert.Equal([0], model.AveragedNoise);
        double[] b = [1.3, 0.6, 0.6, 1.1];
        var averaged = new GaussianMoments(1, 1);
        new GaussianQuadrature(model).Compute(b, averaged);
        Assert.Equal(2, averaged.EffectiveDimension);
        var g = new double[1];
        var rng = new Random(17);
        const int samples = 2_000_000;
        void Check(double value, (double Mean, double StdErr) mc, string what) =>
            Assert.True(Math.Abs(value - mc.Mean) < 5 * mc.StdErr, $"{what}: quadrature {value}, Monte Carlo {mc.Mean} +- {mc.StdErr}");
        Check(averaged.Loss, MonteCarlo(model, b, samples, rng, (r, rs, e) => model.Loss(r, rs, e, [])), "E f");
        Check(averaged.Fisher[0], MonteCarlo(model, b, samples, rng, (r, rs, e) =>
        {
            model.LossAndGradient(r, rs, e, [], g);
            return g[0] * g[0];
        }), "fisher");
        Check(averaged.GradientCross[1], MonteCarlo(model, b, samples, rng, (r, rs, e) =>
        {
            model.LossAndGradient(r, rs, e, [], g);
            return g[0] * rs[0];
        }), "cross[1]");
    }
}
