using ScottPlot;
using ScottPlot.TickGenerators;

namespace HighDimSgd.Cli.Plotting;

/// <summary>Limits, ticks and labels of one panel's axes.</summary>
internal static class PanelAxes
{
    private const double MarginFraction = 0.04;

    public static CoordinateSpan Limits(CoordinateSpan data, AxisScale scale)
    {
        // A log axis needs a few tenths of a decade to place ticks; a linear one some relative width.
        double minimumWidth = scale.IsLog
            ? 0.3
            : Math.Max(1e-12, 0.1 * Math.Max(Math.Abs(data.Min), Math.Abs(data.Max)));
        if (data.IsEmpty) return scale.IsLog ? new CoordinateSpan(-1, 0) : new CoordinateSpan(0, 1);
        return data.Padded(MarginFraction, minimumWidth);
    }

    public static void ApplyX(Plot plot, CoordinateSpan limits, AxisScale scale, string? label)
    {
        plot.Axes.SetLimitsX(limits.Min, limits.Max);
        plot.Axes.Bottom.TickGenerator = scale.IsLog ? LogTicks.For(limits) : LinearTicks();
        plot.Axes.Bottom.Label.Text = label ?? "";
    }

    public static void ApplyY(Plot plot, CoordinateSpan limits, AxisScale scale, string label)
    {
        plot.Axes.SetLimitsY(limits.Min, limits.Max);
        plot.Axes.Left.TickGenerator = scale.IsLog ? LogTicks.For(limits) : LinearTicks();
        plot.Axes.Left.Label.Text = label;
    }

    /// <summary>Fewer labels than ScottPlot's default, which crowds at the large font size used here.</summary>
    private static NumericAutomatic LinearTicks() => new()
    {
        LabelFormatter = LogTicks.FormatValue,
        TickDensity = 0.5,
    };

    /// <summary>
    /// The legend goes in whichever corner holds the fewest data points, so it rarely hides a curve
    /// whether the statistic rises, falls or oscillates.
    /// </summary>
    public static Alignment LeastCrowdedCorner(IEnumerable<MappedLine> lines, CoordinateSpan xLimits, CoordinateSpan yLimits)
    {
        const double cornerWidth = 0.45, cornerHeight = 0.4;
        var corners = new[] { Alignment.UpperRight, Alignment.UpperLeft, Alignment.LowerLeft, Alignment.LowerRight };
        var counts = new int[corners.Length];
        foreach (var line in lines)
        {
            for (int i = 0; i < line.Count; i++)
            {
                double u = (line.Xs[i] - xLimits.Min) / (xLimits.Max - xLimits.Min);
                double v = (line.Ys[i] - yLimits.Min) / (yLimits.Max - yLimits.Min);
                bool right = u > 1 - cornerWidth, left = u < cornerWidth;
                bool upper = v > 1 - cornerHeight, lower = v < cornerHeight;
                if (upper && right) counts[0]++;
                if (upper && left) counts[1]++;
                if (lower && left) counts[2]++;
                if (lower && right) counts[3]++;
            }
        }
        int best = 0;
        for (int i = 1; i < counts.Length; i++)
            if (counts[i] < counts[best]) best = i;
        return corners[best];
    }
}
