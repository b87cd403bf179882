namespace HighDimSgd.Cli.Plotting;

/// <summary>
/// One extra statistic (e.g. "lr" or "norm") drawn as its own panel below the main one.
/// </summary>
public sealed record StatisticPanel(string Name, Curve Theory, CurveBand Sgd, bool LogY = false);

/// <summary>Everything <see cref="ComparePlot"/> draws: theory against SGD, optionally homogenized SGD.</summary>
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
    public CurveBand? Homogenized { get; init; }
    public IReadOnlyList<StatisticPanel> ExtraPanels { get; init; } = [];
}
