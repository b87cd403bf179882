using HighDimSgd.Simulation;

namespace HighDimSgd.Simulation.Tests;

public class SampleKernelTests
{
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
