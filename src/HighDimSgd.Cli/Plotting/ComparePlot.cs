using ScottPlot;
using ScottPlot.Panels;

namespace HighDimSgd.Cli.Plotting;

/// <summary>
/// The figure of <c>hdsgd compare</c>: theory (solid dark line) against the SGD ensemble mean
/// (blue line with markers and a ± 2 se band), optionally a second simulation (homogenized SGD, or SGD on real samples:
/// orange, open squares) and a second theory (grey line), and one extra
/// panel per additional statistic stacked below with a shared time axis.
/// </summary>
public static class ComparePlot
{
    public const int Width = 1200;
    public const int MainPanelHeight = 800;
    public const int ExtraPanelHeight = 340;

    private const int MaximumMarkers = 30;
    private const double LogBandDepthInDecades = 0.5;

    /// <summary>Writes <c>&lt;path&gt;.png</c> and <c>&lt;path&gt;.svg</c>.</summary>
    public static void Write(string pathWithoutExtension, ComparePlotData data)
    {
        var xScale = AxisScale.For(data.LogX);
        var panels = new List<PanelContent>
        {
            PanelContent.Map(data.YLabel, AxisScale.For(data.LogY), data.Theory, data.Sgd, data.SecondBand, data.SecondTheory, xScale),
        };
        foreach (var extra in data.ExtraPanels)
            panels.Add(PanelContent.Map(extra.Name, AxisScale.For(extra.LogY), extra.Theory, extra.Sgd, extra.SecondBand, extra.SecondTheory, xScale));

        var xData = panels.Aggregate(CoordinateSpan.Empty, (span, panel) => span.Union(panel.XSpan()));
        var xLimits = PanelAxes.Limits(xData, xScale);

        var plots = new List<Plot>();
        try
        {
            for (int i = 0; i < panels.Count; i++)
            {
                bool isMain = i == 0, isBottom = i == panels.Count - 1;
                var plot = new Plot();
                plots.Add(plot);
                DrawPanel(plot, panels[i], xScale, xLimits, isBottom ? data.XLabel : null, showLegend: isMain);
                SetMargins(plot, isBottom, !isMain ? PlotTheme.TopMarginPlain
                    : data.Subtitle is null ? PlotTheme.TopMarginWithTitle : PlotTheme.TopMarginWithSubtitle);
                if (isMain) DrawHeading(plot, data.Title, data.Subtitle);
            }

            var figure = new Multiplot(plots[0]);
            foreach (var plot in plots.Skip(1)) figure.AddPlot(plot);
            var heights = plots.Select((_, i) => (float)(i == 0 ? MainPanelHeight : ExtraPanelHeight)).ToArray();
            figure.Layout = new StackedRowsLayout(heights);
            FigureFiles.Write(pathWithoutExtension, figure, Width, (int)heights.Sum());
        }
        finally
        {
            foreach (var plot in plots) plot.Dispose();
        }
    }

