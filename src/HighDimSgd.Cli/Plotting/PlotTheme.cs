using ScottPlot;

namespace HighDimSgd.Cli.Plotting;

/// <summary>Colours, fonts and spacing shared by every figure, so all plots read alike.</summary>
internal static class PlotTheme
{
    public const string FontName = "DejaVu Sans";

    public static readonly Color Theory = Color.FromHex("#1a1a1a");
    public static readonly Color Sgd = Color.FromHex("#1f77b4");
    public static readonly Color SecondBand = Color.FromHex("#d95f02");
    public static readonly Color Fit = Color.FromHex("#d62728");
    public static readonly Color Reference = Color.FromHex("#7f7f7f");

    public const float TitleSize = 26;
    public const float SubtitleSize = 18;
    public const float AxisLabelSize = 22;
    public const float TickLabelSize = 17;
    public const float LegendSize = 17;
    public const float TheoryWidth = 3;
    public const float MeanWidth = 2;
    public const float MarkerSize = 8;
    public const double BandOpacity = 0.25;

    /// <summary>
    /// Fixed margins (rather than ScottPlot's automatic ones) keep the data areas of stacked
    /// panels aligned even when their tick labels differ in width.
    /// </summary>
    public const float LeftMargin = 125;
    public const float RightMargin = 40;
    public const float BottomMargin = 80;
    public const float BottomMarginTicksOnly = 45;
    public const float TopMarginWithTitle = 75;
    public const float TopMarginWithSubtitle = 115;
    public const float TopMarginPlain = 25;

    public static void Apply(Plot plot)
    {
        plot.Font.Set(FontName);
        foreach (var axis in new IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
        {
            axis.Label.FontSize = AxisLabelSize;
            axis.Label.Bold = false;
            axis.TickLabelStyle.FontSize = TickLabelSize;
        }
        plot.Grid.MajorLineColor = Colors.Black.WithOpacity(0.12);
        plot.Grid.MinorLineColor = Colors.Black.WithOpacity(0.05);
        plot.Grid.MinorLineWidth = 1;
        plot.Legend.FontSize = LegendSize;
        plot.Legend.FontName = FontName;
        plot.Legend.BackgroundColor = Colors.White.WithOpacity(0.85);
        // Long enough to show a few dashes of a dashed series.
        plot.Legend.SymbolWidth = 44;
    }
}
