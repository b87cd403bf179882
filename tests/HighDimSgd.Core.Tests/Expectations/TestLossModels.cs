using HighDimSgd.Core.Models;

namespace HighDimSgd.Core.Tests.Expectations;

/// <summary>
/// Generalised least squares f = u^2 / 2 with u = sum_i r_i - sum_j r*_j - w eps. With x ~ N(M, B):
/// u ~ N(mu, s^2), mu = a.M, s^2 = a^T B a + w^2 (a = (1..1, -1..-1)), so E f = (mu^2 + s^2)/2,
/// E grad_i = mu, Fisher_ij = mu^2 + s^2, cross_ij = (B a)_j.
/// </summary>
internal sealed class SumLeastSquares(int students, int teachers, double noise, bool closedForms = false) : LossModel
{
    public override string Name => "sum-least-squares";
    public override int StudentDirections => students;
    public override int TeacherDirections => teachers;
    public override int NoiseCount => noise == 0 ? 0 : 1;
    public override int LabelCount => 0;

    private double Residual(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps)
    {
        var u = 0.0;
        foreach (var v in r) u += v;
        foreach (var v in rstar) u -= v;
        return NoiseCount == 1 ? u - noise * eps[0] : u;
    }

    public override double Loss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y)
    {
        var u = Residual(r, rstar, eps);
        return 0.5 * u * u;
    }

    public override double LossAndGradient(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient)
    {
        var u = Residual(r, rstar, eps);
        gradient[..students].Fill(u);
        return 0.5 * u * u;
    }

    public double[] Direction => [.. Enumerable.Repeat(1.0, students), .. Enumerable.Repeat(-1.0, teachers)];

    public (double Mean, double Variance) ResidualMoments(double[] mean, double[] b)
    {
        var a = Direction;
        var n = a.Length;
        double mu = 0, s2 = noise * noise;
        for (var i = 0; i < n; i++)
        {
            mu += a[i] * mean[i];
            for (var j = 0; j < n; j++) s2 += a[i] * b[i * n + j] * a[j];
        }
        return (mu, s2);
    }

    public double[] ExactCross(double[] b)
    {
        var a = Direction;
        var n = a.Length;
        var cross = new double[students * n];
        for (var i = 0; i < students; i++)
            for (var j = 0; j < n; j++)
                for (var k = 0; k < n; k++) cross[i * n + j] += b[j * n + k] * a[k];
        return cross;
    }

    public override bool HasClosedFormLoss => closedForms;
    public override bool HasClosedFormFisher => closedForms;
    public override bool HasClosedFormGradientCross => closedForms;

    // Deliberately offset by ClosedFormMarker so a test can tell which path produced the numbers.
    public const double ClosedFormMarker = 1000.0;

    public override double ExpectedLoss(ReadOnlySpan<double> b) => 0.5 * ResidualMoments(new double[StateDimension], b.ToArray()).Variance + ClosedFormMarker;

    public override void ExpectedFisher(ReadOnlySpan<double> b, Span<double> fisher) =>
        fisher.Fill(ResidualMoments(new double[StateDimension], b.ToArray()).Variance + ClosedFormMarker);

    public override void ExpectedGradientCross(ReadOnlySpan<double> b, Span<double> cross)
    {
        var exact = ExactCross(b.ToArray());
        for (var i = 0; i < exact.Length; i++) cross[i] = exact[i] + ClosedFormMarker;
    }
}

/// <summary>Logistic-type loss f = softplus(r) - sigmoid(r*) r, gradient sigmoid(r) - sigmoid(r*).</summary>
internal sealed class SoftLogistic : LossModel
{
    public override string Name => "soft-logistic";
    public override int StudentDirections => 1;
    public override int TeacherDirections => 1;
    public override int NoiseCount => 0;
    public override int LabelCount => 0;

    public static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public override double Loss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y) =>
        Softplus(r[0]) - Sigmoid(rstar[0]) * r[0];

    public override double LossAndGradient(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient)
    {
        gradient[0] = Sigmoid(r[0]) - Sigmoid(rstar[0]);
        return Loss(r, rstar, eps, y);
    }
}

/// <summary>Hard-label logistic f = softplus(r) - y r with a free label y (as in mixtures).</summary>
internal sealed class LabelledLogistic : LossModel
{
    public override string Name => "labelled-logistic";
    public override int StudentDirections => 1;
    public override int TeacherDirections => 0;
    public override int NoiseCount => 0;
    public override int LabelCount => 1;

    public override double Loss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y) =>
        SoftLogistic.Softplus(r[0]) - y[0] * r[0];

    public override double LossAndGradient(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient)
    {
        gradient[0] = SoftLogistic.Sigmoid(r[0]) - y[0];
        return Loss(r, rstar, eps, y);
    }
}
