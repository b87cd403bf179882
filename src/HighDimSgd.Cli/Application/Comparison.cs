using HighDimSgd.Core.Dynamics;
using HighDimSgd.Simulation;

namespace HighDimSgd.Cli.Application;

/// <summary>Theory against the mean of simulated runs at one checkpoint, for one statistic.</summary>
public readonly record struct CheckpointAgreement(double Time, double Theory, double Mean, double StandardError)
{
    /// <summary>|mean - theory| / |theory|.</summary>
    public double RelativeGap => Math.Abs(Mean - Theory) / Math.Abs(Theory);

    /// <summary>(mean - theory) / standard error (0 when both agree exactly, e.g. at t = 0).</summary>
    public double GapInStandardErrors => Mean == Theory ? 0 : (Mean - Theory) / StandardError;
}

/// <summary>The result of <c>compare</c>: the ODE, the SGD ensemble (and homogenized SGD), and their agreement.</summary>
public sealed record Comparison(
    TheoryResult Theory,
    EnsembleResult Sgd,
    EnsembleResult? Homogenized,
    int Dimension,
    int Runs,
    ulong Seed)
{
    /// <summary>Per checkpoint agreement for <paramref name="statistic"/> (default: risk), over the times both reached.</summary>
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

    /// <summary>Largest relative gap of the risk and where it occurs; largest |gap| in standard errors.</summary>
    public (double Gap, double Time, double MaxStandardErrors) Summary(string statistic = "risk")
    {
        var rows = Agreement(statistic);
        var worst = rows.MaxBy(r => r.RelativeGap);
        // At t = 0 every run has the same state: the standard error there is round-off, not statistics.
        var sigmas = rows.Where(r => r.Time > 0 && r.StandardError > 1e-12 * Math.Abs(r.Theory))
            .Select(r => Math.Abs(r.GapInStandardErrors)).DefaultIfEmpty(0).Max();
        return (worst.RelativeGap, worst.Time, sigmas);
    }

    /// <summary>One line for the console.</summary>
    public string SummaryLine()
    {
        var (gap, time, sigmas) = Summary();
        return $"agreement: largest relative gap of the risk {gap:P2} at t = {time:G4}; largest gap {sigmas:F1} standard errors " +
               $"(d = {Dimension}, {Runs} runs; ODE {Theory.Description}, {Theory.WallTime.TotalSeconds:F2} s)";
    }

    /// <summary>Solves the ODE and simulates SGD (and optionally homogenized SGD) for a problem.</summary>
    public static Comparison Run(ProblemContext context, int runs, ulong seed, bool homogenized, string? method = null,
        IProgress<(string Stage, double Fraction)>? progress = null)
    {
        if (runs < 2) throw new UserErrorException($"--runs must be at least 2 to estimate a standard error, got {runs}");
        // Every setup is built (and so checked) before the first long computation starts.
        var options = context.SolverOptions(method);
        var sgdSetup = SimulationFactory.Sgd(context);
        var hsgdSetup = homogenized ? SimulationFactory.Homogenized(context) : null;
        var theory = TheorySolver.Solve(context.Dynamics, context.Statistics, options, Report(progress, "ODE"));
        var sgd = SgdEnsemble.Run(sgdSetup, runs, seed, Report(progress, "SGD"));
        var hsgd = hsgdSetup is null ? null : HomogenizedSgd.Run(hsgdSetup, runs, seed + 7919, Report(progress, "homogenized SGD"));
        return new Comparison(theory, sgd, hsgd, context.Dimension, runs, seed);
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
