using HighDimSgd.Core.Models;
using static HighDimSgd.Models.Tests.ModelTestSupport;

namespace HighDimSgd.Models.Tests;

/// <summary>Generated closed forms against Monte Carlo with its standard error (5 sigma).</summary>
public class ClosedFormTests
{
    private const int Samples = 400_000;

    [Theory]
    [InlineData("least-squares", 1)]
    [InlineData("least-squares", 2)]
    [InlineData("phase-retrieval", 3)]
    [InlineData("phase-retrieval", 4)]
    [InlineData("smooth-phase-retrieval", 5)]
    [InlineData("erf-committee-2", 6)]
    public void Closed_forms_match_Monte_Carlo(string name, int seed)
    {
        var model = BuiltInModels.Create(name);
        var rng = new Random(seed);
        var b = RandomCovariance(model.StateDimension, rng);
        int l = model.StudentDirections;
        var y = Array.Empty<double>();
        var gradient = new double[l];

        Assert.True(model.HasClosedFormLoss);
        Check(model.ExpectedLoss(b), MonteCarlo(model, b, Samples, rng, (r, rstar, eps) => model.Loss(r, rstar, eps, y)), $"{name} E f");

        if (model.HasClosedFormFisher)
        {
            var fisher = new double[l * l];
            model.ExpectedFisher(b, fisher);
            for (int i = 0; i < l; i++)
            {
                for (int j = 0; j < l; j++)
                {
                    (int ii, int jj) = (i, j);
                    var mc = MonteCarlo(model, b, Samples, rng, (r, rstar, eps) =>
                    {
                        model.LossAndGradient(r, rstar, eps, y, gradient);
                        return gradient[ii] * gradient[jj];
                    });
                    Check(fisher[i * l + j], mc, $"{name} fisher[{i},{j}]");
                }
            }
        }

        if (model.HasClosedFormGradientCross)
        {
            int n = model.StateDimension;
            var cross = new double[l * n];
            model.ExpectedGradientCross(b, cross);
            for (int i = 0; i < l; i++)
            {
                for (int k = 0; k < n; k++)
                {
                    (int ii, int kk) = (i, k);
                    var mc = MonteCarlo(model, b, Samples, rng, (r, rstar, eps) =>
                    {
                        model.LossAndGradient(r, rstar, eps, y, gradient);
                        return gradient[ii] * (kk < l ? r[kk] : rstar[kk - l]);
                    });
                    Check(cross[i * n + k], mc, $"{name} cross[{i},{k}]");
                }
            }
        }
    }

    [Fact]
    public void Phase_retrieval_closed_forms_stay_finite_at_perfect_correlation()
    {
        var model = BuiltInModels.Create("phase-retrieval");
        double[] b = [1.0, 1.0, 1.0, 1.0];
        Assert.Equal(0.0, model.ExpectedLoss(b), 12);
        var fisher = new double[1];
        model.ExpectedFisher(b, fisher);
        Assert.Equal(0.0, fisher[0], 12);
    }

    private static void Check(double exact, (double Mean, double StdErr) mc, string what) =>
        Assert.True(Math.Abs(exact - mc.Mean) <= 5 * mc.StdErr + 1e-9, $"{what}: closed form {exact}, Monte Carlo {mc.Mean} +- {mc.StdErr}");
}
