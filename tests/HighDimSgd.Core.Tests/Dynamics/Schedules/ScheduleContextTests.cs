using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Tests.Expectations;

namespace HighDimSgd.Core.Tests.Dynamics.Schedules;

/// <summary>
/// The schedule inputs against least-squares closed forms (theory.md section 4): with e = X - X*,
/// A = e K e^T = B_xx - 2 B_x* + B_**, I = 2L = A + omega^2, ||grad L||^2 = e K^2 e^T, H = 1.
/// </summary>
public class ScheduleContextTests
{
    private const double Noise = 0.4;

    private static DriftEvaluator Evaluate(double[] eigenvalues, double[] student, double[] teacher)
    {
        var d = eigenvalues.Length;
        var setup = new DynamicsSetup(new SumLeastSquares(1, 1, Noise),
            [new DataClass(1.0, new double[d], eigenvalues, [])], [teacher], [student], new ConstantSchedule(1), [0, 1]);
        var evaluator = new DriftEvaluator(setup);
        var p = evaluator.Parameters;
        double[][] rows = [student, teacher];
        for (var a = 0; a < 2; a++)
            for (var b = 0; b < 2; b++)
            {
                p.Gram[a * 2 + b] = Dot(rows[a], rows[b], eigenvalues, 0);
                p.Covariances[0][a * 2 + b] = Dot(rows[a], rows[b], eigenvalues, 1);
                p.SquaredKernel[a * 2 + b] = Dot(rows[a], rows[b], eigenvalues, 2);
            }
        p.HasSquaredKernel = true;
        evaluator.Evaluate();
        return evaluator;
    }

    private static double Dot(double[] x, double[] y, double[] lambda, int power) =>
        x.Select((v, i) => v * y[i] * Math.Pow(lambda[i], power)).Sum();

    private static (double[] Lambda, double[] Student, double[] Teacher) Example()
    {
        const int d = 6;
        double[] lambda = [0.2, 0.5, 1.0, 1.3, 1.5, 1.5];
        var student = Enumerable.Range(0, d).Select(i => 0.3 * Math.Cos(i)).ToArray();
        var teacher = Enumerable.Range(0, d).Select(i => 0.4 * Math.Sin(i + 1)).ToArray();
        return (lambda, student, teacher);
    }

    [Fact]
    public void Polyak_threshold_and_greedy_steps_match_least_squares_closed_forms()
    {
        var (lambda, student, teacher) = Example();
        var context = Evaluate(lambda, student, teacher).Context;
        var e = student.Zip(teacher, (s, t) => s - t).ToArray();
        var a = Dot(e, e, lambda, 1);
        var fisher = a + Noise * Noise;
        var gradient = Dot(e, e, lambda, 2);
        var meanEigenvalue = lambda.Average();
        var meanSquared = lambda.Average(x => x * x);

        Assert.Equal(meanEigenvalue * fisher, context.FisherGrowth, 10);
        Assert.Equal(a, context.DistanceDecrease, 10);
        Assert.Equal(a / (meanEigenvalue * fisher), context.PolyakRate, 10);
        Assert.Equal(2 * a / (meanEigenvalue * fisher), context.StabilityThreshold, 10);
        Assert.Equal(gradient, context.GradientNormSquared, 10);
        Assert.Equal(gradient / (meanSquared * fisher), context.GreedyRate, 10);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.1)]
    public void Risk_derivative_of_the_ODE_is_the_greedy_step_formula(double gamma)
    {
        // theory.md section 4: dL/dt = -gamma ||grad L||^2 + (gamma^2 / 2)(Tr K^2/d) tr(H I), which the greedy step
        // minimises. Here dL/dt is measured on the ODE itself: the risk at y +- h y'(0), by central differences.
        var (lambda, student, teacher) = Example();
        var d = lambda.Length;
        var setup = new DynamicsSetup(new SumLeastSquares(1, 1, Noise),
            [new DataClass(1.0, new double[d], lambda, [])], [teacher], [student], new ConstantSchedule(gamma), [0, 1]);
        var system = new LimitingDynamics(setup, new EigenRepresentation(setup));
        var y = system.InitialState();
        var slope = new double[y.Length];
        system.Derivative(0, y, slope);
        var context = system.Evaluator.Context;
        var predicted = -gamma * context.GradientNormSquared + gamma * gamma / 2 * context.CurvatureNoise;

        double RiskAt(double h)
        {
            var moved = y.Select((v, i) => v + h * slope[i]).ToArray();
            system.Evaluate(0, moved);
            return system.Evaluator.Risk;
        }

        const double step = 1e-5;
        var measured = (RiskAt(step) - RiskAt(-step)) / (2 * step);
        Assert.Equal(predicted, measured, 6);
    }

    [Fact]
    public void A_zero_student_leaves_the_curvature_undetermined_instead_of_zero()
    {
        var (lambda, _, teacher) = Example();
        var context = Evaluate(lambda, new double[lambda.Length], teacher).Context;
        Assert.True(double.IsNaN(context.GreedyRate));
        Assert.True(double.IsFinite(context.PolyakRate));
    }

    [Fact]
    public void AdaGrad_norm_accumulates_the_fisher_growth_and_rmsprop_forgets_it()
    {
        var context = new ScheduleContext { FisherGrowth = 0.7 };
        var adagrad = new AdaGradNormSchedule(eta: 2, b0: 0.5);
        var rmsprop = new RmsPropNormSchedule(eta: 2, b0: 0.5, decay: 0.3);
        Span<double> derivative = stackalloc double[1];
        adagrad.ExtraDerivative(1, [1.5], context, 0, derivative);
        Assert.Equal(0.7, derivative[0]);
        Assert.Equal(2 / Math.Sqrt(0.25 + 1.5), adagrad.Rate(1, [1.5], context), 14);
        rmsprop.ExtraDerivative(2, [1.5], context, 0, derivative);
        Assert.Equal(0.7 - 0.3 * 1.5, derivative[0], 14);
        Assert.Equal(2 / Math.Sqrt(0.25 * Math.Exp(-0.6) + 1.5), rmsprop.Rate(2, [1.5], context), 14);
    }
}
