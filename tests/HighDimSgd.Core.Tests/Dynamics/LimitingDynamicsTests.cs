using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;
using HighDimSgd.Core.Tests.Expectations;

namespace HighDimSgd.Core.Tests.Dynamics;

public class LimitingDynamicsTests
{
    private const double Noise = 0.5;

    private static DynamicsSetup LeastSquares(double[] eigenvalues, double rate, double horizon, int points = 21,
        StepSizeSchedule? schedule = null, double noise = Noise)
    {
        var d = eigenvalues.Length;
        var teacher = Enumerable.Range(0, d).Select(i => (i % 2 == 0 ? 1.0 : -1.0) / Math.Sqrt(d)).ToArray();
        var init = new double[d];
        var times = Enumerable.Range(0, points).Select(k => horizon * k / (points - 1)).ToArray();
        return new DynamicsSetup(new SumLeastSquares(1, 1, noise),
            [new DataClass(1.0, new double[d], eigenvalues, [])], [teacher], [init],
            schedule ?? new ConstantSchedule(rate), times);
    }

    /// <summary>Exact E[L(X_k)] for least squares at finite d (theory.md section 9).</summary>
    private static double[] Oracle(double[] lambda, double[] teacher, double rate, double[] times)
    {
        var d = lambda.Length;
        var h = rate / d;
        var v = teacher.Select(x => x * x).ToArray();
        var risks = new double[times.Length];
        var step = 0;
        for (var k = 0; k < times.Length; k++)
        {
            var target = (int)Math.Round(times[k] * d);
            for (; step < target; step++)
            {
                double weighted = 0;
                for (var j = 0; j < d; j++) weighted += lambda[j] * v[j];
                for (var i = 0; i < d; i++)
                {
                    var shrink = 1 - h * lambda[i];
                    v[i] = shrink * shrink * v[i] + h * h * (lambda[i] * lambda[i] * v[i] + lambda[i] * weighted + lambda[i] * Noise * Noise);
                }
            }
            double risk = Noise * Noise / 2;
            for (var i = 0; i < d; i++) risk += 0.5 * lambda[i] * v[i];
            risks[k] = risk;
        }
        return risks;
    }

    private static double[] PowerLaw(int d, double exponent) =>
        [.. Enumerable.Range(1, d).Select(i => Math.Pow((double)i / d, exponent))];

    private static double MaxRelativeGap(double[] a, double[] b) =>
        a.Zip(b, (x, y) => Math.Abs(x - y) / Math.Abs(y)).Max();

    [Fact]
    public void LeastSquaresOdeMatchesTheFiniteDimensionalOracleAndTheGapShrinks()
    {
        var gaps = new List<double>();
        foreach (var d in new[] { 250, 1000, 4000 })
        {
            var setup = LeastSquares(PowerLaw(d, 0.8), rate: 1.5, horizon: 5);
            var theory = TheorySolver.Solve(setup, ["risk"], new SolverOptions(Method: "eigen"));
            Assert.True(theory.Status == HighDimSgd.Core.Ode.OdeStatus.Completed, theory.StopReason);
            var oracle = Oracle(setup.Classes[0].Eigenvalues, setup.Teacher[0], 1.5, setup.OutputTimes);
            gaps.Add(MaxRelativeGap(theory.Column("risk"), oracle));
        }
        Assert.True(gaps[2] < 5e-3, $"gap at d = 4000 is {gaps[2]:G3}");
        Assert.True(gaps[0] > gaps[1] && gaps[1] > gaps[2], $"gaps {string.Join(", ", gaps)} should fall with d");
    }

    public static TheoryData<string> Spectra => ["identity", "power-law", "sigma-power", "marchenko-pastur"];

    [Theory]
    [MemberData(nameof(Spectra))]
    public void EigenAndContourFormsAgree(string kind)
    {
        const int d = 1500;
        SpectrumSpec spec = kind switch
        {
            "identity" => new IdentitySpectrum(),
            "power-law" => new PowerLawSpectrum(1.2),
            "sigma-power" => new SigmaPowerSpectrum(2, 0.1, 1.7),
            _ => new MarchenkoPasturSpectrum(0.5),
        };
        var lambda = SpectrumBuilder.Eigenvalues(spec, d, ".");
        var setup = LeastSquares(lambda, rate: 1.0, horizon: 10);
        var options = new SolverOptions(RelativeTolerance: 1e-10, AbsoluteTolerance: 1e-13);
        var eigen = TheorySolver.Solve(setup, ["risk", "norm"], options with { Method = "eigen" });
        var contour = TheorySolver.Solve(setup, ["risk", "norm"], options with { Method = "contour" });
        Assert.Equal("contour", contour.Method);
        Assert.True(MaxRelativeGap(contour.Column("risk"), eigen.Column("risk")) < 1e-6);
        Assert.True(MaxRelativeGap(contour.Column("norm")[1..], eigen.Column("norm")[1..]) < 1e-6);
    }

