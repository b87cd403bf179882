namespace HighDimSgd.Cli.Plotting;

/// <summary>
/// One extra statistic (e.g. "lr" or "norm") drawn as its own panel below the main one.
/// </summary>
public sealed record StatisticPanel(string Name, Curve Theory, CurveBand Sgd, bool LogY = false)
{
    /// <summary>A second simulation of the same statistic (e.g. SGD on real samples).</summary>
    public CurveBand? SecondBand { get; init; }

    /// <summary>A second theory of the same statistic (e.g. the commuting approximation).</summary>
    public Curve? SecondTheory { get; init; }
}

/// <summary>Everything <see cref="ComparePlot"/> draws: theory against SGD, optionally a second simulation and a second theory.</summary>
public sealed record ComparePlotData
{
    public required string Title { get; init; }
    public string? Subtitle { get; init; }
    public string XLabel { get; init; } = "t = n/d";
    public required string YLabel { get; init; }
    public bool LogX { get; init; }
    public bool LogY { get; init; }
    public required Curve Theory { get; init; }
    public required CurveBand Sgd { get; init; }

    /// <summary>A second simulation: homogenized SGD, or SGD on the real samples.</summary>
    public CurveBand? SecondBand { get; init; }

    /// <summary>A second theory, e.g. the commuting approximation next to the dense form.</summary>
    public Curve? SecondTheory { get; init; }

    public IReadOnlyList<StatisticPanel> ExtraPanels { get; init; } = [];
}
