using HighDimSgd.Simulation;

namespace HighDimSgd.Simulation.Tests;

public class HomogenizedSgdTests
{
    private static HomogenizedSetup Setup(int d, double horizon, double gamma, double? timeStep = null, double? refresh = null)
    {
        var problem = TestProblems.LeastSquares(d, horizon, new ConstantSchedule(gamma));
        return new HomogenizedSetup
        {
            Problem = problem,
            Drift = HomogenizedSgd.ClosedFormDrift(problem.Model),
            TimeStep = timeStep,
            RefreshInterval = refresh,
        };
    }

    private static double[] InitialErrorSquared(SgdSetup setup) =>
        setup.Init[0].Zip(setup.Teacher[0], (x, t) => (x - t) * (x - t)).ToArray();

    /// <summary>The mean risk within 4 standard errors of the exact expectation of Euler-Maruyama at the setup's step.</summary>
    private static void AssertMatchesEulerOracle(HomogenizedSetup setup, double gamma, EnsembleResult result)
    {
        var problem = setup.Problem;
        var oracle = LeastSquaresOracle.HomogenizedEulerExpectedRisk(problem.Classes[0].Eigenvalues, InitialErrorSquared(problem),
            0.5, _ => gamma, problem.CheckpointTimes, setup.EffectiveTimeStep);
        var risk = result.MeanOf("risk");
        var error = result.StandardErrorOf("risk");
        for (var k = 1; k < oracle.Length; k++)
        {
            Assert.True(Math.Abs(risk[k] - oracle[k]) < 4 * error[k], $"t = {result.Times[k]}: {risk[k]} vs {oracle[k]} (se {error[k]})");
        }
    }

    [Fact]
    public void EulerMaruyamaMatchesItsExactExpectation()
    {
        const double gamma = 1.2;
        var setup = Setup(d: 200, horizon: 5, gamma);
        var result = HomogenizedSgd.Run(setup, runs: 200, seed: 9);
        AssertMatchesEulerOracle(setup, gamma, result);

        Assert.Empty(result.Divergences);
    }

    [Fact]
    public void AgreesWithSgdOracleAtLargeDimension()
    {
        // Homogenized SGD tracks the d -> infinity dynamics; against the finite-d SGD oracle allow the O(1/d) gap.
        const double gamma = 1.0;
        const int d = 1000;
        var setup = Setup(d, horizon: 3, gamma);
        var result = HomogenizedSgd.Run(setup, runs: 40, seed: 10);
        var problem = setup.Problem;
        var oracle = LeastSquaresOracle.SgdExpectedRisk(problem.Classes[0].Eigenvalues, InitialErrorSquared(problem),
            0.5, _ => gamma, problem.CheckpointTimes);
        var risk = result.MeanOf("risk");
        var error = result.StandardErrorOf("risk");
        for (var k = 1; k < oracle.Length; k++)
        {
            Assert.True(Math.Abs(risk[k] - oracle[k]) < 4 * error[k] + 0.01 * oracle[k], $"t = {result.Times[k]}: {risk[k]} vs {oracle[k]}");
        }
    }

    [Theory]
    [InlineData(1e-9)] // every step
    [InlineData(0.25)] // 50 steps between evaluations of the (B-dependent) Fisher matrix, 16x the default
    public void DriftPiecesRefreshedAtIntervalsMatchTheEulerOracle(double refresh)
    {
        // At gamma = 1.6 the noise term I(B) = E (r - r* - 0.5 eps)^2 moves with the risk.
        const double gamma = 1.6;
        var setup = Setup(d: 200, horizon: 4, gamma, refresh: refresh);
        Assert.Equal(refresh < 0.005 ? 1 : 50, setup.StepsPerRefresh);
        var result = HomogenizedSgd.Run(setup, runs: 300, seed: 13);
        AssertMatchesEulerOracle(setup, gamma, result);
    }

    [Fact]
    public void RefreshedPiecesFollowTheEveryStepRunOnTheSameNoise()
    {
        // Both runs draw the same normals, so their gap is the refresh's own error, free of sampling noise: 0.11 % at the
        // default interval (15 steps here), 1.8 % at an interval of 0.25, which the check must tell apart.
        Assert.InRange(RefreshGap(HomogenizedSetup.DefaultRefreshInterval), 0, 2e-3);
        Assert.InRange(RefreshGap(0.25), 5e-3, 1);
    }

    private static double RefreshGap(double refresh)
    {
        const double gamma = 1.6;
        var everyStep = HomogenizedSgd.Run(Setup(d: 1000, horizon: 2, gamma, refresh: 1e-9), runs: 4, seed: 21).MeanOf("risk");
        var refreshed = HomogenizedSgd.Run(Setup(d: 1000, horizon: 2, gamma, refresh: refresh), runs: 4, seed: 21).MeanOf("risk");
        return everyStep.Zip(refreshed, (a, b) => Math.Abs(a - b) / a).Max();
    }

    [Fact]
    public void LargerTimeStepStillMatchesItsOwnOracle()
    {
        const double gamma = 1.0;
        var setup = Setup(d: 100, horizon: 4, gamma, timeStep: 0.05);
        var result = HomogenizedSgd.Run(setup, runs: 300, seed: 12);
        AssertMatchesEulerOracle(setup, gamma, result);
    }

    [Fact]
    public void MixturesAreRejected()
    {
        var setup = Setup(d: 10, horizon: 1, 1.0);
        var shifted = setup.Problem.Classes[0] with { Mean = Enumerable.Repeat(0.1, 10).ToArray() };
        Assert.Throws<ArgumentException>(() => HomogenizedSgd.Run(setup with { Problem = setup.Problem with { Classes = [shifted] } }, 1, 1));
    }
}
