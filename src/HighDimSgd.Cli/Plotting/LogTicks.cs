using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace HighDimSgd.Cli.Plotting;

/// <summary>
/// Tick marks for an axis that shows log10 of the data. The labels show the data values; the
/// tick family adapts to the number of decades so a narrow range still gets several labels.
/// </summary>
internal static class LogTicks
{
    private const int MinimumLabelledTicks = 3;
    private const int MaximumLabelledDecades = 8;

    public static NumericManual For(CoordinateSpan logLimits) => ToGenerator(Compute(logLimits));

    public static NumericManual ToGenerator(IEnumerable<Tick> ticks)
    {
        var generator = new NumericManual();
        foreach (var tick in ticks) generator.Add(tick);
        return generator;
    }

    /// <summary>The tick marks themselves (NumericManual only exposes them after a render).</summary>
    public static List<Tick> Compute(CoordinateSpan logLimits)
    {
        var ticks = new TickList();
        double lo = logLimits.Min, hi = logLimits.Max;
        int firstDecade = (int)Math.Floor(lo), lastDecade = (int)Math.Ceiling(hi);

        if (hi - lo >= 2.5)
        {
            AddPowersOfTen(ticks, lo, hi, firstDecade, lastDecade);
            return ticks;
        }

        foreach (int[] mantissas in new[] { new[] { 1, 2, 5 }, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 } })
        {
            var majors = MantissaTicks(mantissas, lo, hi, firstDecade, lastDecade);
            if (majors.Count < MinimumLabelledTicks) continue;
            foreach (double value in majors) ticks.AddMajor(Math.Log10(value), FormatValue(value));
            foreach (double value in MantissaTicks([1, 2, 3, 4, 5, 6, 7, 8, 9], lo, hi, firstDecade, lastDecade))
                if (!majors.Contains(value)) ticks.AddMinor(Math.Log10(value));
            return ticks;
        }

        // Less than about a third of a decade: the axis is nearly linear, so linear steps read best.
        double bottom = Math.Pow(10, lo), top = Math.Pow(10, hi);
        double step = NiceStep((top - bottom) / 4);
        // Integer multiples of the step, so rounding does not accumulate along the axis.
        for (long k = (long)Math.Ceiling(bottom / step); k <= (long)Math.Floor(top / step); k++)
        {
            double value = k * step;
            if (value > 0) ticks.AddMajor(Math.Log10(value), FormatValue(value));
        }
        return ticks;
    }

    private static void AddPowersOfTen(TickList ticks, double lo, double hi, int firstDecade, int lastDecade)
    {
        int stride = Math.Max(1, (int)Math.Ceiling((hi - lo) / MaximumLabelledDecades));
        for (int decade = firstDecade; decade <= lastDecade; decade++)
        {
            if (decade >= lo && decade <= hi)
            {
                if (decade % stride == 0) ticks.AddMajor(decade, FormatPowerOfTen(decade));
                else ticks.AddMinor(decade);
            }
            if (stride > 1) continue;
            for (int mantissa = 2; mantissa <= 9; mantissa++)
            {
                double position = decade + Math.Log10(mantissa);
                if (position >= lo && position <= hi) ticks.AddMinor(position);
            }
        }
    }

    private static List<double> MantissaTicks(int[] mantissas, double lo, double hi, int firstDecade, int lastDecade)
    {
        var values = new List<double>();
        for (int decade = firstDecade; decade <= lastDecade; decade++)
        {
            foreach (int mantissa in mantissas)
            {
                // Built from the decimal string so 3e-2 is exactly the double a user would type.
                double value = double.Parse($"{mantissa}e{decade}", CultureInfo.InvariantCulture);
                double position = Math.Log10(value);
                if (position >= lo && position <= hi) values.Add(value);
            }
        }
        return values;
    }

    private static double NiceStep(double roughStep)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(roughStep)));
        double scaled = roughStep / magnitude;
        double nice = scaled < 1.5 ? 1 : scaled < 3.5 ? 2 : scaled < 7.5 ? 5 : 10;
        return nice * magnitude;
    }

    public static string FormatPowerOfTen(int exponent) => "10" + Superscript(exponent);

    /// <summary>Plain decimals in the everyday range, "m×10ᵏ" outside it.</summary>
    public static string FormatValue(double value)
    {
        double magnitude = Math.Abs(value);
        if (magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e5))
            return value.ToString("G6", CultureInfo.InvariantCulture);
        int exponent = (int)Math.Floor(Math.Log10(magnitude));
        double mantissa = value / Math.Pow(10, exponent);
        string mantissaText = mantissa.ToString("G3", CultureInfo.InvariantCulture);
        return mantissaText == "1" ? FormatPowerOfTen(exponent) : $"{mantissaText}×{FormatPowerOfTen(exponent)}";
    }

    private static string Superscript(int exponent)
    {
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        string magnitude = string.Concat(Math.Abs(exponent).ToString(CultureInfo.InvariantCulture).Select(c => digits[c - '0']));
        return exponent < 0 ? "⁻" + magnitude : magnitude;
    }

    /// <summary>Collects ticks with NumericManual's AddMajor/AddMinor vocabulary.</summary>
    private sealed class TickList : List<Tick>
    {
        public void AddMajor(double position, string label) => Add(Tick.Major(position, label));

        public void AddMinor(double position) => Add(Tick.Minor(position));
    }
}
