using HighDimSgd.Cli.Plotting;

namespace HighDimSgd.Cli.Tests.Plotting;

public sealed class ComparePlotTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static double[] Times(int n, double step) => Enumerable.Range(0, n).Select(i => i * step).ToArray();

    private static ComparePlotData DecayingRisk(bool logY)
    {
        double[] t = Times(101, 0.1);
        double[] theory = t.Select(x => 0.5 * Math.Exp(-x) + 0.01).ToArray();
        return new ComparePlotData
        {
            Title = "linear regression",
            Subtitle = "d = 1000, 20 runs, max gap 0.8%",
            YLabel = "risk",
            LogY = logY,
            Theory = new Curve("theory", t, theory),
            Sgd = new CurveBand("SGD", t, theory.Select(v => v * 1.01).ToArray(), theory.Select(v => 0.01 * v).ToArray()),
        };
    }

    [Fact]
    public void Writes_png_of_the_documented_size_and_an_svg()
    {
        string path = _dir.File("risk");

        ComparePlot.Write(path, DecayingRisk(logY: true));

        Assert.Equal((1200, 800), ImageFileAssertions.AssertPng(path + ".png"));
        ImageFileAssertions.AssertSvg(path + ".svg");
    }

    [Fact]
    public void Creates_missing_output_directories()
    {
        string path = Path.Combine(_dir.Path, "nested", "deeper", "risk");

        ComparePlot.Write(path, DecayingRisk(logY: false));

        ImageFileAssertions.AssertPng(path + ".png");
    }

    [Fact]
    public void Extra_panels_are_stacked_below_the_main_one()
    {
        var data = DecayingRisk(logY: true);
        double[] t = data.Theory.Times;
        var norm = new StatisticPanel("norm",
            new Curve("theory", t, t.Select(x => 1 - Math.Exp(-x)).ToArray()),
            new CurveBand("SGD", t, t.Select(x => 1 - Math.Exp(-x)).ToArray(), t.Select(_ => 0.01).ToArray()));
        var lr = norm with { Name = "lr", LogY = true };
        string path = _dir.File("stacked");

        ComparePlot.Write(path, data with { ExtraPanels = [norm, lr], SecondBand = data.Sgd with { Label = "homogenized" } });

        var size = ImageFileAssertions.AssertPng(path + ".png");
        Assert.Equal(ComparePlot.Width, size.Width);
        Assert.Equal(ComparePlot.MainPanelHeight + 2 * ComparePlot.ExtraPanelHeight, size.Height);
        string svg = ImageFileAssertions.AssertSvg(path + ".svg");
        Assert.Contains("homogenized", svg);
    }

    [Fact]
    public void Log_axes_drop_zero_negative_and_non_finite_values_instead_of_failing()
    {
        double[] t = Times(50, 0.2); // starts at t = 0, which a log x axis cannot show
        double[] theory = t.Select((x, i) => i % 7 == 0 ? 0.0 : Math.Exp(-x)).ToArray();
        double[] mean = t.Select((x, i) => i % 5 == 0 ? -0.1 : i == 3 ? double.NaN : Math.Exp(-x)).ToArray();
        double[] se = t.Select(_ => 0.3).ToArray(); // bands reach below zero everywhere
        var allNonPositive = new StatisticPanel("lr",
            new Curve("theory", t, t.Select(_ => 0.0).ToArray()),
            new CurveBand("SGD", t, t.Select(_ => -1.0).ToArray(), se), LogY: true);
        var data = new ComparePlotData
        {
            Title = "degenerate",
            YLabel = "risk",
            LogX = true,
            LogY = true,
            Theory = new Curve("theory", t, theory),
            Sgd = new CurveBand("SGD", t, mean, se),
            SecondBand = new CurveBand("homogenized", t, theory, se),
            ExtraPanels = [allNonPositive],
        };
        string path = _dir.File("degenerate");

        ComparePlot.Write(path, data);

        ImageFileAssertions.AssertPng(path + ".png");
        string svg = ImageFileAssertions.AssertSvg(path + ".svg");
        Assert.Contains("no positive finite values", svg); // the all-negative "lr" panel says why it is empty
    }

    [Fact]
    public void Empty_curves_still_give_a_figure()
    {
        var data = new ComparePlotData
        {
            Title = "nothing yet",
            YLabel = "risk",
            LogY = true,
            Theory = new Curve("theory", [], []),
            Sgd = new CurveBand("SGD", [], [], []),
        };
        string path = _dir.File("empty");

        ComparePlot.Write(path, data);

        ImageFileAssertions.AssertPng(path + ".png");
    }

    [Fact]
    public void Mismatched_lengths_are_reported_with_the_curve_label()
    {
        var data = DecayingRisk(logY: false) with { Sgd = new CurveBand("SGD ensemble", [0, 1, 2], [1, 2, 3], [0.1, 0.1]) };

        var error = Assert.Throws<ArgumentException>(() => ComparePlot.Write(_dir.File("bad"), data));

        Assert.Contains("SGD ensemble", error.Message);
        Assert.False(File.Exists(_dir.File("bad") + ".png"));
    }
}