    [Fact]
    public void IdentitySpectrumCollapsesToOneGroup()
    {
        var setup = LeastSquares(Enumerable.Repeat(1.0, 800).ToArray(), 1, 1);
        Assert.Equal(1, new EigenRepresentation(setup).GroupCount);
    }

    [Fact]
    public void StepSizePastTheThresholdIsReportedAsDivergence()
    {
        // Least squares diverges for gamma > 2 / (Tr K / d) = 2 here.
        var setup = LeastSquares(Enumerable.Repeat(1.0, 100).ToArray(), rate: 2.6, horizon: 200);
        var theory = TheorySolver.Solve(setup, ["risk"]);
        Assert.True(theory.Diverged);
        Assert.True(theory.StopTime < 200);
        var stable = TheorySolver.Solve(LeastSquares(Enumerable.Repeat(1.0, 100).ToArray(), rate: 1.9, horizon: 200), ["risk"]);
        Assert.False(stable.Diverged);
    }

    [Fact]
    public void StabilityThresholdOfLeastSquaresIsTwoOverMeanEigenvalue()
    {
        // Noiseless least squares: A = tr I = 2h, so 2A / ((Tr K/d) tr I) = 2 / (Tr K/d) at every time.
        var lambda = PowerLaw(500, 1.0);
        var mean = lambda.Average();
        var setup = LeastSquares(lambda, rate: 0.5, horizon: 3, noise: 0);
        var theory = TheorySolver.Solve(setup, ["lr_threshold"]);
        foreach (var value in theory.Column("lr_threshold")) Assert.Equal(2 / mean, value, 6);
    }

    [Fact]
    public void AdaGradNormRateFollowsItsIntegralOfTheFisherTrace()
    {
        // With K = I and gamma_t = eta / sqrt(b^2 + int 2L): check d/dt (eta/gamma)^2 = 2 L(t) numerically.
        var setup = LeastSquares(Enumerable.Repeat(1.0, 200).ToArray(), 0, horizon: 4, points: 401,
            schedule: new AdaGradNormSchedule(eta: 1.0, b0: 0.5));
        var theory = TheorySolver.Solve(setup, ["risk", "lr"]);
        var lr = theory.Column("lr");
        var risk = theory.Column("risk");
        var times = theory.Times;
        for (var k = 50; k < 400; k += 50)
        {
            var derivative = (Math.Pow(1 / lr[k + 1], 2) - Math.Pow(1 / lr[k - 1], 2)) / (times[k + 1] - times[k - 1]);
            Assert.Equal(2 * risk[k], derivative, 3);
        }
    }

    [Fact]
    public void KernelMomentsAgreeBetweenFormsAndReduceToTheNormOnIdentity()
    {
        var lambda = PowerLaw(1200, 1.0);
        var setup = LeastSquares(lambda, rate: 1.0, horizon: 5);
        var options = new SolverOptions(RelativeTolerance: 1e-10, AbsoluteTolerance: 1e-13);
        string[] statistics = ["moment1", "moment2", "moment3"];
        var eigen = TheorySolver.Solve(setup, statistics, options with { Method = "eigen" });
        var contour = TheorySolver.Solve(setup, statistics, options with { Method = "contour" });
        foreach (var name in statistics)
            Assert.True(MaxRelativeGap(contour.Column(name)[1..], eigen.Column(name)[1..]) < 1e-6, name);
        // tr(X K X^T) is B_xx: with K = I every moment is the squared norm.
        var identity = TheorySolver.Solve(LeastSquares(Enumerable.Repeat(1.0, 300).ToArray(), 1.0, 3), ["norm", "moment2", "moment3"]);
        Assert.True(MaxRelativeGap(identity.Column("moment2")[1..], identity.Column("norm")[1..]) < 1e-14);
        Assert.True(MaxRelativeGap(identity.Column("moment3")[1..], identity.Column("norm")[1..]) < 1e-14);
    }
}
