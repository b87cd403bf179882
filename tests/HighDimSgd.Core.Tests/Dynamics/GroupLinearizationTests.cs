using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Tests.Expectations;
using MathNet.Numerics.LinearAlgebra;

namespace HighDimSgd.Core.Tests.Dynamics;

/// <summary>
/// The block-diagonal-plus-low-rank solve of the stiff integrator against a dense Jacobian formed by central
/// differences of the whole right-hand side and solved by LU: the same linear system, two unrelated constructions.
/// </summary>
public class GroupLinearizationTests
{
    private static double[] Times => [0, 1, 2];

    private static double[] Random(Random random, int d, double scale) =>
        [.. Enumerable.Range(0, d).Select(_ => scale * (random.NextDouble() - 0.5) / Math.Sqrt(d))];

    private static DynamicsSetup SingleGaussian(StepSizeSchedule schedule)
    {
        var random = new Random(3);
        double[] lambda = [.. Enumerable.Range(0, 12).Select(i => 0.2 + 0.3 * (i % 4))];
        return new DynamicsSetup(new SumLeastSquares(1, 1, 0.5),
            [new DataClass(1.0, new double[12], lambda, [])], [Random(random, 12, 2)], [Random(random, 12, 1)], schedule, Times);
    }

    private static DynamicsSetup TwoClassMixture()
    {
        var random = new Random(5);
        double[] lambda = [.. Enumerable.Range(0, 10).Select(i => 0.5 + 0.25 * (i % 5))];
        return new DynamicsSetup(new LabelledLogistic(),
            [new DataClass(0.4, Random(random, 10, 3), lambda, [1.0]), new DataClass(0.6, Random(random, 10, 3), lambda, [0.0])],
            [], [Random(random, 10, 1)], new ConstantSchedule(0.8), Times);
    }

    public static TheoryData<string> Setups => ["constant", "adagrad-norm", "mixture"];

    [Theory]
    [MemberData(nameof(Setups))]
    public void StructuredSolveEqualsTheDenseSolve(string name)
    {
        var setup = name switch
        {
            "constant" => SingleGaussian(new ConstantSchedule(0.7)),
            "adagrad-norm" => SingleGaussian(new AdaGradNormSchedule(1.2, 0.5)),
            _ => TwoClassMixture(),
        };
        var representation = new EigenRepresentation(setup);
        var system = new LimitingDynamics(setup, representation);
        var n = system.Dimension;
        var y = system.InitialState();
        // Move off the initial state so every coupling is active.
        var f = new double[n];
        system.Derivative(0, y, f);
        for (var i = 0; i < n; i++) y[i] += 0.3 * f[i];
        system.Derivative(0.3, y, f);

        var dense = Matrix<double>.Build.Dense(n, n);
        var plus = new double[n];
        var minus = new double[n];
        for (var j = 0; j < n; j++)
        {
            var delta = 1e-5 * Math.Max(1, Math.Abs(y[j]));
            var shifted = (double[])y.Clone();
            shifted[j] = y[j] + delta;
            system.Derivative(0.3, shifted, plus);
            shifted[j] = y[j] - delta;
            system.Derivative(0.3, shifted, minus);
            for (var i = 0; i < n; i++) dense[i, j] = (plus[i] - minus[i]) / (2 * delta);
        }
        const double shift = 3.0;
        var random = new Random(11);
        var b = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
        // The states V_g are symmetric matrices and so is every right-hand side the integrator solves for; the drift
        // reads one triangle, so only symmetric vectors are meaningful here.
        var ns = setup.StateSize;
        for (var g = 0; g < representation.Groups.Count; g++)
            for (var a = 0; a < ns; a++)
                for (var c = a + 1; c < ns; c++)
                    b[g * representation.BlockSize + c * ns + a] = b[g * representation.BlockSize + a * ns + c];
        var expected = (shift * Matrix<double>.Build.DenseIdentity(n) - dense).Solve(Vector<double>.Build.Dense(b));

        var structured = new GroupLinearization(system, representation, setup);
        structured.Linearize(0.3, y, f, new double[n]);
        structured.Factor(shift);
        var x = new double[n];
        structured.Solve(b, x);
        var scale = expected.AbsoluteMaximum();
        for (var i = 0; i < n; i++)
            Assert.True(Math.Abs(x[i] - expected[i]) < 1e-5 * scale, $"component {i}: {x[i]:G8} against {expected[i]:G8}");
    }
}
