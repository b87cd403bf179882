using HighDimSgd.Core.Models;

namespace HighDimSgd.Benchmarks;

/// <summary>f = (r - r* - omega eps)^2 / 2.</summary>
internal sealed class LeastSquaresBenchmarkModel : LossModel
{
    private const double Noise = 0.5;

    public override string Name => "least-squares";

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
}

/// <summary>Logistic regression on a noisy teacher sign: y = step(r* + omega eps), f = log(1 + e^r) - y r.</summary>
internal sealed class LogisticBenchmarkModel : LossModel
{
    private const double Noise = 0.3;

    public override string Name => "logistic";

    public override int StudentDirections => 1;

    public override int TeacherDirections => 1;

    public override int NoiseCount => 1;

    public override int LabelCount => 0;

    public override double Loss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y) =>
        Softplus(r[0]) - Label(rstar[0], eps[0]) * r[0];

    public override double LossAndGradient(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient)
    {
        var label = Label(rstar[0], eps[0]);
        gradient[0] = 1.0 / (1.0 + Math.Exp(-r[0])) - label;
        return Softplus(r[0]) - label * r[0];
    }

    private static double Label(double rstar, double eps) => rstar + Noise * eps > 0 ? 1.0 : 0.0;

    private static double Softplus(double r) => r > 0 ? r + double.LogP1(Math.Exp(-r)) : double.LogP1(Math.Exp(r));
}
