using HighDimSgd.Core.Dynamics;
using HighDimSgd.Simulation;

namespace HighDimSgd.Cli.Application;

/// <summary>Theory against the mean of simulated runs at one checkpoint, for one statistic.</summary>
public readonly record struct CheckpointAgreement(double Time, double Theory, double Mean, double StandardError)
{
    /// <summary>Differences and standard errors up to this fraction of the values are round-off.</summary>
    public const double RoundOff = 1e-12;

    /// <summary>|mean - theory| / |theory| (0 when both are equal, also when both are 0).</summary>
    public double RelativeGap => Mean == Theory ? 0 : Math.Abs(Mean - Theory) / Math.Abs(Theory);

    /// <summary>
    /// (mean - theory) / standard error. When the standard error is zero or round-off (every run in the same state, as
    /// at t = 0): 0 when the gap is round-off as well, otherwise +-Infinity; NaN without a standard error (one run).
    /// </summary>
    public double GapInStandardErrors
    {
        get
        {
            var gap = Mean - Theory;
            if (gap == 0) return 0;
            if (double.IsNaN(StandardError) || double.IsNaN(gap)) return double.NaN;
            var roundOff = RoundOff * Math.Max(Math.Abs(Mean), Math.Abs(Theory));
            if (StandardError <= roundOff) return Math.Abs(gap) <= roundOff ? 0 : gap > 0 ? double.PositiveInfinity : double.NegativeInfinity;
            return gap / StandardError;
        }
    }
}

/// <summary>
/// The headline agreement of <c>compare</c>: the largest relative gap over the checkpoints where the SGD mean exists
/// (null when there is none after t = 0), the largest gap in standard errors, how many SGD runs diverged and when, and
/// the last checkpoint compared (that both the theory and the SGD mean reached).
/// </summary>
public sealed record AgreementSummary(
    double? Gap, double? Time, double? MaxStandardErrors, int Runs, int Diverged, double? FirstDivergence, double? LastDivergence,
    double? LastTime)
{
    /// <summary>Every SGD run diverged.</summary>
    public bool AllDiverged => Runs > 0 && Diverged == Runs;
}

