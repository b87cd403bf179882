using System.Runtime.Intrinsics;
using HighDimSgd.Simulation;

namespace HighDimSgd.Simulation.Tests;

public class SampleKernelTests
{
    [Fact]
    public void VectorLogIsWithinTwoUlpOfMathLog()
    {
        // The sampler's uniforms are multiples of 2^-52 in (0, 1]; also the reduction's edges near sqrt(2) / 2^k.
        var random = new Random(7);
        var values = new List<double> { 1.0, Math.Pow(2, -52), 0.5, 0.25, Math.Sqrt(0.5), Math.BitDecrement(Math.Sqrt(0.5)), Math.BitIncrement(Math.Sqrt(0.5)), 1 - 1e-16 };
        for (var i = 0; i < 200_000; i++) values.Add((random.NextInt64(1L << 52) + 1) * Math.Pow(2, -52));
        for (var i = 0; i < 20_000; i++) values.Add(Math.Exp(-700 * random.NextDouble())); // normal doubles only
        while (values.Count % 4 != 0) values.Add(0.75);
        var worst = 0.0;
        for (var i = 0; i < values.Count; i += 4)
        {
            var result = NormalSampler.Log(Vector256.Create(values[i], values[i + 1], values[i + 2], values[i + 3]));
            for (var lane = 0; lane < 4; lane++)
            {
                var expected = Math.Log(values[i + lane]);
                var ulp = expected == 0 ? double.Epsilon : Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
                worst = Math.Max(worst, Math.Abs(result[lane] - expected) / ulp);
            }
        }

        Assert.True(worst <= 2, $"largest error {worst} ulp");
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(0, true)]
    public void ScaleAndProjectMatchesPlainLoops(int rows, bool shifted)
    {
        // d = 1003: four-wide chunks and a scalar tail.
        const int d = 1003;
        var random = new Random(rows * 10 + (shifted ? 1 : 0));
        double[] Draw(int n) => [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1)];
        var z = Draw(d);
        var scale = Draw(d);
        var shift = shifted ? Draw(d) : [];
        var w = Draw(rows * d);
        var a = (double[])z.Clone();
        var projections = new double[rows];
        SampleKernels.ScaleAndProject(a, scale, shift, w, projections);
        for (var i = 0; i < d; i++)
        {
            var expected = z[i] * scale[i] + (shifted ? shift[i] : 0);
            Assert.Equal(expected, a[i], 1e-15);
        }

        for (var j = 0; j < rows; j++)
        {
            double expected = 0, magnitude = 0;
            for (var i = 0; i < d; i++)
            {
                expected += w[j * d + i] * a[i];
                magnitude += Math.Abs(w[j * d + i] * a[i]);
            }

            Assert.True(Math.Abs(projections[j] - expected) <= 1e-14 * magnitude, $"row {j}: {projections[j]} vs {expected}");
        }
    }
}
