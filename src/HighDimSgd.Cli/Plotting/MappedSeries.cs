namespace HighDimSgd.Cli.Plotting;

/// <summary>A curve in plot coordinates, with the points an axis cannot show already dropped.</summary>
internal sealed record MappedLine(double[] Xs, double[] Ys)
{
    public int Count => Xs.Length;

    public static MappedLine From(double[] times, double[] values, AxisScale xScale, AxisScale yScale)
    {
        var xs = new List<double>(times.Length);
        var ys = new List<double>(times.Length);
        for (int i = 0; i < times.Length; i++)
        {
            if (xScale.TryMap(times[i], out double x) && yScale.TryMap(values[i], out double y))
            {
                xs.Add(x);
                ys.Add(y);
            }
        }
        return new MappedLine([.. xs], [.. ys]);
    }

    public CoordinateSpan XSpan() => SpanOf(Xs);

    public CoordinateSpan YSpan() => SpanOf(Ys);

    private static CoordinateSpan SpanOf(double[] coordinates)
    {
        var span = CoordinateSpan.Empty;
        foreach (double c in coordinates) span = span.Include(c);
        return span;
    }
}

/// <summary>An ensemble mean and its ± 2 se band in plot coordinates.</summary>
internal sealed record MappedBand(MappedLine Mean, double[] Lower, double[] Upper)
{
    /// <summary>
    /// On a log axis a band may reach zero or below (a noisy mean near zero). Such a lower edge is
    /// drawn at <paramref name="logFloor"/>, so the band visibly runs off the bottom of the data
    /// instead of the point being lost; the mean itself is dropped only where it is not positive.
    /// </summary>
    public static MappedBand From(CurveBand band, AxisScale xScale, AxisScale yScale, double logFloor)
    {
        var xs = new List<double>(band.Times.Length);
        var means = new List<double>(band.Times.Length);
        var lowers = new List<double>(band.Times.Length);
        var uppers = new List<double>(band.Times.Length);
        for (int i = 0; i < band.Times.Length; i++)
        {
            if (!xScale.TryMap(band.Times[i], out double x) || !yScale.TryMap(band.Mean[i], out double mean))
                continue;
            double lower = yScale.TryMap(band.Lower(i), out double l) ? l : logFloor;
            if (yScale.IsLog) lower = Math.Max(lower, logFloor);
            double upper = yScale.TryMap(band.Upper(i), out double u) ? u : mean;
            xs.Add(x);
            means.Add(mean);
            lowers.Add(lower);
            uppers.Add(upper);
        }
        return new MappedBand(new MappedLine([.. xs], [.. means]), [.. lowers], [.. uppers]);
    }

    public CoordinateSpan YSpan()
    {
        var span = Mean.YSpan();
        foreach (double c in Lower) span = span.Include(c);
        foreach (double c in Upper) span = span.Include(c);
        return span;
    }
}
