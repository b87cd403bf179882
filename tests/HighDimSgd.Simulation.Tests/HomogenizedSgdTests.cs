using HighDimSgd.Simulation;

namespace HighDimSgd.Simulation.Tests;

public class HomogenizedSgdTests
{
    private static HomogenizedSetup Setup(int d, double horizon, double gamma, double? timeStep = null)
    {
        var problem = TestProblems.LeastSquares(d, horizon, new ConstantSchedule(gamma));
        return new HomogenizedSetup
        {
            Problem = problem,
            Drift = HomogenizedSgd.ClosedFormDrift(problem.Model),
            TimeStep = timeStep,
        };
    }

    private static double[] InitialErrorSquared(SgdSetup setup) =>
        setup.Init[0].Zip(setup.Teacher[0], (x, t) => (x - t) * (x - t)).ToArray();

    [Fact]
    public void EulerMaruyamaMatchesItsExactExpectation()
    {
        const double gamma = 1.2;
        var setup = Setup(d: 200, horizon: 5, gamma);
        var result = HomogenizedSgd.Run(setup, runs: 200, seed: 9);
        var problem = setup.Problem;
        var oracle = LeastSquaresOracle.HomogenizedEulerExpectedRisk(problem.Classes[0].Eigenvalues, InitialErrorSquared(problem),
            0.5, _ => gamma, problem.CheckpointTimes, setup.EffectiveTimeStep);
        var risk = result.MeanOf("risk");
        var error = result.StandardErrorOf("risk");
        for (var k = 1; k < oracle.Length; k++)
        {
            Assert.True(Math.Abs(risk[k] - oracle[k]) < 4 * error[k], $"t = {result.Times[k]}: {risk[k]} vs {oracle[k]} (se {error[k]})");
        }

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

    [Fact]
    public void LargerTimeStepStillMatchesItsOwnOracle()
    {
        const double gamma = 1.0;
        var setup = Setup(d: 100, horizon: 4, gamma, timeStep: 0.05);
        var result = HomogenizedSgd.Run(setup, runs: 300, seed: 12);
        var problem = setup.Problem;
        var oracle = LeastSquaresOracle.HomogenizedEulerExpectedRisk(problem.Classes[0].Eigenvalues, InitialErrorSquared(problem),
            0.5, _ => gamma, problem.CheckpointTimes, 0.05);
        var risk = result.MeanOf("risk");
        var error = result.StandardErrorOf("risk");
        for (var k = 1; k < oracle.Length; k++)
        {
            Assert.True(Math.Abs(risk[k] - oracle[k]) < 4 * error[k], $"t = {result.Times[k]}: {risk[k]} vs {oracle[k]} (se {error[k]})");
        }
    }

    [Fact]
    public void MixturesAreRejected()
    {
        var setup = Setup(d: 10, horizon: 1, 1.0);
        var shifted = setup.Problem.Classes[0] with { Mean = Enumerable.Repeat(0.1, 10).ToArray() };
        Assert.Throws<ArgumentException>(() => HomogenizedSgd.Run(setup with { Problem = setup.Problem with { Classes = [shifted] } }, 1, 1));
    }
}
