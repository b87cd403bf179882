using HighDimSgd.Core.Dynamics;
using HighDimSgd.Simulation;

namespace HighDimSgd.Simulation.Tests;

public class SgdSimulatorTests
{
    private static double[] InitialErrorSquared(SgdSetup setup) =>
        setup.Init[0].Zip(setup.Teacher[0], (x, t) => (x - t) * (x - t)).ToArray();

    [Fact]
    public void MeanRiskMatchesExactFiniteDimensionalOracle()
    {
        const double gamma = 0.8;
        var setup = TestProblems.LeastSquares(d: 200, horizon: 5, new ConstantSchedule(gamma));
        var result = SgdEnsemble.Run(setup, runs: 200, seed: 2024);
        var oracle = LeastSquaresOracle.SgdExpectedRisk(setup.Classes[0].Eigenvalues, InitialErrorSquared(setup),
            0.5, _ => gamma, setup.CheckpointTimes);

        var risk = result.MeanOf("risk");
        var error = result.StandardErrorOf("risk");
        Assert.Equal(oracle[0], risk[0], 12);
        for (var k = 1; k < oracle.Length; k++)
        {
            Assert.True(Math.Abs(risk[k] - oracle[k]) < 4 * error[k],
                $"t = {result.Times[k]}: SGD {risk[k]:g6} +- {error[k]:g3}, oracle {oracle[k]:g6}");
        }

        // The risk must actually move: from about ||X*||^2 / 2 down towards the noise floor.
        Assert.True(oracle[^1] < 0.6 * oracle[0], $"oracle {oracle[0]} -> {oracle[^1]}");
        Assert.Empty(result.Divergences);
        Assert.All(Enumerable.Range(0, result.Times.Count), k => Assert.Equal(200, result.Count(k)));
    }

    [Fact]
    public void TimeVaryingScheduleMatchesOracle()
    {
        Func<double, double> rate = t => 1.5 / (1 + t);
        var setup = TestProblems.LeastSquares(d: 200, horizon: 4, new FormulaSchedule(rate));
        var result = SgdEnsemble.Run(setup, runs: 150, seed: 7);
        var oracle = LeastSquaresOracle.SgdExpectedRisk(setup.Classes[0].Eigenvalues, InitialErrorSquared(setup),
            0.5, rate, setup.CheckpointTimes);
        var risk = result.MeanOf("risk");
        var error = result.StandardErrorOf("risk");
        for (var k = 1; k < oracle.Length; k++)
        {
            Assert.True(Math.Abs(risk[k] - oracle[k]) < 4 * error[k], $"t = {result.Times[k]}: {risk[k]} vs {oracle[k]} (se {error[k]})");
        }

        var lr = result.MeanOf("lr");
        for (var k = 0; k < lr.Length; k++)
        {
            Assert.Equal(rate(result.Times[k]), lr[k], 12);
        }
    }

    [Fact]
    public void AdaGradNormIsReproducibleAcrossSchedulingAndSeedsDiffer()
    {
        var baseSetup = TestProblems.LeastSquares(d: 100, horizon: 2, new AdaGradNormSchedule(eta: 1.0, b0: 0.5));
        var serial = SgdEnsemble.Run(baseSetup with { MaxDegreeOfParallelism = 1 }, runs: 12, seed: 42);
        var parallel = SgdEnsemble.Run(baseSetup with { MaxDegreeOfParallelism = 4 }, runs: 12, seed: 42);
        var other = SgdEnsemble.Run(baseSetup, runs: 12, seed: 43);
        for (var k = 0; k < serial.Times.Count; k++)
        {
            for (var c = 0; c < serial.Columns.Count; c++)
            {
                Assert.Equal(serial.Mean(k, c), parallel.Mean(k, c));
                Assert.Equal(serial.StandardError(k, c), parallel.StandardError(k, c));
            }
        }

        var simulator = new SgdSimulator(baseSetup);
        Assert.Equal(simulator.Run(42, 3).Values[^1], simulator.Run(42, 3).Values[^1]);
        Assert.NotEqual(serial.Mean(serial.Times.Count - 1, 0), other.Mean(other.Times.Count - 1, 0));
        // gamma_0 = eta / b0 before any gradient; it then decreases.
        var lr = serial.MeanOf("lr");
        Assert.Equal(2.0, lr[0], 12);
        Assert.True(lr[^1] < lr[1] && lr[1] < lr[0]);
    }

