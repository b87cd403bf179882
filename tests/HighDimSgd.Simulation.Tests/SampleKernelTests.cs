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

    [Theory]
    [InlineData(2, 1, false, true)]
    [InlineData(3000, 2, true, true)]
    [InlineData(2500, 3, false, true)]
    [InlineData(1024, 0, true, true)]
    [InlineData(1001, 2, false, false)]
    [InlineData(2048, 2, true, false)]
    public void DrawScaleAndProjectMatchesFillThenScaleAndProject(int d, int rows, bool shifted, bool midBlock)
    {
        // Block by block (1024 normals) against one Fill and one pass; one normal taken first leaves the sampler mid-block.
        var random = new Random(d + rows);
        double[] Draw(int n) => [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1)];
        var scale = Draw(d);
        var shift = shifted ? Draw(d) : [];
        var w = Draw(rows * d);
        var first = new NormalSampler(7);
        var second = new NormalSampler(7);
        if (midBlock)
        {
            first.Next();
            second.Next();
        }
        var expected = new double[d];
        var expectedProjections = new double[rows];
        first.Fill(expected);
        SampleKernels.ScaleAndProject(expected, scale, shift, w, expectedProjections);
        var a = new double[d];
        var projections = new double[rows];
        SampleKernels.DrawScaleAndProject(second, a, scale, shift, w, projections);
        Assert.Equal(expected, a);
        for (var j = 0; j < rows; j++) Assert.Equal(expectedProjections[j], projections[j], 1e-12 * Math.Sqrt(d));
        Assert.Equal(first.Next(), second.Next());
    }
}
