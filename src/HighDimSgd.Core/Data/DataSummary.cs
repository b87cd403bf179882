using HighDimSgd.Core.Matrices;

namespace HighDimSgd.Core.Data;

/// <summary>One class of a <see cref="DataSummary"/>.</summary>
/// <param name="OffDiagonalFraction">||K_c - diag K_c||_F / ||K_c||_F in the pooled eigenbasis: what the commuting approximation drops.</param>
public sealed record ClassSummary(int Label, int Count, double Probability, double MeanNorm, double MeanEigenvalue, double OffDiagonalFraction);

/// <summary>Two classes of a <see cref="DataSummary"/>.</summary>
/// <param name="Mahalanobis">(mu_a - mu_b)^T Kw^+ (mu_a - mu_b) with the within-class covariance Kw = sum_c p_c K_c.</param>
/// <param name="Commutator">||K_a K_b - K_b K_a||_F / (||K_a||_F ||K_b||_F): 0 when the covariances commute.</param>
public sealed record PairSummary(int First, int Second, double Mahalanobis, double Commutator);

/// <summary>
/// What <c>hdsgd data</c> reports about a data set's class statistics: the pooled spectrum, per class its size, mean
/// norm and how far its covariance is from diagonal in the pooled eigenbasis, and per pair of classes the Mahalanobis
/// separation and the relative commutator of their covariances.
/// </summary>
public sealed record DataSummary(int Dimension, int TrainCount, int TestCount, double[] PooledEigenvalues,
    IReadOnlyList<ClassSummary> Classes, IReadOnlyList<PairSummary> Pairs)
{
    /// <summary>Tr K / d of the pooled covariance (1 after preprocessing).</summary>
    public double MeanEigenvalue => PooledEigenvalues.Average();

    /// <summary>Summarises <paramref name="data"/>.</summary>
    public static DataSummary Of(RealDataSet data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var s = data.Statistics;
        var d = s.Dimension;
        var p = s.Probabilities;
        var classes = new ClassSummary[s.ClassCount];
        for (var c = 0; c < classes.Length; c++)
        {
            var k = s.Covariances[c];
            double total = 0, diagonal = 0, trace = 0;
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < d; j++) total += k[i * d + j] * k[i * d + j];
                diagonal += k[i * d + i] * k[i * d + i];
                trace += k[i * d + i];
            }
            var norm = Math.Sqrt(s.Means[c].Sum(v => v * v));
            classes[c] = new ClassSummary(s.ClassLabels[c], s.Counts[c], p[c], norm, trace / d,
                total > 0 ? Math.Sqrt(Math.Max(total - diagonal, 0) / total) : 0);
        }
        return new DataSummary(d, data.Train.Count, data.Test.Count, s.PooledEigenvalues, classes, PairsOf(s, p));
    }

    private static PairSummary[] PairsOf(DataStatistics s, double[] p)
    {
        var d = s.Dimension;
        var within = new double[d * d];
        for (var c = 0; c < s.ClassCount; c++)
            for (var k = 0; k < within.Length; k++) within[k] += p[c] * s.Covariances[c][k];
        var (values, vectors) = RealDataLoader.SymmetricEigen(within, d);
        // The pseudo-inverse drops directions whose within-class variance is round-off.
        var cutoff = 1e-10 * values[0];
        var pairs = new List<PairSummary>();
        var ab = new double[d * d];
        var ba = new double[d * d];
        var projected = new double[d];
        for (var a = 0; a < s.ClassCount; a++)
            for (var b = a + 1; b < s.ClassCount; b++)
            {
                var delta = s.Means[a].Zip(s.Means[b], (x, y) => x - y).ToArray();
                Blas.Multiply(vectors, true, delta, false, projected, d, 1, d);
                double mahalanobis = 0;
                for (var k = 0; k < d; k++)
                    if (values[k] > cutoff) mahalanobis += projected[k] * projected[k] / values[k];
                Blas.Multiply(s.Covariances[a], false, s.Covariances[b], false, ab, d, d, d);
                Blas.Multiply(s.Covariances[b], false, s.Covariances[a], false, ba, d, d, d);
                double commutator = 0;
                for (var k = 0; k < ab.Length; k++) commutator += (ab[k] - ba[k]) * (ab[k] - ba[k]);
                var scale = Frobenius(s.Covariances[a]) * Frobenius(s.Covariances[b]);
                pairs.Add(new PairSummary(s.ClassLabels[a], s.ClassLabels[b], mahalanobis, scale > 0 ? Math.Sqrt(commutator) / scale : 0));
            }
        return [.. pairs];
    }

    private static double Frobenius(double[] m) => Math.Sqrt(m.Sum(v => v * v));
}
