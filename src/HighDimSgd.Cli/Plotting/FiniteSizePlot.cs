using ScottPlot;

namespace HighDimSgd.Cli.Plotting;

/// <summary>
/// Finite-size scaling figure: the measured SGD-versus-theory gap against the dimension d on
/// log-log axes, with error bars, the fitted power law gap = exp(intercept)·d^slope and the
/// reference slope −1/2 expected from concentration.
/// </summary>
public static class FiniteSizePlot
{
    public const int Width = 1200;
    public const int Height = 800;
    public const double ReferenceSlope = -0.5;

    private const double LineOverhangInDecades = 0.08;
    private const double ErrorBarFloorInDecades = 0.5;

    /// <summary>
    /// Writes <c>&lt;path&gt;.png</c> and <c>&lt;path&gt;.svg</c>. Each error bar spans
    /// gap ± gapErrors[i] as given (pass 2 se for a 95% interval). Points with a gap &lt;= 0 cannot be
    /// shown on the log axis and are left out.
    /// </summary>
    public static void Write(string pathWithoutExtension, string title, int[] dimensions, double[] gaps,
        double[] gapErrors, double fittedSlope, double fittedIntercept)
    {
        if (dimensions.Length != gaps.Length || gaps.Length != gapErrors.Length)
            throw new ArgumentException(
                $"dimensions, gaps and gapErrors must have equal lengths (got {dimensions.Length}, {gaps.Length}, {gapErrors.Length}).");

        var points = GapPoints.Map(dimensions, gaps, gapErrors);
        var xData = points.XSpan();
        // With no positive gap there is nothing to fit against; show the axes around the requested d.
        if (xData.IsEmpty)
            foreach (int d in dimensions.Where(d => d > 0)) xData = xData.Include(Math.Log10(d));
        var lineX = xData.IsEmpty ? xData : new CoordinateSpan(xData.Min - LineOverhangInDecades, xData.Max + LineOverhangInDecades);

        using var plot = new Plot();
        PlotTheme.Apply(plot);
        var legend = new List<LegendItem>();

        if (!lineX.IsEmpty)
        {
            var fit = PowerLaw(lineX, fittedSlope, fittedIntercept);
            var reference = PowerLaw(lineX, ReferenceSlope, ReferenceIntercept(points, fit, lineX));
            AddLine(plot, fit, PlotTheme.Fit, LinePattern.Solid);
            AddLine(plot, reference, PlotTheme.Reference, LinePattern.Solid); // colour, not dashes: the SVG backend has no dash effect
            legend.Add(LineLegend($"fit: gap ≈ {Math.Exp(fittedIntercept):G3}·d^({fittedSlope:F2})", PlotTheme.Fit, LinePattern.Solid));
            legend.Add(LineLegend("reference slope −1/2", PlotTheme.Reference, LinePattern.Solid));
        }

        if (points.Count > 0)
        {
            // Asymmetric bars (log of gap ± error); no horizontal error.
            var bars = new ScottPlot.Plottables.ErrorBar(points.Xs, points.Ys,
                xErrorsPositive: null, xErrorsNegative: null,
                yErrorsPositive: points.ErrorAbove, yErrorsNegative: points.ErrorBelow);
            plot.Add.Plottable(bars);
            bars.Color = PlotTheme.Sgd;
            bars.LineWidth = PlotTheme.MeanWidth;
            bars.CapSize = 10;
            plot.Add.Markers(points.Xs, points.Ys, MarkerShape.FilledCircle, PlotTheme.MarkerSize * 1.5f, PlotTheme.Sgd);
            legend.Insert(0, new LegendItem
            {
                LabelText = "measured gap ± error",
                MarkerShape = MarkerShape.FilledCircle,
                MarkerSize = PlotTheme.MarkerSize * 1.5f,
                MarkerFillColor = PlotTheme.Sgd,
                MarkerLineColor = PlotTheme.Sgd,
            });
        }

        var xLimits = PanelAxes.Limits(lineX, AxisScale.Log10);
        var yData = points.Count > 0 ? points.YSpan() : LineSpan(lineX, fittedSlope, fittedIntercept);
        var yLimits = PanelAxes.Limits(yData, AxisScale.Log10);
        plot.Axes.SetLimits(xLimits.Min, xLimits.Max, yLimits.Min, yLimits.Max);
        plot.Axes.Bottom.TickGenerator = DimensionTicks(dimensions, xLimits);
        plot.Axes.Left.TickGenerator = LogTicks.For(yLimits);
        plot.Axes.Bottom.Label.Text = "dimension d";
        plot.Axes.Left.Label.Text = "gap";
        plot.Title(title, PlotTheme.TitleSize);
        plot.Layout.Fixed(new PixelPadding(PlotTheme.LeftMargin, PlotTheme.RightMargin, PlotTheme.BottomMargin,
            PlotTheme.TopMarginWithTitle));

        plot.Legend.DisplayPlottableLegendItems = false;
        plot.Legend.ManualItems.AddRange(legend);
        // The gap falls with d, so the lower-left corner is the empty one.
        plot.ShowLegend(Alignment.LowerLeft);

        var figure = new Multiplot(plot);
        FigureFiles.Write(pathWithoutExtension, figure, Width, Height);
    }

