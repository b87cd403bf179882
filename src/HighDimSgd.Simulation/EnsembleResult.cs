namespace HighDimSgd.Simulation;

/// <summary>Why and when one run stopped early.</summary>
/// <param name="Run">Run index.</param>
/// <param name="Time">Time t = k/d at which divergence was detected.</param>
/// <param name="Reason">Human-readable cause (non-finite values or a norm limit).</param>
public sealed record Divergence(int Run, double Time, string Reason);

/// <summary>The statistics of one run: <c>Values[checkpoint][column]</c>, with the checkpoints after a divergence left NaN.</summary>
public sealed record RunTrajectory(
    IReadOnlyList<double> Times,
    IReadOnlyList<string> Columns,
    double[][] Values,
    int RecordedCheckpoints,
    Divergence? Divergence);

/// <summary>
/// Ensemble statistics per checkpoint and column: mean over the runs that reached the checkpoint, its
/// standard error (sample standard deviation / sqrt(count)), and the count.
/// </summary>
public sealed class EnsembleResult
{
    private readonly double[] _mean;
    private readonly double[] _standardError;
    private readonly int[] _counts;

    internal EnsembleResult(IReadOnlyList<double> times, IReadOnlyList<string> columns, int runs,
        double[] mean, double[] standardError, int[] counts, IReadOnlyList<Divergence> divergences)
    {
        Times = times;
        Columns = columns;
        Runs = runs;
        _mean = mean;
        _standardError = standardError;
        _counts = counts;
        Divergences = divergences;
    }

    /// <summary>Checkpoint times t.</summary>
    public IReadOnlyList<double> Times { get; }

    /// <summary>Column names: the evaluator's columns followed by "lr".</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Number of runs started.</summary>
    public int Runs { get; }

    /// <summary>Runs that stopped early, ordered by run index.</summary>
    public IReadOnlyList<Divergence> Divergences { get; }

    /// <summary>Mean of column <paramref name="column"/> at checkpoint <paramref name="checkpoint"/>.</summary>
    public double Mean(int checkpoint, int column) => _mean[checkpoint * Columns.Count + column];

    /// <summary>Standard error of that mean (NaN with fewer than two runs).</summary>
    public double StandardError(int checkpoint, int column) => _standardError[checkpoint * Columns.Count + column];

    /// <summary>How many runs reached checkpoint <paramref name="checkpoint"/>.</summary>
    public int Count(int checkpoint) => _counts[checkpoint];

    /// <summary>Index of the column named <paramref name="name"/>.</summary>
    public int ColumnIndex(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == name)
            {
                return i;
            }
        }

        throw new KeyNotFoundException($"No column '{name}'; columns are {string.Join(", ", Columns)}.");
    }

    /// <summary>The mean curve of column <paramref name="name"/> over all checkpoints.</summary>
    public double[] MeanOf(string name)
    {
        var column = ColumnIndex(name);
        return Enumerable.Range(0, Times.Count).Select(k => Mean(k, column)).ToArray();
    }

    /// <summary>The standard-error curve of column <paramref name="name"/>.</summary>
    public double[] StandardErrorOf(string name)
    {
        var column = ColumnIndex(name);
        return Enumerable.Range(0, Times.Count).Select(k => StandardError(k, column)).ToArray();
    }
}
