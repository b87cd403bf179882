namespace HighDimSgd.Core.Problems;

/// <summary>
/// Upper bounds of the problem file's sizes and counts (docs/problem-files.md, "Limits"). Each is far above any
/// problem the theory is used for and low enough that checking it before allocation turns an out-of-memory abort, an
/// overflowing size or an endless loop into an error that names the key.
/// </summary>
public static class Limits
{
    /// <summary>Largest <c>[data] dimension</c> (and <c>--dimension</c>): 10^7 coordinates are 80 MB per vector.</summary>
    public const int MaxDimension = 10_000_000;

    /// <summary>Largest teacher or student <c>directions</c>.</summary>
    public const int MaxDirections = 64;

    /// <summary>Most classes of a mixture or a data set (each holds a d-vector or a d x d covariance).</summary>
    public const int MaxClasses = 256;

    /// <summary>Most passes over a data set (<c>data.source.epochs</c>).</summary>
    public const int MaxEpochs = 100_000;

    /// <summary>Largest <c>output.checkpoints</c>.</summary>
    public const int MaxCheckpoints = 100_000;

    /// <summary>Largest <c>solver.contour-nodes</c>.</summary>
    public const int MaxContourNodes = 4096;

    /// <summary>Largest <c>solver.quadrature-order</c>: the Gauss-Hermite rule's nodes lose accuracy beyond it.</summary>
    public const int MaxQuadratureOrder = 400;

    /// <summary>Largest <c>simulation.runs</c> (and <c>--runs</c>).</summary>
    public const int MaxRuns = 1_000_000;

    /// <summary>Largest <c>solver.quadrature-order-3d</c>: 64^3 = 262,144 points per expectation.</summary>
    public const int MaxQuadratureOrderThreeDimensions = 64;

    /// <summary>Largest <c>solver.quadrature-order-4d</c>: 32^4 = 1,048,576 points per expectation.</summary>
    public const int MaxQuadratureOrderFourDimensions = 32;

    /// <summary>Largest <c>simulation.test-samples</c> (the sample's memory, N x d numbers, is checked as well).</summary>
    public const int MaxTestSamples = 10_000_000;

    /// <summary>Largest <c>optimizer.horizon</c> T = n / d.</summary>
    public const double MaxHorizon = 1e6;

    /// <summary>Smallest <c>solver.rtol</c>: below about 100 ulp the error test cannot pass and the step size underflows.</summary>
    public const double MinRelativeTolerance = 1e-13;

    /// <summary>Longest <c>title</c>, in characters (it heads plots and tables).</summary>
    public const int MaxTitleLength = 200;

    /// <summary>Largest problem file.</summary>
    public const long MaxProblemFileBytes = 1L << 24;

    /// <summary>Largest spectrum or weight file.</summary>
    public const long MaxNumberFileBytes = 1L << 30;

    /// <summary>"must be at most N" for <paramref name="value"/> above <paramref name="limit"/>, else null.</summary>
    public static string? AtMost(long value, long limit) => value > limit ? $"must be at most {limit:N0}, got {value:N0}" : null;
}
