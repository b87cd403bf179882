using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Models;

namespace HighDimSgd.Simulation;

/// <summary>Everything one simulated run needs. All vectors are in the eigenbasis of the class covariances.</summary>
public sealed record SgdSetup
{
    /// <summary>Ambient dimension d.</summary>
    public required int Dimension { get; init; }

    /// <summary>Per-sample loss f(r; r*, eps, y); called concurrently by parallel runs, so it must be thread-safe.</summary>
    public required LossModel Model { get; init; }

    /// <summary>Data classes (one zero-mean class for the single-Gaussian problem).</summary>
    public required IReadOnlyList<DataClass> Classes { get; init; }

    /// <summary>Teacher X*: l* rows of length d.</summary>
    public required double[][] Teacher { get; init; }

    /// <summary>Initial student X_0: l rows of length d.</summary>
    public required double[][] Init { get; init; }

    /// <summary>Horizon T in units of t = k/d (round(T d) steps).</summary>
    public required double Horizon { get; init; }

    /// <summary>Times t at which statistics are recorded, non-decreasing, in [0, T]; recorded at step round(t d).</summary>
    public required double[] CheckpointTimes { get; init; }

    /// <summary>
    /// Real data: SGD steps through these rows (in the basis of <see cref="Init"/>), each pass in a fresh random order,
    /// instead of drawing from <see cref="Classes"/>; a row's class picks its labels. Null: Gaussian samples.
    /// </summary>
    public HighDimSgd.Core.Data.DataSplit? Samples { get; init; }

    /// <summary>The learning-rate rule.</summary>
    public required IStepSchedule Schedule { get; init; }

    /// <summary>Maps the sufficient overlaps to the recorded statistics.</summary>
    public required StatisticsEvaluator Statistics { get; init; }

    /// <summary>A run stops as diverged when a squared row norm of X exceeds this (checked every unit of time).</summary>
    public double DivergenceNormLimit { get; init; } = 1e12;

    /// <summary>Parallel runs at once; null uses every core.</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    /// <summary>l: student directions.</summary>
    public int StudentDirections => Model.StudentDirections;

    /// <summary>l*: teacher directions.</summary>
    public int TeacherDirections => Model.TeacherDirections;

    /// <summary>Number of SGD steps n = round(T d).</summary>
    public long StepCount => (long)Math.Round(Horizon * Dimension);

    /// <summary>Throws <see cref="ArgumentException"/> describing the first inconsistency found.</summary>
    public void Validate()
    {
        if (Dimension < 1)
        {
            throw new ArgumentException($"Dimension must be positive, got {Dimension}.");
        }

        ArgumentNullException.ThrowIfNull(Model);
        ArgumentNullException.ThrowIfNull(Schedule);
        ArgumentNullException.ThrowIfNull(Statistics);
        ValidateClasses();
        ValidateRows(Teacher, Model.TeacherDirections, "Teacher");
        ValidateRows(Init, Model.StudentDirections, "Init");
        if (!(Horizon >= 0) || !double.IsFinite(Horizon))
        {
            throw new ArgumentException($"Horizon must be finite and non-negative, got {Horizon}.");
        }

        for (var i = 0; i < CheckpointTimes.Length; i++)
        {
            var t = CheckpointTimes[i];
            if (!(t >= 0) || t > Horizon * (1 + 1e-12) + 1e-12)
            {
                throw new ArgumentException($"Checkpoint time {t} lies outside [0, {Horizon}].");
            }

            if (i > 0 && t < CheckpointTimes[i - 1])
            {
                throw new ArgumentException("Checkpoint times must be non-decreasing.");
            }
        }

        if (Samples is { } samples && (samples.Dimension != Dimension || samples.Count == 0 || Array.Exists(samples.Classes, c => c < 0 || c >= Classes.Count)))
        {
            throw new ArgumentException($"Samples must be non-empty rows of length d = {Dimension} with classes in 0..{Classes.Count - 1}.");
        }

        if (!(DivergenceNormLimit > 0))
        {
            throw new ArgumentException("DivergenceNormLimit must be positive.");
        }
    }

    private void ValidateClasses()
    {
        if (Classes is null || Classes.Count == 0)
        {
            throw new ArgumentException("At least one data class is required.");
        }

        var total = 0.0;
        foreach (var c in Classes)
        {
            if (!(c.Probability >= 0))
            {
                throw new ArgumentException($"Class probabilities must be non-negative, got {c.Probability}.");
            }

            total += c.Probability;
            if (c.Mean.Length != Dimension || c.Eigenvalues.Length != Dimension)
            {
                throw new ArgumentException($"Class mean and eigenvalues must have length d = {Dimension}.");
            }

            if (Array.Exists(c.Eigenvalues, l => !(l >= 0) || !double.IsFinite(l)))
            {
                throw new ArgumentException("Class eigenvalues must be finite and non-negative.");
            }

            if (c.Labels.Length != Model.LabelCount)
            {
                throw new ArgumentException($"Each class needs {Model.LabelCount} label values for model '{Model.Name}', got {c.Labels.Length}.");
            }
        }

        if (Math.Abs(total - 1.0) > 1e-9)
        {
            throw new ArgumentException($"Class probabilities must sum to 1, got {total}.");
        }
    }

    private void ValidateRows(double[][] rows, int expected, string name)
    {
        if (rows is null || rows.Length != expected)
        {
            throw new ArgumentException($"{name} must have {expected} rows for model '{Model.Name}'.");
        }

        if (Array.Exists(rows, row => row.Length != Dimension))
        {
            throw new ArgumentException($"Every {name} row must have length d = {Dimension}.");
        }
    }
}
