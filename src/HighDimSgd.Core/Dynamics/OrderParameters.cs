namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The deterministic overlaps at one time: per class <c>B_c = W K_c W^T</c> and <c>M_c = W mu_c</c>, the Gram
/// matrix <c>N = W W^T</c>, and (single zero-mean class only) <c>W K^2 W^T</c> for the greedy step size.
/// All matrices are ns x ns, row-major, with ns = l + l* (student rows first).
/// </summary>
public sealed class OrderParameters
{
    /// <summary>Buffers for <paramref name="classCount"/> classes and ns = <paramref name="stateSize"/>.</summary>
    public OrderParameters(int classCount, int studentDirections, int stateSize)
    {
        StudentDirections = studentDirections;
        StateSize = stateSize;
        Covariances = new double[classCount][];
        Means = new double[classCount][];
        for (var c = 0; c < classCount; c++)
        {
            Covariances[c] = new double[stateSize * stateSize];
            Means[c] = new double[stateSize];
        }
        Gram = new double[stateSize * stateSize];
        SquaredKernel = new double[stateSize * stateSize];
    }

    /// <summary>l.</summary>
    public int StudentDirections { get; }

    /// <summary>ns = l + l*.</summary>
    public int StateSize { get; }

    /// <summary>B_c per class.</summary>
    public double[][] Covariances { get; }

    /// <summary>M_c per class.</summary>
    public double[][] Means { get; }

    /// <summary>N = W W^T.</summary>
    public double[] Gram { get; }

    /// <summary>W K^2 W^T (valid only when <see cref="HasSquaredKernel"/>).</summary>
    public double[] SquaredKernel { get; }

    /// <summary>
    /// tr(X K^j X^T) for j = 1..<see cref="StatisticsCatalog.MaxMoment"/> (index j; entry 0 unused): the student's
    /// K^j-weighted norms, from which any tr(X p(K) X^T) follows. Filled only when a moment statistic is requested.
    /// </summary>
    public double[] StudentKernelMoments { get; } = new double[StatisticsCatalog.MaxMoment + 1];

    /// <summary>True when <see cref="SquaredKernel"/> was computed.</summary>
    public bool HasSquaredKernel { get; set; }
}