    private static void DrawPanel(Plot plot, PanelContent panel, AxisScale xScale, CoordinateSpan xLimits,
        string? xLabel, bool showLegend)
    {
        PlotTheme.Apply(plot);
        var legend = new List<LegendItem>();

        DrawBandFill(plot, panel.Sgd, PlotTheme.Sgd);
        if (panel.SecondBand is { } secondBand) DrawBandFill(plot, secondBand, PlotTheme.SecondBand);

        if (panel.SecondTheory is { } alternative)
        {
            var line = plot.Add.ScatterLine(alternative.Xs, alternative.Ys, PlotTheme.Reference);
            line.LineWidth = PlotTheme.MeanWidth;
            legend.Add(new LegendItem { LabelText = panel.SecondTheoryLabel!, LineColor = PlotTheme.Reference, LineWidth = PlotTheme.MeanWidth });
        }

        var theory = plot.Add.ScatterLine(panel.Theory.Xs, panel.Theory.Ys, PlotTheme.Theory);
        theory.LineWidth = PlotTheme.TheoryWidth;
        legend.Add(new LegendItem { LabelText = panel.TheoryLabel, LineColor = PlotTheme.Theory, LineWidth = PlotTheme.TheoryWidth });

        if (panel.SecondBand is { } second)
        {
            // Solid with open markers, not dashed: ScottPlot's SVG backend cannot draw dash effects (it warns on stderr).
            DrawMeanLine(plot, second.Mean, PlotTheme.SecondBand, LinePattern.Solid, MarkerShape.OpenSquare);
            legend.Add(BandLegend(panel.SecondBandLabel!, PlotTheme.SecondBand, LinePattern.Solid, MarkerShape.OpenSquare));
        }

        DrawMeanLine(plot, panel.Sgd.Mean, PlotTheme.Sgd, LinePattern.Solid, MarkerShape.FilledCircle);
        legend.Add(BandLegend(panel.SgdLabel, PlotTheme.Sgd, LinePattern.Solid, MarkerShape.FilledCircle));

        var yLimits = PanelAxes.Limits(panel.YSpan(), panel.YScale);
        PanelAxes.ApplyX(plot, xLimits, xScale, xLabel);
        PanelAxes.ApplyY(plot, yLimits, panel.YScale, panel.YLabel);

        if (panel.Lines().All(line => line.Count == 0)) ExplainEmptyPanel(plot, panel.YScale);

        if (!showLegend) return;
        plot.Legend.DisplayPlottableLegendItems = false;
        plot.Legend.ManualItems.AddRange(legend);
        plot.ShowLegend(PanelAxes.LeastCrowdedCorner(panel.Lines(), xLimits, yLimits));
    }

    /// <summary>An empty panel would otherwise look like a rendering failure.</summary>
    private static void ExplainEmptyPanel(Plot plot, AxisScale yScale)
    {
        string text = yScale.IsLog ? "no positive finite values to show on a log scale" : "no finite values to show";
        var note = plot.Add.Annotation(text, Alignment.MiddleCenter);
        note.LabelFontSize = PlotTheme.LegendSize;
        note.LabelFontName = PlotTheme.FontName;
        note.LabelBackgroundColor = Colors.White;
        note.LabelBorderColor = Colors.Gray;
    }

    private static void DrawBandFill(Plot plot, MappedBand band, Color color)
    {
        if (band.Mean.Count < 2) return;
        var fill = plot.Add.FillY(band.Mean.Xs, band.Lower, band.Upper);
        fill.FillColor = color.WithOpacity(PlotTheme.BandOpacity);
        fill.LineWidth = 0;
    }

    /// <summary>Markers only on an evenly spaced subset, so a dense time grid stays legible.</summary>
    private static void DrawMeanLine(Plot plot, MappedLine mean, Color color, LinePattern pattern, MarkerShape marker)
    {
        var line = plot.Add.ScatterLine(mean.Xs, mean.Ys, color);
        line.LineWidth = PlotTheme.MeanWidth;
        line.LinePattern = pattern;
        if (marker == MarkerShape.None || mean.Count == 0) return;

        int stride = Math.Max(1, (int)Math.Ceiling(mean.Count / (double)MaximumMarkers));
        var indices = Enumerable.Range(0, mean.Count).Where(i => i % stride == 0).ToArray();
        plot.Add.Markers(indices.Select(i => mean.Xs[i]).ToArray(), indices.Select(i => mean.Ys[i]).ToArray(),
            marker, PlotTheme.MarkerSize, color);
    }

    private static LegendItem BandLegend(string label, Color color, LinePattern pattern, MarkerShape marker) => new()
    {
        LabelText = label,
        LineColor = color,
        LineWidth = PlotTheme.MeanWidth,
        LinePattern = pattern,
        MarkerShape = marker,
        MarkerSize = PlotTheme.MarkerSize,
        MarkerFillColor = color,
        MarkerLineColor = color,
        FillColor = color.WithOpacity(PlotTheme.BandOpacity),
    };

