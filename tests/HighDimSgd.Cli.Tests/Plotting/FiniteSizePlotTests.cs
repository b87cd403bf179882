using HighDimSgd.Cli.Plotting;

namespace HighDimSgd.Cli.Tests.Plotting;

public sealed class FiniteSizePlotTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Writes_png_and_svg()
    {
        int[] dims = [100, 200, 400, 800, 1600];
        double[] gaps = dims.Select(d => 0.4 / Math.Sqrt(d)).ToArray();
        double[] errors = gaps.Select(g => 0.1 * g).ToArray();
        string path = _dir.File("finite");

        FiniteSizePlot.Write(path, "gap vs d", dims, gaps, errors, fittedSlope: -0.5, fittedIntercept: Math.Log(0.4));

        Assert.Equal((FiniteSizePlot.Width, FiniteSizePlot.Height), ImageFileAssertions.AssertPng(path + ".png"));
        ImageFileAssertions.AssertSvg(path + ".svg");
    }

    [Fact]
    public void Zero_gaps_and_error_bars_reaching_zero_do_not_fail()
    {
        int[] dims = [100, 200, 400];
        string path = _dir.File("zeros");

        FiniteSizePlot.Write(path, "gap vs d", dims, [0.0, 0.01, -0.002], [0.02, 0.05, double.NaN], -0.5, 0);
        FiniteSizePlot.Write(path + "-none", "gap vs d", dims, [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], -0.5, 0);

        ImageFileAssertions.AssertPng(path + ".png");
        ImageFileAssertions.AssertPng(path + "-none.png");
    }

    [Fact]
    public void Mismatched_lengths_throw()
    {
        Assert.Throws<ArgumentException>(() =>
            FiniteSizePlot.Write(_dir.File("bad"), "t", [100, 200], [0.1], [0.01], -0.5, 0));
    }
}
