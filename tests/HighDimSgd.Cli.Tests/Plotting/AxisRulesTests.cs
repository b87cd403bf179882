using HighDimSgd.Cli.Plotting;
using ScottPlot;

namespace HighDimSgd.Cli.Tests.Plotting;

public sealed class LogTicksTests
{
    private static (double Position, string Label)[] Majors(double lo, double hi) =>
        LogTicks.Compute(new CoordinateSpan(lo, hi)).Where(t => t.IsMajor).Select(t => (t.Position, t.Label)).ToArray();

    [Fact]
    public void Under_two_and_a_half_decades_labels_one_two_five()
    {
        var majors = Majors(Math.Log10(0.008), Math.Log10(0.6));

        Assert.Equal(["0.01", "0.02", "0.05", "0.1", "0.2", "0.5"], majors.Select(t => t.Label));
        Assert.Equal(new[] { 0.01, 0.02, 0.05, 0.1, 0.2, 0.5 }.Select(Math.Log10), majors.Select(t => t.Position));
    }

    [Fact]
    public void Wide_ranges_label_powers_of_ten()
    {
        var majors = Majors(-6.2, 1.3);

        Assert.Equal(Enumerable.Range(-6, 8).Select(k => (double)k), majors.Select(t => t.Position));
        Assert.Equal("10⁻⁶", majors[0].Label);
        Assert.Equal("10¹", majors[^1].Label);
    }

    [Fact]
    public void Very_wide_ranges_label_every_other_decade_and_keep_the_rest_as_minor_ticks()
    {
        var ticks = LogTicks.Compute(new CoordinateSpan(-12, 3));

        Assert.Equal(new double[] { -12, -10, -8, -6, -4, -2, 0, 2 }, ticks.Where(t => t.IsMajor).Select(t => t.Position));
        Assert.Contains(ticks, t => !t.IsMajor && t.Position == -11);
    }

    [Fact]
    public void A_fraction_of_a_decade_gets_linear_steps()
    {
        double lo = Math.Log10(0.5), hi = Math.Log10(0.53);

        var majors = Majors(lo, hi);

        Assert.True(majors.Length >= 3, $"only {majors.Length} labelled ticks");
        Assert.Contains("0.51", majors.Select(t => t.Label));
        Assert.Contains("0.52", majors.Select(t => t.Label));
        Assert.All(majors, t => Assert.InRange(t.Position, lo, hi));
    }

    [Theory]
    [InlineData(0.002, "0.002")]
    [InlineData(12345.0, "12345")]
    [InlineData(2e-5, "2×10⁻⁵")]
    [InlineData(1e-6, "10⁻⁶")]
    [InlineData(3e7, "3×10⁷")]
    [InlineData(0.0, "0")]
    public void Values_are_plain_in_the_everyday_range_and_scientific_outside_it(double value, string expected) =>
        Assert.Equal(expected, LogTicks.FormatValue(value));
}

public sealed class MappedSeriesTests
{
    private static readonly CurveBand Band = new("SGD", [1, 2, 3], [1e-2, -1, 1e-1], [1e-2, 1, 1e-3]);

    [Fact]
    public void Log_band_drops_non_positive_means_and_cuts_lower_edges_at_the_floor()
    {
        const double floor = -3;

        var mapped = MappedBand.From(Band, AxisScale.Linear, AxisScale.Log10, floor);

        Assert.Equal(new double[] { 1, 3 }, mapped.Mean.Xs);
        Assert.Equal(-2, mapped.Mean.Ys[0], 12);
        Assert.Equal(floor, mapped.Lower[0]);               // 0.01 - 2 * 0.01 = -0.01 is not positive
        Assert.Equal(Math.Log10(0.03), mapped.Upper[0], 12);
        Assert.Equal(Math.Log10(0.098), mapped.Lower[1], 12);
        Assert.Equal(Math.Log10(0.102), mapped.Upper[1], 12);
    }

    [Fact]
    public void Log_band_edges_below_the_floor_are_raised_to_it()
    {
        var band = new CurveBand("SGD", [1], [1e-2], [0.004999]); // lower edge 2e-6, far below the curve

        var mapped = MappedBand.From(band, AxisScale.Linear, AxisScale.Log10, logFloor: -2.5);

        Assert.Equal(-2.5, mapped.Lower[0]);
    }

    [Fact]
    public void Linear_band_keeps_negative_values()
    {
        var mapped = MappedBand.From(Band, AxisScale.Linear, AxisScale.Linear, logFloor: double.NaN);

        Assert.Equal(new double[] { 1e-2, -1, 1e-1 }, mapped.Mean.Ys);
        Assert.Equal(-3, mapped.Lower[1], 12);
        Assert.Equal(1, mapped.Upper[1], 12);
    }

    [Fact]
    public void Log_x_axis_drops_time_zero()
    {
        var line = MappedLine.From([0, 1, 10], [5, 6, 7], AxisScale.Log10, AxisScale.Linear);

        Assert.Equal(new double[] { 0, 1 }, line.Xs);
        Assert.Equal(new double[] { 6, 7 }, line.Ys);
    }
}

public sealed class LegendPlacementTests
{
    private static readonly CoordinateSpan Unit = new(0, 1);

    private static MappedLine Line(Func<double, double> f)
    {
        double[] xs = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();
        return new MappedLine(xs, xs.Select(f).ToArray());
    }

    [Fact]
    public void A_falling_curve_leaves_the_upper_right_free() =>
        Assert.Equal(Alignment.UpperRight, PanelAxes.LeastCrowdedCorner([Line(x => 1 - x)], Unit, Unit));

    [Fact]
    public void A_rising_curve_leaves_the_upper_left_free() =>
        Assert.Equal(Alignment.UpperLeft, PanelAxes.LeastCrowdedCorner([Line(x => x)], Unit, Unit));

    [Fact]
    public void A_curve_along_the_top_pushes_the_legend_down() =>
        Assert.Equal(Alignment.LowerLeft, PanelAxes.LeastCrowdedCorner([Line(_ => 0.95)], Unit, Unit));
}
