using HighDimSgd.Core.Data;
using ScottPlot;

namespace HighDimSgd.Cli.Plotting;

/// <summary>
/// The figure of <c>hdsgd data</c>: the pooled spectrum on log-log axes, the class-mean norms, and per class the part of
/// its covariance that is off the diagonal in the pooled eigenbasis (what the commuting approximation drops).
/// </summary>
public static class DataPlot
{
    public const int Width = 1200;
    private const int SpectrumHeight = 700;
    private const int BarHeight = 420;

    /// <summary>Writes <c>&lt;path&gt;.png</c> and <c>&lt;path&gt;.svg</c>.</summary>
    public static void Write(string pathWithoutExtension, string title, DataSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var plots = new List<Plot>();
        try
        {
            plots.Add(Spectrum(title, summary));
            var labels = summary.Classes.Select(c => c.Label.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            plots.Add(Bars([.. summary.Classes.Select(c => c.MeanNorm)], labels, "|μ_c| (class-mean norm)", bottom: false));
            plots.Add(Bars([.. summary.Classes.Select(c => c.OffDiagonalFraction)], labels,
                "off-diagonal part of K_c", bottom: true));
            var figure = new Multiplot(plots[0]);
            foreach (var plot in plots.Skip(1)) figure.AddPlot(plot);
            float[] heights = [SpectrumHeight, BarHeight, BarHeight];
            figure.Layout = new StackedRowsLayout(heights);
            FigureFiles.Write(pathWithoutExtension, figure, Width, (int)heights.Sum());
        }
        finally
        {
            foreach (var plot in plots) plot.Dispose();
        }
    }

    private static Plot Spectrum(string title, DataSummary summary)
    {
        var plot = new Plot();
        PlotTheme.Apply(plot);
        var ranks = Enumerable.Range(1, summary.PooledEigenvalues.Length).Select(k => (double)k).ToArray();
        var line = MappedLine.From(ranks, summary.PooledEigenvalues, AxisScale.Log10, AxisScale.Log10);
        var scatter = plot.Add.ScatterLine(line.Xs, line.Ys, PlotTheme.Theory);
        scatter.LineWidth = PlotTheme.TheoryWidth;
        var xLimits = PanelAxes.Limits(line.XSpan(), AxisScale.Log10);
        PanelAxes.ApplyX(plot, xLimits, AxisScale.Log10, "rank k");
        PanelAxes.ApplyY(plot, PanelAxes.Limits(line.YSpan(), AxisScale.Log10), AxisScale.Log10, "λ_k of the pooled covariance");
        plot.Title(title, PlotTheme.TitleSize);
        plot.Layout.Fixed(new PixelPadding(PlotTheme.LeftMargin, PlotTheme.RightMargin, PlotTheme.BottomMargin, PlotTheme.TopMarginWithTitle));
        return plot;
    }

    private static Plot Bars(double[] values, string[] labels, string yLabel, bool bottom)
    {
        var plot = new Plot();
        PlotTheme.Apply(plot);
        var bars = plot.Add.Bars(values);
        bars.Color = PlotTheme.Sgd;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. labels.Select((label, k) => new Tick(k, label))]);
        plot.Axes.Bottom.Label.Text = bottom ? "class (label in the data files)" : "";
        plot.Axes.Left.Label.Text = yLabel;
        plot.Axes.Margins(bottom: 0);
        plot.Layout.Fixed(new PixelPadding(PlotTheme.LeftMargin, PlotTheme.RightMargin,
            bottom ? PlotTheme.BottomMargin : PlotTheme.BottomMarginTicksOnly, PlotTheme.TopMarginPlain));
        return plot;
    }
}
