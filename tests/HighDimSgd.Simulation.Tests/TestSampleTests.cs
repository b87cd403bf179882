using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Expectations;
using HighDimSgd.Simulation;

namespace HighDimSgd.Simulation.Tests;

/// <summary>The test sample against the distribution it is drawn from, and its loss and error against closed forms.</summary>
public class TestSampleTests
{
    private static SgdSetup Setup(int d, LeastSquaresModel model, DataClass[] classes) => new()
    {
        Dimension = d,
        Model = model,
        Classes = classes,
        Teacher = [TestProblems.Teacher(d)],
        Init = [new double[d]],
        Horizon = 1,
        CheckpointTimes = [0, 1],
        Schedule = new ConstantSchedule(1),
        Statistics = model.RiskEvaluator(),
    };

    [Fact]
    public void DrawsInputsClassesTeacherProjectionsAndNoiseFromTheDataDistribution()
    {
        const int d = 6, n = 40_000;
        double[] lambda = [0.2, 0.5, 1, 1.5, 2, 4];
        double[] mean = [1, -0.5, 0, 0, 2, 0];
        var classes = new[]
        {
            new DataClass(0.3, mean, lambda, []),
            new DataClass(0.7, new double[d], [.. lambda.Reverse()], []),
        };
        var setup = Setup(d, new LeastSquaresModel(0.5), classes);
        var sample = TestSample.Draw(setup, n, seed: 5);

        var counts = new int[2];
        foreach (var c in sample.Inputs.Classes) counts[c]++;
        var p = counts[0] / (double)n;
        Assert.True(Math.Abs(p - 0.3) < 5 * Math.Sqrt(0.3 * 0.7 / n), $"class 0 frequency {p}");
        for (var c = 0; c < 2; c++)
            for (var i = 0; i < d; i++)
            {
                var values = Enumerable.Range(0, n).Where(k => sample.Inputs.Classes[k] == c).Select(k => sample.Inputs.Row(k)[i]).ToArray();
                var m = values.Average();
                var variance = values.Sum(v => (v - m) * (v - m)) / (values.Length - 1);
                var expectedVariance = classes[c].Eigenvalues[i];
                Assert.True(Math.Abs(m - classes[c].Mean[i]) < 5 * Math.Sqrt(expectedVariance / values.Length), $"class {c}, coordinate {i}: mean {m}");
                Assert.True(Math.Abs(variance - expectedVariance) < 5 * expectedVariance * Math.Sqrt(2.0 / values.Length), $"class {c}, coordinate {i}: variance {variance}");
            }
        var teacher = setup.Teacher[0];
        for (var k = 0; k < n; k += 997)
        {
            var row = sample.Inputs.Row(k).ToArray();
            var dot = Enumerable.Range(0, d).Sum(i => teacher[i] * row[i]);
            Assert.Equal(dot, sample.TeacherProjections[k], 1e-12);
        }
        var noiseMean = sample.Noise.Average();
        var noiseVariance = sample.Noise.Sum(e => (e - noiseMean) * (e - noiseMean)) / (n - 1);
        Assert.True(Math.Abs(noiseMean) < 5 / Math.Sqrt(n) && Math.Abs(noiseVariance - 1) < 5 * Math.Sqrt(2.0 / n), $"noise {noiseMean}, {noiseVariance}");
    }

    [Fact]
    public void SampleStreamsAreFixedBySeedAndDifferFromTheRunStreams()
    {
        var setup = Setup(8, new LeastSquaresModel(0.5), [DataClass.CenteredGaussian(TestProblems.Spread(8, 0.5, 1.5))]);
        var a = TestSample.Draw(setup, 50, seed: 3);
        var b = TestSample.Draw(setup, 50, seed: 3);
        var c = TestSample.Draw(setup, 50, seed: 4);
        Assert.Equal(a.Inputs.Features, b.Inputs.Features);
        Assert.NotEqual(a.Inputs.Features, c.Inputs.Features);
        // Run 0's first normal draws are not the sample's.
        var run = NormalSampler.ForRun(3, 0);
        var first = new double[8];
        run.Fill(first);
        Assert.NotEqual(first[0] * Math.Sqrt(0.5), a.Inputs.Features[0]);
    }