    /// <summary>
    /// The subtitle is a second title panel: ScottPlot stacks panels on the same edge, so it sits
    /// just above the data area and under the title, in a smaller font.
    /// </summary>
    private static void DrawHeading(Plot plot, string title, string? subtitle)
    {
        if (subtitle is not null)
        {
            var subtitlePanel = new TitlePanel();
            subtitlePanel.Label.Text = subtitle;
            subtitlePanel.Label.FontSize = PlotTheme.SubtitleSize;
            subtitlePanel.Label.FontName = PlotTheme.FontName;
            subtitlePanel.Label.Bold = false;
            plot.Axes.AddPanel(subtitlePanel);
        }
        plot.Title(title, PlotTheme.TitleSize);
    }

    private static void SetMargins(Plot plot, bool isBottom, float top) =>
        plot.Layout.Fixed(new PixelPadding(
            left: PlotTheme.LeftMargin,
            right: PlotTheme.RightMargin,
            bottom: isBottom ? PlotTheme.BottomMargin : PlotTheme.BottomMarginTicksOnly,
            top: top));

    /// <summary>One panel's series, already in plot coordinates.</summary>
    private sealed record PanelContent(
        string YLabel, AxisScale YScale,
        MappedLine Theory, string TheoryLabel,
        MappedBand Sgd, string SgdLabel,
        MappedBand? SecondBand, string? SecondBandLabel,
        MappedLine? SecondTheory, string? SecondTheoryLabel)
    {
        public static PanelContent Map(string yLabel, AxisScale yScale, Curve theory, CurveBand sgd,
            CurveBand? secondBand, Curve? secondTheory, AxisScale xScale)
        {
            secondTheory?.Validated();
            theory.Validated();
            sgd.Validated();
            secondBand?.Validated();

            var theoryLine = MappedLine.From(theory.Times, theory.Values, xScale, yScale);
            // Bands that reach zero on a log axis are cut half a decade below the lowest curve.
            double logFloor = LowestCurveValue(theoryLine, sgd, secondBand, xScale, yScale) - LogBandDepthInDecades;
            return new PanelContent(
                yLabel, yScale,
                theoryLine, theory.Label,
                MappedBand.From(sgd, xScale, yScale, logFloor), BandLabel(sgd),
                secondBand is null ? null : MappedBand.From(secondBand, xScale, yScale, logFloor),
                secondBand is null ? null : BandLabel(secondBand),
                secondTheory is null ? null : MappedLine.From(secondTheory.Times, secondTheory.Values, xScale, yScale),
                secondTheory?.Label);
        }

        private static double LowestCurveValue(MappedLine theory, CurveBand sgd, CurveBand? secondBand,
            AxisScale xScale, AxisScale yScale)
        {
            var span = theory.YSpan().Union(MappedLine.From(sgd.Times, sgd.Mean, xScale, yScale).YSpan());
            if (secondBand is not null)
                span = span.Union(MappedLine.From(secondBand.Times, secondBand.Mean, xScale, yScale).YSpan());
            return span.IsEmpty ? 0 : span.Min;
        }

        private static string BandLabel(CurveBand band) => $"{band.Label} (± 2 s.e.)";

        public IEnumerable<MappedLine> Lines()
        {
            yield return Theory;
            yield return Sgd.Mean;
            if (SecondBand is not null) yield return SecondBand.Mean;
            if (SecondTheory is not null) yield return SecondTheory;
        }

        public CoordinateSpan XSpan() => Lines().Aggregate(CoordinateSpan.Empty, (span, line) => span.Union(line.XSpan()));

        public CoordinateSpan YSpan()
        {
            var span = Theory.YSpan().Union(Sgd.YSpan());
            if (SecondTheory is not null) span = span.Union(SecondTheory.YSpan());
            return SecondBand is null ? span : span.Union(SecondBand.YSpan());
        }
    }
}
