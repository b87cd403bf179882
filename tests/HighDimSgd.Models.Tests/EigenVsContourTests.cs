using HighDimSgd.Core.Dynamics;

namespace HighDimSgd.Models.Tests;

/// <summary>
/// The eigen form (one ODE per eigenvalue group) and the contour form (resolvents on a contour) are different
/// computations of the same limit: on models beyond least squares they must agree too.
/// </summary>
public class EigenVsContourTests
{
    private static DynamicsSetup Setup(string model, int d)
    {
        var loss = BuiltInModels.Create(model);
        var lambda = Enumerable.Range(1, d).Select(i => Math.Pow((double)i / d, 1.2) * 2.2).ToArray();
        double[] Row(int seed, double norm)
        {
            var rng = new Random(seed);
            var v = Enumerable.Range(0, d).Select(_ => rng.NextDouble() - 0.5).ToArray();
            var scale = norm / Math.Sqrt(v.Sum(x => x * x));
            return [.. v.Select(x => x * scale)];
        }
        var teacher = Enumerable.Range(0, loss.TeacherDirections).Select(j => Row(10 + j, 1.5)).ToArray();
        var init = Enumerable.Range(0, loss.StudentDirections).Select(j => Row(20 + j, 0.4)).ToArray();
        var times = Enumerable.Range(0, 11).Select(k => 0.6 * k).ToArray();
        return new DynamicsSetup(loss, [DataClass.CenteredGaussian(lambda)], teacher, init, new ConstantSchedule(1.0), times);
    }

    [Theory]
    [InlineData("logistic")]
    [InlineData("erf-committee-2")]
    public void EigenAndContourFormsAgree(string model)
    {
        var setup = Setup(model, 400);
        var options = new SolverOptions(RelativeTolerance: 1e-10, AbsoluteTolerance: 1e-13);
        string[] statistics = ["risk", "norm", "overlap"];
        var eigen = TheorySolver.Solve(setup, statistics, options with { Method = "eigen" });
        var contour = TheorySolver.Solve(setup, statistics, options with { Method = "contour" });
        Assert.Equal("contour", contour.Method);
        foreach (var name in statistics)
        {
            var gap = eigen.Column(name).Zip(contour.Column(name), (a, b) => Math.Abs(a - b) / Math.Max(Math.Abs(a), 1e-3)).Max();
            Assert.True(gap < 1e-6, $"{model}, {name}: {gap:G3}");
        }
    }
}