    private static CoordinateSpan LineSpan(CoordinateSpan logD, double slope, double intercept) =>
        logD.IsEmpty ? logD : PowerLaw(logD, slope, intercept).YSpan();

    private static MappedLine PowerLaw(CoordinateSpan logD, double slope, double intercept)
    {
        // log10 gap = (intercept + slope ln d) / ln 10 = intercept / ln 10 + slope log10 d.
        double offset = intercept / Math.Log(10);
        double[] xs = [logD.Min, logD.Max];
        return new MappedLine(xs, [offset + slope * xs[0], offset + slope * xs[1]]);
    }

    /// <summary>
    /// The reference line passes through the centre of the data (or of the fit when the gap data
    /// are all dropped), so its slope can be compared with the points by eye.
    /// </summary>
    private static double ReferenceIntercept(GapPoints points, MappedLine fit, CoordinateSpan logD)
    {
        double centreX = points.Count > 0 ? points.Xs.Average() : (logD.Min + logD.Max) / 2;
        double centreY = points.Count > 0 ? points.Ys.Average() : (fit.Ys[0] + fit.Ys[1]) / 2;
        return (centreY - ReferenceSlope * centreX) * Math.Log(10);
    }

    private static void AddLine(Plot plot, MappedLine line, Color color, LinePattern pattern)
    {
        var scatter = plot.Add.ScatterLine(line.Xs, line.Ys, color);
        scatter.LineWidth = PlotTheme.TheoryWidth;
        scatter.LinePattern = pattern;
    }

    private static LegendItem LineLegend(string label, Color color, LinePattern pattern) => new()
    {
        LabelText = label,
        LineColor = color,
        LineWidth = PlotTheme.TheoryWidth,
        LinePattern = pattern,
    };

    /// <summary>Ticks at the simulated dimensions themselves: they are few, and the values a reader wants.</summary>
    private static ScottPlot.TickGenerators.NumericManual DimensionTicks(int[] dimensions, CoordinateSpan logLimits)
    {
        var ticks = dimensions.Where(d => d > 0).Distinct().Order()
            .Select(d => Tick.Major(Math.Log10(d), d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        // Every usual log tick becomes an unlabelled mark, so the axis still reads as logarithmic.
        var minor = LogTicks.Compute(logLimits).Select(t => Tick.Minor(t.Position));
        return LogTicks.ToGenerator(ticks.Concat(minor));
    }

    /// <summary>Gap measurements in log10 coordinates, as asymmetric error bars.</summary>
    private sealed record GapPoints(double[] Xs, double[] Ys, double[] ErrorBelow, double[] ErrorAbove)
    {
        public int Count => Xs.Length;

        /// <summary>
        /// A gap that is not positive cannot sit on a log axis and is dropped. A lower error bar that
        /// reaches zero is cut half a decade below the point, which reads as "consistent with zero".
        /// </summary>
        public static GapPoints Map(int[] dimensions, double[] gaps, double[] gapErrors)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            var below = new List<double>();
            var above = new List<double>();
            for (int i = 0; i < gaps.Length; i++)
            {
                if (dimensions[i] <= 0 || !AxisScale.Log10.TryMap(gaps[i], out double y)) continue;
                double error = double.IsFinite(gapErrors[i]) ? Math.Abs(gapErrors[i]) : 0;
                double halfWidth = error;
                double lower = AxisScale.Log10.TryMap(gaps[i] - halfWidth, out double l)
                    ? Math.Max(l, y - ErrorBarFloorInDecades)
                    : y - ErrorBarFloorInDecades;
                xs.Add(Math.Log10(dimensions[i]));
                ys.Add(y);
                below.Add(y - lower);
                above.Add(Math.Log10(gaps[i] + halfWidth) - y);
            }
            return new GapPoints([.. xs], [.. ys], [.. below], [.. above]);
        }

        public CoordinateSpan XSpan() => Xs.Aggregate(CoordinateSpan.Empty, (span, x) => span.Include(x));

        public CoordinateSpan YSpan()
        {
            var span = CoordinateSpan.Empty;
            for (int i = 0; i < Count; i++)
                span = span.Include(Ys[i] - ErrorBelow[i]).Include(Ys[i] + ErrorAbove[i]);
            return span;
        }
    }
}