/// <summary>
/// The result of <c>compare</c>: the ODE, the SGD ensemble (and homogenized SGD), and their agreement. On real data the
/// SGD ensemble runs on the Gaussian-mixture surrogate that the theory solves (its gap is the solver's accuracy), and
/// <see cref="RealData"/> on the real samples (its gap to the theory is a property of the data set).
/// </summary>
public sealed record Comparison(
    TheoryResult Theory,
    EnsembleResult Sgd,
    EnsembleResult? Homogenized,
    int Dimension,
    int Runs,
    ulong Seed)
{
    /// <summary>Inputs in the test sample of the SGD runs (0: none).</summary>
    public int TestSampleSize { get; init; }

    /// <summary>Real data: SGD on the training samples, evaluated on the test split.</summary>
    public EnsembleResult? RealData { get; init; }

    /// <summary>Real data solved in the dense form: the commuting approximation of the same problem, for comparison.</summary>
    public TheoryResult? Commuting { get; init; }

    /// <summary>Per checkpoint |real - theory| / |theory| of the risk and the largest one (real data only).</summary>
    public (double Largest, double Time, double Final)? RealDataGap(string statistic = "risk")
    {
        if (RealData is null) return null;
        var theory = Theory.Column(statistic);
        var real = RealData.MeanOf(statistic);
        var count = Math.Min(theory.Length, real.Length);
        var gaps = Enumerable.Range(0, count).Where(k => RealData.Count(k) > 0)
            .Select(k => (Gap: Math.Abs(real[k] - theory[k]) / Math.Abs(theory[k]), Time: Theory.Times[k])).ToArray();
        if (gaps.Length == 0) return null;
        var worst = gaps.MaxBy(g => g.Gap);
        return (worst.Gap, worst.Time, gaps[^1].Gap);
    }

    /// <summary>|commuting - dense| / |dense| of the risk, largest over the checkpoints.</summary>
    public (double Largest, double Time)? CommutingGap(string statistic = "risk")
    {
        if (Commuting is null) return null;
        var dense = Theory.Column(statistic);
        var commuting = Commuting.Column(statistic);
        var count = Math.Min(dense.Length, commuting.Length);
        var worst = Enumerable.Range(0, count).Select(k => (Gap: Math.Abs(commuting[k] - dense[k]) / Math.Abs(dense[k]), Time: Theory.Times[k]))
            .DefaultIfEmpty((Gap: double.NaN, Time: double.NaN)).MaxBy(g => g.Gap);
        return (worst.Gap, worst.Time);
    }

    /// <summary>
    /// Per checkpoint agreement for <paramref name="statistic"/> (default: risk), over the times both reached: the
    /// checkpoints where the theory and the SGD mean (over the runs that had not diverged) exist.
    /// </summary>
    public CheckpointAgreement[] Agreement(string statistic = "risk")
    {
        var theory = Theory.Column(statistic);
        var mean = Sgd.MeanOf(statistic);
        var se = Sgd.StandardErrorOf(statistic);
        var count = Math.Min(theory.Length, mean.Length);
        var rows = new List<CheckpointAgreement>(count);
        for (var k = 0; k < count; k++)
            if (Sgd.Count(k) > 0) rows.Add(new CheckpointAgreement(Theory.Times[k], theory[k], mean[k], se[k]));
        return [.. rows];
    }

    /// <summary>
    /// Largest relative gap of <paramref name="statistic"/> and where it occurs, over the checkpoints where the SGD mean
    /// exists (none when the only one is t = 0 and runs diverged); largest |gap| in standard errors; the diverged runs.
    /// </summary>
    public AgreementSummary Summary(string statistic = "risk") => Summarize(Agreement(statistic));

    /// <summary>
    /// The theory's risk against the SGD mean of the test-sample risk (<c>simulation.test-samples</c>), which no quadrature
    /// computed; null without a test sample. Its standard error adds, in quadrature, the runs' spread and the sample's own
    /// error: the sample is shared by the runs, so that part does not average out, and the mean of the runs' sample errors
    /// bounds it.
    /// </summary>
    public CheckpointAgreement[]? TestRiskAgreement()
    {
        if (!Sgd.Columns.Contains(SimulationFactory.TestRiskColumn)) return null;
        var theory = Theory.Column("risk");
        var mean = Sgd.MeanOf(SimulationFactory.TestRiskColumn);
        var spread = Sgd.StandardErrorOf(SimulationFactory.TestRiskColumn);
        var sampling = Sgd.MeanOf(SimulationFactory.TestRiskErrorColumn);
        var count = Math.Min(theory.Length, mean.Length);
        var rows = new List<CheckpointAgreement>(count);
        for (var k = 0; k < count; k++)
            if (Sgd.Count(k) > 0)
                rows.Add(new CheckpointAgreement(Theory.Times[k], theory[k], mean[k], Math.Sqrt(spread[k] * spread[k] + sampling[k] * sampling[k])));
        return [.. rows];
    }

    /// <summary>The headline agreement of the test-sample risk (<see cref="TestRiskAgreement"/>), null without a test sample.</summary>
    public AgreementSummary? TestRiskSummary() => TestRiskAgreement() is { } rows ? Summarize(rows) : null;

    private AgreementSummary Summarize(CheckpointAgreement[] agreement)
    {
        var rows = agreement.Where(r => double.IsFinite(r.Theory) && double.IsFinite(r.Mean)).ToArray();
        var divergences = Sgd.Divergences;
        // With diverged runs a gap at t = 0 alone says nothing: every run starts from the theory's initial state.
        var candidates = rows.Where(r => !double.IsNaN(r.RelativeGap)).ToArray();
        if (divergences.Count > 0 && candidates.All(r => r.Time == 0)) candidates = [];
        double? gap = null, time = null, sigmas = null;
        if (candidates.Length > 0)
        {
            var worst = candidates.MaxBy(r => r.RelativeGap);
            gap = worst.RelativeGap;
            time = worst.Time;
            // At t = 0 every run has the same state: the standard error there is round-off, not statistics.
            sigmas = candidates.Where(r => r.Time > 0 && r.StandardError > CheckpointAgreement.RoundOff * Math.Abs(r.Theory))
                .Select(r => Math.Abs(r.GapInStandardErrors)).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        }
        return new AgreementSummary(gap, time, sigmas, Sgd.Runs, divergences.Count,
            divergences.Count > 0 ? divergences.Min(d => d.Time) : null, divergences.Count > 0 ? divergences.Max(d => d.Time) : null,
            rows.Length > 0 ? rows[^1].Time : null);
    }

    /// <summary>One line for the console (three on real data: surrogate, real samples, commuting approximation).</summary>
    public string SummaryLine()
    {
        var summary = Summary();
        var what = RealData is null ? "" : " (theory vs SGD on the Gaussian surrogate)";
        var setting = $"(d = {Dimension}, {Runs} runs; ODE {Theory.Description}, {Theory.WallTime.TotalSeconds:F2} s)";
        string line;
        if (summary.AllDiverged)
        {
            var before = summary.Gap is { } g
                ? $"; over the checkpoints both reached (t <= {summary.LastTime:G4}) the largest relative gap of the risk was {g:P2} at t = {summary.Time:G4}"
                : "";
            line = $"agreement{what}: none: all {summary.Runs} SGD runs diverged (first at t = {summary.FirstDivergence:G4}, " +
                   $"last at t = {summary.LastDivergence:G4}){before} {setting}";
        }
        else
        {
            var gap = summary.Gap is { } g ? $"largest relative gap of the risk {g:P2} at t = {summary.Time:G4}" : "no checkpoint to compare";
            var diverged = summary.Diverged > 0
                ? $"; {summary.Diverged} of {summary.Runs} SGD runs diverged (first at t = {summary.FirstDivergence:G4}; the mean after that is over the others)"
                : "";
            line = $"agreement{what}: {gap}; largest gap {summary.MaxStandardErrors ?? 0:F1} standard errors{diverged} {setting}";
        }
        if (TestRiskSummary() is { Gap: { } testGap } test)
            line += $"\nindependent check, risk on a test sample of {TestSampleSize} inputs (no quadrature): largest relative gap {testGap:P2} " +
                    $"at t = {test.Time:G4}; largest gap {test.MaxStandardErrors ?? 0:F1} standard errors (runs and sample)";
        if (RealDataGap() is var (largest, at, final))
            line += $"\ntheory vs SGD on the real samples (test loss): largest relative gap {largest:P2} at t = {at:G4}, {final:P2} at the end " +
                    "(a property of the data set: how far it is from its Gaussian surrogate)";
        if (CommutingGap() is var (commuting, when))
            line += $"\ncommuting approximation vs dense theory: largest relative gap of the risk {commuting:P2} at t = {when:G4}";
        return line;
    }

    /// <summary>Solves the ODE and simulates SGD (and optionally homogenized SGD) for a problem.</summary>
    public static Comparison Run(ProblemContext context, int runs, ulong seed, bool homogenized, string? method = null,
        IProgress<(string Stage, double Fraction)>? progress = null)
    {
        if (runs < 2) throw new UserErrorException($"--runs must be at least 2 to estimate a standard error, got {runs}");
        // Every setup is built (and so checked) before the first long computation starts.
        var options = context.SolverOptions(method);
        var sgdSetup = SimulationFactory.Sgd(context, seed);
        var hsgdSetup = homogenized ? SimulationFactory.Homogenized(context, seed) : null;
        var realSetup = context.RealData is not null ? SimulationFactory.RealSgd(context, seed) : null;
        var theory = TheorySolver.Solve(context.Dynamics, context.Statistics, options, Report(progress, "ODE"));
        var commuting = theory.Method == "dense"
            ? TheorySolver.Solve(context.Dynamics, context.Statistics, options with { Method = "eigen" }, Report(progress, "ODE, commuting approximation"))
            : null;
        var sgd = SgdEnsemble.Run(sgdSetup, runs, seed, Report(progress, realSetup is null ? "SGD" : "SGD on the Gaussian surrogate"));
        var hsgd = hsgdSetup is null ? null : HomogenizedSgd.Run(hsgdSetup, runs, seed + 7919, Report(progress, "homogenized SGD"));
        // Its own streams (orders of the samples), not the surrogate's draws.
        var real = realSetup is null ? null : SgdEnsemble.Run(realSetup, runs, seed + 7919, Report(progress, "SGD on the real samples"));
        return new Comparison(theory, sgd, hsgd, context.Dimension, runs, seed)
        {
            RealData = real,
            Commuting = commuting,
            TestSampleSize = sgd.Columns.Contains(SimulationFactory.TestRiskColumn) ? context.Problem.Simulation.TestSamples : 0,
        };
    }

    private static IProgress<double>? Report(IProgress<(string, double)>? progress, string stage) =>
        progress is null ? null : new Reporter<double>(f => progress.Report((stage, f)));
}

/// <summary>A synchronous <see cref="IProgress{T}"/> (the BCL's Progress posts to the thread pool and may report late).</summary>
public sealed class Reporter<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => report(value);
}