    [Fact]
    public void AdaGradNormMatchesItsDeterministicEquivalentAtLargeDimension()
    {
        // K = I least squares: D = ||X - X*||^2 obeys dD/dt = -2 gamma D + gamma^2 (D + w^2) and AdaGrad-Norm's
        // gamma_t = eta / sqrt(b^2 + int_0^t (D + w^2) ds) (theory.md sections 4, 5 with Tr K / d = 1, I = 2L).
        const int d = 1000;
        const double eta = 1.0, b0 = 1.0, w = 0.5, horizon = 3;
        var model = new LeastSquaresModel(w);
        var setup = new SgdSetup
        {
            Dimension = d,
            Model = model,
            Classes = [DataClass.CenteredGaussian(Enumerable.Repeat(1.0, d).ToArray())],
            Teacher = [TestProblems.Teacher(d)],
            Init = [new double[d]],
            Horizon = horizon,
            CheckpointTimes = TestProblems.Times(horizon, 6),
            Schedule = new AdaGradNormSchedule(eta, b0),
            Statistics = model.RiskEvaluator(),
        };
        var result = SgdEnsemble.Run(setup, runs: 40, seed: 11);

        var (risk, rate) = IntegrateAdaGradOde(eta, b0, w, setup.CheckpointTimes);
        var simulatedRisk = result.MeanOf("risk");
        var simulatedRate = result.MeanOf("lr");
        var riskError = result.StandardErrorOf("risk");
        for (var k = 0; k < risk.Length; k++)
        {
            // Allow 4 standard errors plus the O(1/d) gap between finite d and the limit.
            Assert.True(Math.Abs(simulatedRisk[k] - risk[k]) < 4 * riskError[k] + 5.0 / d * risk[k],
                $"t = {result.Times[k]}: risk {simulatedRisk[k]} vs ODE {risk[k]}");
            Assert.True(Math.Abs(simulatedRate[k] - rate[k]) < 0.01 * rate[k], $"t = {result.Times[k]}: lr {simulatedRate[k]} vs ODE {rate[k]}");
        }
    }

    private static (double[] Risk, double[] Rate) IntegrateAdaGradOde(double eta, double b0, double w, double[] times)
    {
        // State (D, S) with S = int (D + w^2); classical RK4 with a small fixed step.
        const double h = 1e-4;
        double distance = 1.0, integral = 0.0, t = 0.0;
        var risk = new double[times.Length];
        var rate = new double[times.Length];
        (double, double) Rhs(double dd, double s)
        {
            var g = eta / Math.Sqrt(b0 * b0 + s);
            return (-2 * g * dd + g * g * (dd + w * w), dd + w * w);
        }

        for (var k = 0; k < times.Length; k++)
        {
            while (t < times[k] - h / 2)
            {
                var (k1d, k1s) = Rhs(distance, integral);
                var (k2d, k2s) = Rhs(distance + h / 2 * k1d, integral + h / 2 * k1s);
                var (k3d, k3s) = Rhs(distance + h / 2 * k2d, integral + h / 2 * k2s);
                var (k4d, k4s) = Rhs(distance + h * k3d, integral + h * k3s);
                distance += h / 6 * (k1d + 2 * k2d + 2 * k3d + k4d);
                integral += h / 6 * (k1s + 2 * k2s + 2 * k3s + k4s);
                t += h;
            }

            risk[k] = 0.5 * (distance + w * w);
            rate[k] = eta / Math.Sqrt(b0 * b0 + integral);
        }

        return (risk, rate);
    }

    [Fact]
    public void MixtureClassesAreSampledWithTheirProbabilitiesAndMeans()
    {
        // a = c mu exactly (zero class variances), label y = 1 for both classes, f = (r - y)^2/2. Then
        // m = X . mu follows m <- m - q (m - c) with q = gamma ||mu||^2 / d, c = +-1 with P(+1) = p,
        // so E m_k = (2p - 1)(1 - (1 - q)^k).
        const int d = 50;
        const double p = 0.7, gamma = 0.5, horizon = 4;
        var mu = Enumerable.Range(0, d).Select(i => (i % 2 == 0 ? 1.0 : -1.0) / Math.Sqrt(d)).ToArray();
        var zero = new double[d];
        var statistics = new StatisticsEvaluator(["m"], (overlaps, values) => values[0] = overlaps.Means[0][0]);
        var setup = new SgdSetup
        {
            Dimension = d,
            Model = new LabelRegressionModel(),
            Classes =
            [
                new DataClass(p, mu, zero, [1.0]),
                new DataClass(1 - p, mu.Select(x => -x).ToArray(), zero, [1.0]),
            ],
            Teacher = [],
            Init = [new double[d]],
            Horizon = horizon,
            CheckpointTimes = TestProblems.Times(horizon, 4),
            Schedule = new ConstantSchedule(gamma),
            Statistics = statistics,
        };
        var result = SgdEnsemble.Run(setup, runs: 400, seed: 5);
        var q = gamma * 1.0 / d;
        var mean = result.MeanOf("m");
        var error = result.StandardErrorOf("m");
        for (var k = 1; k < mean.Length; k++)
        {
            var steps = Math.Round(result.Times[k] * d);
            var expected = (2 * p - 1) * (1 - Math.Pow(1 - q, steps));
            Assert.True(Math.Abs(mean[k] - expected) < 4 * error[k], $"t = {result.Times[k]}: {mean[k]} vs {expected} (se {error[k]})");
        }
    }