    [Fact]
    public void LeastSquaresLossAndItsStandardErrorMatchTheClosedForm()
    {
        // Residual e = r - r* - omega eps ~ N(0, v), v = (x - x*)^T K (x - x*) + omega^2; loss e^2/2 has mean v/2 and
        // standard deviation v / sqrt 2.
        const int d = 40, n = 50_000;
        const double omega = 0.5;
        var lambda = TestProblems.Spread(d, 0.2, 1.8);
        var model = new LeastSquaresModel(omega);
        var setup = Setup(d, model, [DataClass.CenteredGaussian(lambda)]);
        var student = Enumerable.Range(0, d).Select(i => Math.Sin(i + 1.0) / Math.Sqrt(d)).ToArray();
        var teacher = setup.Teacher[0];
        var v = Enumerable.Range(0, d).Sum(i => (student[i] - teacher[i]) * (student[i] - teacher[i]) * lambda[i]) + omega * omega;

        var estimate = new TestSampleEvaluator(TestSample.Draw(setup, n, seed: 9), model, setup.Classes).Evaluate(student);

        var expectedError = v / Math.Sqrt(2.0 * n);
        Assert.True(Math.Abs(estimate.Loss - v / 2) < 4 * expectedError, $"loss {estimate.Loss} vs {v / 2} (se {expectedError})");
        // The sample standard error estimates v / sqrt(2n) to about sqrt(fourth cumulant / n): a few percent here.
        Assert.True(Math.Abs(estimate.LossError / expectedError - 1) < 0.05, $"standard error {estimate.LossError} vs {expectedError}");
    }

    [Fact]
    public void BinaryClassificationErrorMatchesTheNormalCdf()
    {
        // Classes +-mu (labels 1 and 0), K = diag lambda: r ~ N(+-x.mu, x^T K x), so P(wrong) = Phi(-x.mu / sqrt(x^T K x)).
        const int d = 20, n = 60_000;
        var lambda = TestProblems.Spread(d, 0.5, 1.5);
        var mu = Enumerable.Range(0, d).Select(i => (i % 2 == 0 ? 0.3 : -0.1)).ToArray();
        var classes = new[]
        {
            new DataClass(0.5, mu, lambda, [1.0]),
            new DataClass(0.5, [.. mu.Select(m => -m)], lambda, [0.0]),
        };
        var model = new LabelRegressionModel();
        var setup = new SgdSetup
        {
            Dimension = d,
            Model = model,
            Classes = classes,
            Teacher = [],
            Init = [new double[d]],
            Horizon = 1,
            CheckpointTimes = [0, 1],
            Schedule = new ConstantSchedule(1),
            Statistics = new StatisticsEvaluator(["risk"], (_, values) => values[0] = 0),
        };
        var student = Enumerable.Range(0, d).Select(i => Math.Cos(0.7 * i)).ToArray();
        var margin = Enumerable.Range(0, d).Sum(i => student[i] * mu[i]);
        var spread = Math.Sqrt(Enumerable.Range(0, d).Sum(i => student[i] * student[i] * lambda[i]));
        var expected = StandardNormal.Cdf(-margin / spread);

        var estimate = new TestSampleEvaluator(TestSample.Draw(setup, n, seed: 2), model, classes).Evaluate(student);

        var se = Math.Sqrt(expected * (1 - expected) / n);
        Assert.True(Math.Abs(estimate.Error - expected) < 4 * se, $"error {estimate.Error} vs {expected} (se {se})");
        Assert.Equal(se, estimate.ErrorError, 0.05 * se);
    }
}
