namespace HighDimSgd.Cli.Plotting;

/// <summary>
/// Maps data values to plot coordinates. ScottPlot has no logarithmic axis, so a log axis plots
/// log10 of the data and labels its ticks with the original values (see <see cref="LogTicks"/>).
/// </summary>
internal sealed class AxisScale
{
    public static readonly AxisScale Linear = new(isLog: false);
    public static readonly AxisScale Log10 = new(isLog: true);

    private AxisScale(bool isLog) => IsLog = isLog;

    public bool IsLog { get; }

    public static AxisScale For(bool log) => log ? Log10 : Linear;

    /// <summary>
    /// False for values the axis cannot show: non-finite ones, and values &lt;= 0 on a log axis
    /// (callers drop those points rather than fail, since a zero risk is a legitimate result).
    /// </summary>
    public bool TryMap(double value, out double coordinate)
    {
        coordinate = IsLog ? Math.Log10(value) : value;
        return double.IsFinite(coordinate);
    }

    public double Unmap(double coordinate) => IsLog ? Math.Pow(10, coordinate) : coordinate;
}

/// <summary>An inclusive coordinate interval, grown point by point.</summary>
internal readonly record struct CoordinateSpan(double Min, double Max)
{
    public static readonly CoordinateSpan Empty = new(double.PositiveInfinity, double.NegativeInfinity);

    public bool IsEmpty => Min > Max;

    public CoordinateSpan Include(double coordinate) => new(Math.Min(Min, coordinate), Math.Max(Max, coordinate));

    public CoordinateSpan Union(CoordinateSpan other) => new(Math.Min(Min, other.Min), Math.Max(Max, other.Max));

    /// <summary>
    /// Axis limits around the data with a small margin; a degenerate span (one point, or a constant
    /// curve) is widened so the axis still has a visible extent.
    /// </summary>
    public CoordinateSpan Padded(double fraction, double minimumWidth)
    {
        if (IsEmpty) return new CoordinateSpan(0, 1);
        double width = Math.Max(Max - Min, minimumWidth);
        double centre = (Min + Max) / 2;
        double half = width / 2 * (1 + 2 * fraction);
        return new CoordinateSpan(centre - half, centre + half);
    }
}
