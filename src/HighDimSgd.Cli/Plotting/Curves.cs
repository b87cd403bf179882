namespace HighDimSgd.Cli.Plotting;

/// <summary>A deterministic curve, e.g. the ODE prediction of a statistic against t = n/d.</summary>
public sealed record Curve(string Label, double[] Times, double[] Values)
{
    public Curve Validated()
    {
        RequireSameLength(Label, Times, Values, nameof(Values));
        return this;
    }

    internal static void RequireSameLength(string label, double[] times, double[] values, string valuesName)
    {
        if (times.Length != values.Length)
            throw new ArgumentException(
                $"Curve '{label}': {valuesName} has {values.Length} points but Times has {times.Length}.");
    }
}

/// <summary>
/// An ensemble mean with its standard error; plots draw the band mean ± 2 se (about a 95% interval).
/// </summary>
public sealed record CurveBand(string Label, double[] Times, double[] Mean, double[] StandardError)
{
    public const double BandHalfWidthInStandardErrors = 2.0;

    public CurveBand Validated()
    {
        Curve.RequireSameLength(Label, Times, Mean, nameof(Mean));
        Curve.RequireSameLength(Label, Times, StandardError, nameof(StandardError));
        return this;
    }

    public double Lower(int i) => Mean[i] - BandHalfWidthInStandardErrors * StandardError[i];

    public double Upper(int i) => Mean[i] + BandHalfWidthInStandardErrors * StandardError[i];
}
