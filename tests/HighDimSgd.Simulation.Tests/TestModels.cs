using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Models;
using HighDimSgd.Simulation;

namespace HighDimSgd.Simulation.Tests;

/// <summary>Hand-written least squares, f = (r - r* - omega eps)^2 / 2, independent of the generated models.</summary>
internal sealed class LeastSquaresModel(double noise) : LossModel
{
    public double Noise { get; } = noise;

    public override string Name => "least-squares (test)";

    public override int StudentDirections => 1;

    public override int TeacherDirections => 1;

    public override int NoiseCount => 1;

    public override int LabelCount => 0;

    public override double Loss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y)
    {
        var residual = r[0] - rstar[0] - Noise * eps[0];
        return 0.5 * residual * residual;
    }

    public override double LossAndGradient(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient)
    {
        var residual = r[0] - rstar[0] - Noise * eps[0];
        gradient[0] = residual;
        return 0.5 * residual * residual;
    }

    public override bool HasClosedFormFisher => true;

    public override bool HasClosedFormGradientCross => true;

    // I = E (r - r* - omega eps)^2 = B_xx - 2 B_x* + B_** + omega^2.
    public override void ExpectedFisher(ReadOnlySpan<double> b, Span<double> fisher) =>
        fisher[0] = b[0] - 2 * b[1] + b[3] + Noise * Noise;

    // E[(r - r*) (r, r*)] = (B_xx - B_x*, B_x* - B_**).
    public override void ExpectedGradientCross(ReadOnlySpan<double> b, Span<double> cross)
    {
        cross[0] = b[0] - b[1];
        cross[1] = b[1] - b[3];
    }

    /// <summary>h(B) = (B_xx - 2 B_x* + B_**)/2 + omega^2/2 as a statistics evaluator with one column "risk".</summary>
    public StatisticsEvaluator RiskEvaluator() => new(["risk"], (overlaps, values) =>
    {
        var b = overlaps.Covariances[0];
        values[0] = 0.5 * (b[0] - 2 * b[1] + b[3]) + 0.5 * Noise * Noise;
    });
}

/// <summary>Regression on a free label with no teacher: f = (r - y)^2 / 2 (l = 1, l* = 0, one label).</summary>
internal sealed class LabelRegressionModel : LossModel
{
    public override string Name => "label-regression (test)";

    public override int StudentDirections => 1;

    public override int TeacherDirections => 0;

    public override int NoiseCount => 0;

    public override int LabelCount => 1;

    public override double Loss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y) =>
        0.5 * (r[0] - y[0]) * (r[0] - y[0]);

    public override double LossAndGradient(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient)
    {
        gradient[0] = r[0] - y[0];
        return 0.5 * gradient[0] * gradient[0];
    }
}

internal static class TestProblems
{
    /// <summary>Eigenvalues spread evenly over [low, high].</summary>
    public static double[] Spread(int d, double low, double high) =>
        Enumerable.Range(0, d).Select(i => low + (high - low) * i / Math.Max(1, d - 1)).ToArray();

    /// <summary>A teacher with entries +-1/sqrt(d) from a fixed pattern (norm 1).</summary>
    public static double[] Teacher(int d) =>
        Enumerable.Range(0, d).Select(i => ((i * 7919) % 3 == 0 ? -1.0 : 1.0) / Math.Sqrt(d)).ToArray();

    public static double[] Times(double horizon, int count) =>
        Enumerable.Range(0, count + 1).Select(i => horizon * i / count).ToArray();

    public static SgdSetup LeastSquares(int d, double horizon, IStepSchedule schedule, double noise = 0.5, int checkpoints = 10)
    {
        var model = new LeastSquaresModel(noise);
        return new SgdSetup
        {
            Dimension = d,
            Model = model,
            Classes = [DataClass.CenteredGaussian(Spread(d, 0.2, 1.8))],
            Teacher = [Teacher(d)],
            Init = [new double[d]],
            Horizon = horizon,
            CheckpointTimes = Times(horizon, checkpoints),
            Schedule = schedule,
            Statistics = model.RiskEvaluator(),
        };
    }
}
