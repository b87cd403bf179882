using HighDimSgd.Core.Dynamics;
using System.Numerics.Tensors;

namespace HighDimSgd.Simulation;

/// <summary>
/// The sufficient overlaps of W = [X; X*] at one checkpoint, all row-major with side s = l + l*:
/// <c>B_c = W K_c W^T</c>, <c>M_c = W mu_c</c> per class and <c>N = W W^T</c>.
/// </summary>
/// <remarks>The arrays are reused between checkpoints: an evaluator must copy what it wants to keep.</remarks>
public sealed class OverlapSnapshot
{
    internal OverlapSnapshot(int studentDirections, int teacherDirections, int classCount)
    {
        StudentDirections = studentDirections;
        TeacherDirections = teacherDirections;
        var s = studentDirections + teacherDirections;
        Norms = new double[s * s];
        Covariances = new double[classCount][];
        Means = new double[classCount][];
        for (var c = 0; c < classCount; c++)
        {
            Covariances[c] = new double[s * s];
            Means[c] = new double[s];
        }
    }

    /// <summary>l.</summary>
    public int StudentDirections { get; }

    /// <summary>l*.</summary>
    public int TeacherDirections { get; }

    /// <summary>s = l + l*.</summary>
    public int Size => StudentDirections + TeacherDirections;

    /// <summary>Time t = k/d of the checkpoint.</summary>
    public double Time { get; internal set; }

    /// <summary>N = W W^T (s x s).</summary>
    public double[] Norms { get; }

    /// <summary>
    /// The weights W ((l + l*) x d, row-major) the overlaps were computed from, for statistics that need more than the
    /// overlaps (block projections). Valid only during the statistics call.
    /// </summary>
    public ReadOnlyMemory<double> Weights { get; internal set; }

    /// <summary>The mean sample loss over the steps since the previous checkpoint (NaN at t = 0 and where not tracked).</summary>
    public double TrainingLoss { get; internal set; }

    /// <summary>B_c = W K_c W^T per class (s x s each).</summary>
    public double[][] Covariances { get; }

    /// <summary>M_c = W mu_c per class (length s each).</summary>
    public double[][] Means { get; }

    /// <summary>
    /// Fills the overlaps from W stored as s contiguous rows of length d, in O(d s^2) per class.
    /// <paramref name="scratch"/> must have length d.
    /// </summary>
    internal void Compute(ReadOnlySpan<double> w, int dimension, IReadOnlyList<DataClass> classes, Span<double> scratch)
    {
        var s = Size;
        FillGram(w, dimension, s, default, Norms, scratch);
        for (var c = 0; c < classes.Count; c++)
        {
            if (classes[c].Covariance is { } covariance) FillDenseGram(w, dimension, s, covariance, Covariances[c], scratch);
            else FillGram(w, dimension, s, classes[c].Eigenvalues, Covariances[c], scratch);
            var mean = classes[c].Mean;
            for (var a = 0; a < s; a++)
            {
                Means[c][a] = TensorPrimitives.Dot(w.Slice(a * dimension, dimension), mean);
            }
        }
    }

    /// <summary>G = W K W^T for a full K (row-major d x d), in O(s d^2).</summary>
    private static void FillDenseGram(ReadOnlySpan<double> w, int dimension, int s, double[] k, Span<double> gram, Span<double> scratch)
    {
        for (var a = 0; a < s; a++)
        {
            var rowA = w.Slice(a * dimension, dimension);
            for (var i = 0; i < dimension; i++) scratch[i] = TensorPrimitives.Dot(k.AsSpan(i * dimension, dimension), rowA);
            for (var b = a; b < s; b++)
            {
                var value = TensorPrimitives.Dot(scratch, w.Slice(b * dimension, dimension));
                gram[a * s + b] = value;
                gram[b * s + a] = value;
            }
        }
    }

    /// <summary>G = W diag(weights) W^T, or W W^T when <paramref name="weights"/> is empty.</summary>
    internal static void FillGram(ReadOnlySpan<double> w, int dimension, int s, ReadOnlySpan<double> weights, Span<double> gram, Span<double> scratch)
    {
        for (var a = 0; a < s; a++)
        {
            var rowA = w.Slice(a * dimension, dimension);
            ReadOnlySpan<double> weighted = rowA;
            if (!weights.IsEmpty)
            {
                TensorPrimitives.Multiply(rowA, weights, scratch);
                weighted = scratch;
            }

            for (var b = a; b < s; b++)
            {
                var value = TensorPrimitives.Dot(weighted, w.Slice(b * dimension, dimension));
                gram[a * s + b] = value;
                gram[b * s + a] = value;
            }
        }
    }
}

/// <summary>Writes the statistics of one checkpoint (in the order of <see cref="StatisticsEvaluator.Columns"/>) into <paramref name="values"/>.</summary>
public delegate void StatisticsFunction(OverlapSnapshot overlaps, Span<double> values);

/// <summary>
/// The lead-supplied map from overlaps to named statistics (risk, distances, ...). The simulators add an
/// "lr" column of their own after these columns.
/// </summary>
public sealed class StatisticsEvaluator
{
    private readonly Func<StatisticsFunction> _createWorker;

    /// <summary>An evaluator with one thread-safe <paramref name="function"/> shared by all worker threads.</summary>
    public StatisticsEvaluator(IReadOnlyList<string> columns, StatisticsFunction function)
        : this(columns, () => function)
    {
        ArgumentNullException.ThrowIfNull(function);
    }

    /// <summary>
    /// An evaluator whose <paramref name="createWorker"/> is called once per worker thread, so a function may
    /// own scratch buffers (e.g. quadrature workspaces) without locking.
    /// </summary>
    public StatisticsEvaluator(IReadOnlyList<string> columns, Func<StatisticsFunction> createWorker)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = columns;
        _createWorker = createWorker ?? throw new ArgumentNullException(nameof(createWorker));
    }

    /// <summary>Names of the recorded statistics.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>A statistics function for use by one thread.</summary>
    public StatisticsFunction CreateWorker() => _createWorker();
}
