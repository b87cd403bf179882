using HighDimSgd.Core.Dynamics;
using HighDimSgd.Models.Generated;
using HighDimSgd.Simulation;
using MathNet.Numerics.Integration;
using MathNet.Numerics.LinearAlgebra;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests.RealData;

/// <summary>
/// theory.md section 10 against SGD on a Gaussian mixture whose two class covariances have independent random
/// eigenbases (they do not commute). SGD's risk is priced here, independently of the project's quadrature: a
/// Gauss-Legendre integral of the logistic loss over r ~ N(M_c, B_c), from the run's exact overlaps.
/// </summary>
public class DenseVsSurrogateSgdTests(ITestOutputHelper output)
{
    private const int D = 200;
    private const int Runs = 100;
    private const double Rate = 1.0;

    private static DataClass[] Classes()
    {
        var random = new MathNet.Numerics.Random.MersenneTwister(21);
        var normal = new MathNet.Numerics.Distributions.Normal(0, 1, random);
        var direction = Vector<double>.Build.Random(D, normal);
        direction *= 1.5 / direction.L2Norm();
        var classes = new DataClass[2];
        for (var c = 0; c < 2; c++)
        {
            var q = Matrix<double>.Build.Random(D, D, normal).QR().Q;
            var lambda = Enumerable.Range(0, D).Select(i => 4.0 * Math.Pow((i + 1.0) / D, 1.5) + 0.05).Reverse().ToArray();
            var k = q * Matrix<double>.Build.DiagonalOfDiagonalArray(lambda) * q.Transpose();
            var full = new double[D * D];
            for (var i = 0; i < D; i++)
                for (var j = 0; j < D; j++) full[i * D + j] = 0.5 * (k[i, j] + k[j, i]);
            var mean = (c == 0 ? direction : -direction).ToArray();
            classes[c] = new DataClass(0.5, mean, [.. Enumerable.Range(0, D).Select(i => full[i * D + i])], [c == 0 ? 1.0 : 0.0]) { Covariance = full };
        }
        return classes;
    }

    /// <summary>sum_c p_c E[softplus(r) - y r], r ~ N(M_c, B_c), by a 200-point Gauss-Legendre rule on +- 12 sd.</summary>
    private static double LogisticRisk(IReadOnlyList<DataClass> classes, OverlapSnapshot overlaps)
    {
        double risk = 0;
        for (var c = 0; c < classes.Count; c++)
        {
            var m = overlaps.Means[c][0];
            var s = Math.Sqrt(Math.Max(overlaps.Covariances[c][0], 0));
            var y = classes[c].Labels[0];
            double Loss(double z)
            {
                var r = m + s * z;
                var softplus = r > 0 ? r + Math.Log(1 + Math.Exp(-r)) : Math.Log(1 + Math.Exp(r));
                return (softplus - y * r) * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            }
            risk += classes[c].Probability * (s == 0 ? Loss(0) * Math.Sqrt(2 * Math.PI) : GaussLegendreRule.Integrate(Loss, -12, 12, 200));
        }
        return risk;
    }

    [Fact]
    public void DenseTheoryMatchesSgdOnNonCommutingCovariancesAndTheCommutingApproximationDoesNot()
    {
        var classes = Classes();
        double[] times = [0, 0.5, 1, 2, 3, 4, 6];
        var setup = new DynamicsSetup(new LogisticHardModel(), classes, [], [new double[D]], new HighDimSgd.Core.Dynamics.ConstantSchedule(Rate), times);
        var dense = TheorySolver.Solve(setup, ["risk"], new SolverOptions("dense"));
        // The same dense ODE through the exponential integrator (auto takes it for stiffer problems than this one).
        var exponential = TheorySolver.Solve(setup, ["risk"], new SolverOptions("dense", Stiff: true));
        Assert.Equal(TheorySolver.Exponential, exponential.Integrator);
        var commuting = TheorySolver.Solve(setup, ["risk"], new SolverOptions("eigen"));
        var sgd = SgdEnsemble.Run(new SgdSetup
        {
            Dimension = D,
            Model = setup.Model,
            Classes = classes,
            Teacher = [],
            Init = [new double[D]],
            Horizon = times[^1],
            CheckpointTimes = times,
            Schedule = new HighDimSgd.Simulation.ConstantSchedule(Rate),
            Statistics = new StatisticsEvaluator(["risk"], (overlaps, values) => values[0] = LogisticRisk(classes, overlaps)),
        }, Runs, seed: 9);

        var mean = sgd.MeanOf("risk");
        var se = sgd.StandardErrorOf("risk");
        var theory = dense.Column("risk");
        var approximation = commuting.Column("risk");
        var commutingOutside = false;
        for (var k = 1; k < times.Length; k++)
        {
            // Ensemble noise (4 se) plus the O(1/d) terms the limit drops (1/d of the value).
            var allowed = 4 * se[k] + theory[k] / D;
            output.WriteLine($"t = {times[k]}: dense {theory[k]:F5}, commuting {approximation[k]:F5}, SGD {mean[k]:F5} +- {se[k]:F5} " +
                             $"({(mean[k] - theory[k]) / se[k]:F2} se)");
            Assert.True(Math.Abs(mean[k] - theory[k]) <= allowed, $"t = {times[k]}: dense {theory[k]:G6}, SGD {mean[k]:G6} +- {se[k]:G3}");
            var viaExponential = exponential.Column("risk")[k];
            Assert.True(Math.Abs(mean[k] - viaExponential) <= allowed, $"t = {times[k]}: dense (exprk4) {viaExponential:G6}, SGD {mean[k]:G6} +- {se[k]:G3}");
            commutingOutside |= Math.Abs(mean[k] - approximation[k]) > allowed;
        }
        // The check can fail: the approximation that ignores the non-commuting part is told apart by the same SGD.
        Assert.True(commutingOutside, "the commuting approximation agreed with SGD too: the test would not detect a wrong dense form");
    }
}
