using System.Runtime.Intrinsics;
using HighDimSgd.Core.Matrices;

namespace HighDimSgd.Core.Tests.Matrices;

/// <summary>The vector exponential and logarithm against Math.Exp and Math.Log, lane by lane.</summary>
public class VectorMathTests
{
    private static double Ulps(double expected, double actual) =>
        expected == actual ? 0 : Math.Abs(expected - actual) / (Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected));

    [Fact]
    public void ExpIsWithinTwoUlpsOverTheNormalRange()
    {
        var random = new Random(1);
        double worst = 0;
        for (var k = 0; k < 50_000; k++)
        {
            // Uniform over the whole normal range, and densely near 0 where the softmax arguments cluster.
            var x = k % 2 == 0 ? -708 + 1417 * random.NextDouble() : -2 + 2 * random.NextDouble();
            var lanes = VectorMath.Exp(Vector256.Create(x, -x / 3, x / 7, 0.5 * x));
            double[] inputs = [x, -x / 3, x / 7, 0.5 * x];
            for (var lane = 0; lane < 4; lane++) worst = Math.Max(worst, Ulps(Math.Exp(inputs[lane]), lanes.GetElement(lane)));
        }
        Assert.True(worst <= 2, $"worst error {worst} ulp");
    }

    [Fact]
    public void ExpEdgesUnderflowCapAndKeepNaN()
    {
        var lanes = VectorMath.Exp(Vector256.Create(-750.0, double.NegativeInfinity, double.NaN, 0.0));
        Assert.Equal(0, lanes.GetElement(0));
        Assert.Equal(0, lanes.GetElement(1));
        Assert.True(double.IsNaN(lanes.GetElement(2)));
        Assert.Equal(1, lanes.GetElement(3));
        Assert.Equal(Math.Exp(709), VectorMath.Exp(Vector256.Create(800.0)).GetElement(0), Math.Exp(709) * 1e-15);
    }

    [Fact]
    public void LogIsWithinTwoUlpsForPositiveNormalInputs()
    {
        var random = new Random(2);
        double worst = 0;
        for (var k = 0; k < 50_000; k++)
        {
            // [1, 16] (softmax normalisers), values near 1, and the whole exponent range.
            var x = (k % 3) switch
            {
                0 => 1 + 15 * random.NextDouble(),
                1 => 1 + 1e-6 * (random.NextDouble() - 0.5),
                _ => Math.Exp(-700 + 1400 * random.NextDouble()),
            };
            var y = VectorMath.LogPositive(Vector256.Create(x)).GetElement(0);
            var expected = Math.Log(x);
            worst = Math.Max(worst, Ulps(expected, y));
        }
        Assert.True(worst <= 2, $"worst error {worst} ulp");
        Assert.Equal(0, VectorMath.LogPositive(Vector256.Create(1.0)).GetElement(0));
    }
}
