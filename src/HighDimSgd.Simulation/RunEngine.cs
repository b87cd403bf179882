using HighDimSgd.Core;

namespace HighDimSgd.Simulation;

/// <summary>A simulation that can be repeated over seeds: creates per-thread workers with their own buffers.</summary>
internal abstract class RunEngine
{
    public const string LearningRateColumn = "lr";

    protected RunEngine(IReadOnlyList<double> times, IReadOnlyList<string> statisticColumns, long stepsPerRun)
    {
        Times = times;
        Columns = [.. statisticColumns, LearningRateColumn];
        StepsPerRun = stepsPerRun;
    }

    public IReadOnlyList<double> Times { get; }

    public IReadOnlyList<string> Columns { get; }

    public long StepsPerRun { get; }

    public abstract RunWorker CreateWorker();

    /// <summary>About how many numbers one worker's buffers hold, for the memory check before the workers are made.</summary>
    public abstract double NumbersPerWorker { get; }

    /// <summary>One run with its own buffers (convenience for single trajectories).</summary>
    public RunTrajectory RunSingle(ulong seed, int runIndex)
    {
        var values = new double[Times.Count * Columns.Count];
        var divergence = CreateWorker().Run(seed, runIndex, values, null, out var recorded);
        var rows = new double[Times.Count][];
        for (var k = 0; k < rows.Length; k++)
        {
            rows[k] = values.AsSpan(k * Columns.Count, Columns.Count).ToArray();
        }

        return new RunTrajectory(Times, Columns, rows, recorded, divergence);
    }
}

/// <summary>Per-thread state of a <see cref="RunEngine"/>; reused for successive runs on that thread.</summary>
internal abstract class RunWorker
{
    /// <summary>
    /// Runs index <paramref name="runIndex"/> with the stream fixed by (<paramref name="seed"/>, run index), writes
    /// <c>values[checkpoint * columns + column]</c> (NaN after a divergence), reports completed steps, and
    /// returns the divergence or null.
    /// </summary>
    public abstract Divergence? Run(ulong seed, int runIndex, Span<double> values, Action<long>? stepsDone, out int recordedCheckpoints);
}

/// <summary>Runs an engine over many seeds in parallel and reduces the runs to means and standard errors.</summary>
internal static class EnsembleRunner
{
    public static EnsembleResult Run(RunEngine engine, int runs, ulong seed, int? maxDegreeOfParallelism, IProgress<double>? progress)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var width = engine.Times.Count * engine.Columns.Count;
        var threads = maxDegreeOfParallelism ?? Environment.ProcessorCount;
        ResourceBudget.Require((double)runs * width + Math.Min(threads, runs) * engine.NumbersPerWorker,
            $"{runs:N0} runs (simulation.runs or --runs) x {engine.Times.Count:N0} checkpoints (output.checkpoints) x {engine.Columns.Count} columns, " +
            $"and {Math.Min(threads, runs)} worker(s) of {engine.NumbersPerWorker:G3} numbers");
        // Every run writes its own slice, and the reduction below goes in run order, so the result does not
        // depend on which thread ran what.
        var values = new double[(long)runs * width];
        var recorded = new int[runs];
        var divergences = new Divergence?[runs];
        var tracker = new ProgressTracker(progress, (double)runs * Math.Max(1, engine.StepsPerRun));
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        Parallel.For(0, runs, options, engine.CreateWorker, (run, _, worker) =>
        {
            divergences[run] = worker.Run(seed, run, values.AsSpan(run * width, width), tracker.Add, out recorded[run]);
            return worker;
        }, _ => { });
        progress?.Report(1.0);
        return Reduce(engine, runs, values, recorded, divergences);
    }

    private static EnsembleResult Reduce(RunEngine engine, int runs, double[] values, int[] recorded, Divergence?[] divergences)
    {
        var columns = engine.Columns.Count;
        var checkpoints = engine.Times.Count;
        var width = checkpoints * columns;
        var mean = new double[width];
        var standardError = new double[width];
        var counts = new int[checkpoints];
        for (var k = 0; k < checkpoints; k++)
        {
            for (var run = 0; run < runs; run++)
            {
                if (recorded[run] > k)
                {
                    counts[k]++;
                }
            }

            for (var c = 0; c < columns; c++)
            {
                var index = k * columns + c;
                double sum = 0;
                for (var run = 0; run < runs; run++)
                {
                    if (recorded[run] > k)
                    {
                        sum += values[run * width + index];
                    }
                }

                var n = counts[k];
                var m = n > 0 ? sum / n : double.NaN;
                double squares = 0;
                for (var run = 0; run < runs; run++)
                {
                    if (recorded[run] > k)
                    {
                        var deviation = values[run * width + index] - m;
                        squares += deviation * deviation;
                    }
                }

                mean[index] = m;
                standardError[index] = n > 1 ? Math.Sqrt(squares / (n - 1) / n) : double.NaN;
            }
        }

        var diverged = divergences.Where(x => x is not null).Select(x => x!).ToArray();
        return new EnsembleResult(engine.Times, engine.Columns, runs, mean, standardError, counts, diverged);
    }

    private sealed class ProgressTracker(IProgress<double>? progress, double totalSteps)
    {
        private long _done;
        private long _lastReportedPermille = -1;

        public void Add(long steps)
        {
            if (progress is null)
            {
                return;
            }

            var done = Interlocked.Add(ref _done, steps);
            var permille = (long)(1000 * done / totalSteps);
            var last = Interlocked.Read(ref _lastReportedPermille);
            if (permille > last && Interlocked.CompareExchange(ref _lastReportedPermille, permille, last) == last)
            {
                progress.Report(Math.Min(1.0, done / totalSteps));
            }
        }
    }
}