    [Fact]
    public void OverlapsMatchDirectSums()
    {
        const int d = 37;
        var rng = new System.Random(3);
        double[] Vector() => Enumerable.Range(0, d).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var eigenvalues = Vector().Select(Math.Abs).ToArray();
        var mean = Vector();
        var x = Vector();
        var teacher = Vector();
        double[]? captured = null;
        double[]? capturedMean = null;
        double[]? capturedNorms = null;
        var statistics = new StatisticsEvaluator(["none"], (overlaps, values) =>
        {
            captured = overlaps.Covariances[0].ToArray();
            capturedMean = overlaps.Means[0].ToArray();
            capturedNorms = overlaps.Norms.ToArray();
            values[0] = 0;
        });
        var setup = new SgdSetup
        {
            Dimension = d,
            Model = new LeastSquaresModel(0),
            Classes = [new DataClass(1.0, mean, eigenvalues, [])],
            Teacher = [teacher],
            Init = [x],
            Horizon = 0,
            CheckpointTimes = [0.0],
            Schedule = new ConstantSchedule(1),
            Statistics = statistics,
        };
        new SgdSimulator(setup).Run(1);
        double Sum(Func<int, double> term) => Enumerable.Range(0, d).Sum(term);
        Assert.Equal(Sum(i => eigenvalues[i] * x[i] * x[i]), captured![0], 12);
        Assert.Equal(Sum(i => eigenvalues[i] * x[i] * teacher[i]), captured[1], 12);
        Assert.Equal(captured[1], captured[2]);
        Assert.Equal(Sum(i => eigenvalues[i] * teacher[i] * teacher[i]), captured[3], 12);
        Assert.Equal(Sum(i => mean[i] * x[i]), capturedMean![0], 12);
        Assert.Equal(Sum(i => mean[i] * teacher[i]), capturedMean[1], 12);
        Assert.Equal(Sum(i => x[i] * teacher[i]), capturedNorms![1], 12);
    }

    [Fact]
    public void DivergentRunsStopAndAreReported()
    {
        // gamma far above the stability limit 2 / (Tr K / d) = 2.
        var setup = TestProblems.LeastSquares(d: 50, horizon: 20, new ConstantSchedule(20.0)) with { DivergenceNormLimit = 1e6 };
        var result = SgdEnsemble.Run(setup, runs: 4, seed: 1);
        Assert.Equal(4, result.Divergences.Count);
        Assert.Equal([0, 1, 2, 3], result.Divergences.Select(x => x.Run));
        Assert.All(result.Divergences, x => Assert.InRange(x.Time, 0.0, 20.0));
        Assert.Equal(0, result.Count(result.Times.Count - 1));
        Assert.True(double.IsNaN(result.Mean(result.Times.Count - 1, 0)));
        Assert.Equal(4, result.Count(0));
    }

    [Fact]
    public void ProgressReachesOne()
    {
        var reports = new List<double>();
        var progress = new SynchronousProgress(reports);
        SgdEnsemble.Run(TestProblems.LeastSquares(d: 30, horizon: 2, new ConstantSchedule(1.0)), runs: 3, seed: 1, progress);
        Assert.NotEmpty(reports);
        Assert.Equal(1.0, reports[^1]);
        Assert.All(reports, r => Assert.InRange(r, 0.0, 1.0));
    }

    [Fact]
    public void InvalidSetupsAreRejected()
    {
        var setup = TestProblems.LeastSquares(d: 10, horizon: 1, new ConstantSchedule(1.0));
        Assert.Throws<ArgumentException>(() => new SgdSimulator(setup with { Init = [new double[9]] }));
        Assert.Throws<ArgumentException>(() => new SgdSimulator(setup with { CheckpointTimes = [0.5, 0.2] }));
        Assert.Throws<ArgumentException>(() => new SgdSimulator(setup with { CheckpointTimes = [2.0] }));
        Assert.Throws<ArgumentException>(() => new SgdSimulator(setup with { Classes = [setup.Classes[0] with { Probability = 0.5 }] }));
    }

    private sealed class SynchronousProgress(List<double> reports) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
