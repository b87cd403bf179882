using System.Security.Cryptography;
using HighDimSgd.Core.Matrices;
using HighDimSgd.Core.Problems;
using MathNet.Numerics.LinearAlgebra;

namespace HighDimSgd.Core.Data;

/// <summary>One split after preprocessing, in the pooled eigenbasis: <see cref="Count"/> rows of d, and each row's class (0-based, in the order of <c>classes</c>).</summary>
public sealed record DataSplit(double[] Features, int[] Classes, int Count, int Dimension)
{
    /// <summary>Sample <paramref name="i"/>.</summary>
    public ReadOnlySpan<double> Row(int i) => Features.AsSpan(i * Dimension, Dimension);
}

/// <summary>
/// A real data set ready for the theory and for SGD: the class statistics of its training split (the Gaussian-mixture
/// surrogate) and both splits, preprocessed as theory.md section 10 says (centred on the pooled training mean, one global
/// scale so that Tr K / d = 1) and rotated into the eigenbasis of the pooled training covariance.
/// </summary>
public sealed record RealDataSet(DataStatistics Statistics, DataSplit Train, DataSplit Test, bool StatisticsFromCache, string? CacheFile);

/// <summary>
/// The class statistics of a preprocessed training split, in the eigenbasis of its pooled covariance
/// <c>K = (1/n) sum_k a_k a_k^T</c> (eigenvalues in decreasing order): class probabilities, means, covariances (ddof 0).
/// </summary>
public sealed class DataStatistics
{
    internal DataStatistics(int dimension, int[] classLabels, int[] counts, double[] center, double scale,
        double[] pooledEigenvalues, double[] basis, double[][] means, double[][] covariances)
    {
        Dimension = dimension;
        ClassLabels = classLabels;
        Counts = counts;
        Center = center;
        Scale = scale;
        PooledEigenvalues = pooledEigenvalues;
        Basis = basis;
        Means = means;
        Covariances = covariances;
    }

    /// <summary>d.</summary>
    public int Dimension { get; }

    /// <summary>The kept classes' label values in the data files, in the problem's order.</summary>
    public int[] ClassLabels { get; }

    /// <summary>Training samples per class.</summary>
    public int[] Counts { get; }

    /// <summary>Pooled mean of the raw training features (subtracted from every sample).</summary>
    public double[] Center { get; }

    /// <summary>The global scale s: features are divided by it so that Tr K / d = 1.</summary>
    public double Scale { get; }

    /// <summary>Eigenvalues of the pooled covariance, largest first.</summary>
    public double[] PooledEigenvalues { get; }

    /// <summary>The eigenvectors U (row-major d x d, column k the k-th eigenvector): a rotated sample is U^T a.</summary>
    public double[] Basis { get; }

    /// <summary>mu_c in the pooled eigenbasis.</summary>
    public double[][] Means { get; }

    /// <summary>K_c in the pooled eigenbasis (row-major d x d, ddof 0).</summary>
    public double[][] Covariances { get; }

    /// <summary>Class probabilities n_c / n.</summary>
    public double[] Probabilities => [.. Counts.Select(n => (double)n / Counts.Sum())];

    /// <summary>C.</summary>
    public int ClassCount => Counts.Length;
}

/// <summary>Reads the files of a <see cref="DataSourceSpec"/>, preprocesses them and computes (or loads from the cache) the class statistics.</summary>
public static class RealDataLoader
{
    private const string CacheFormat = "hdsgd-data-statistics-v1";

    /// <summary>
    /// Loads the data set of <paramref name="spec"/>; a mistake in a data file is a <see cref="ProblemFileException"/>
    /// naming the problem file, the key and the data file. Statistics are cached under
    /// <paramref name="cacheDirectory"/>/data, keyed by the training files' contents and the preprocessing (null: no cache).
    /// </summary>
    public static RealDataSet Load(DataSourceSpec spec, string problemPath, string? cacheDirectory)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var trainRaw = Read(spec, spec.Train, problemPath);
        RawSamples testRaw;
        if (spec.Test is { } test)
        {
            testRaw = Read(spec, test, problemPath);
            if (testRaw.Dimension != trainRaw.Dimension)
                throw Error(problemPath, test.FeaturesKey, $"{test.Features}: {testRaw.Dimension} features per sample, the training split has {trainRaw.Dimension}");
        }
        else
        {
            (trainRaw, testRaw) = HoldOut(trainRaw, spec.TestFraction ?? throw new ArgumentException("No test split.", nameof(spec)));
        }

        var trainKept = Keep(trainRaw, spec, problemPath, spec.Train, "training");
        var testKept = Keep(testRaw, spec, problemPath, spec.Test ?? spec.Train, "test");
        // The files were just read, so hashing them fails only if they changed or vanished in between.
        string key;
        try
        {
            key = CacheKey(spec, trainRaw.Dimension);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(problemPath, spec.Train.FeaturesKey, e.Message);
        }
        var cacheFile = cacheDirectory is null ? null : Path.Combine(cacheDirectory, "data", key + ".bin");
        var statistics = cacheFile is not null ? StatisticsCache.TryRead(cacheFile, trainRaw.Dimension, spec.Classes.Count) : null;
        var fromCache = statistics is not null;
        Centered train;
        try
        {
            train = Center(trainRaw, trainKept, statistics);
        }
        catch (DataFileException e)
        {
            throw Error(problemPath, spec.Train.FeaturesKey, $"{spec.Train.Features}: {e.Message}");
        }
        statistics ??= Compute(train.Features, trainKept.Classes, trainRaw.Dimension, [.. spec.Classes], train.Center, train.Scale);
        if (!fromCache && cacheFile is not null) StatisticsCache.Write(cacheFile, statistics);
        return new RealDataSet(statistics, Rotate(train.Features, trainKept.Classes, statistics),
            Rotate(Preprocess(testRaw, testKept, statistics.Center, statistics.Scale), testKept.Classes, statistics), fromCache, cacheFile);
    }

    private static ProblemFileException Error(string problemPath, string key, string detail) => new(problemPath, key, null, detail);

    private static RawSamples Read(DataSourceSpec spec, DataFiles files, string problemPath)
    {
        try
        {
            return spec.Kind switch
            {
                "idx" => SampleFiles.Idx(files.Features, files.Labels!),
                "npy" => SampleFiles.Npy(files.Features, files.Labels!),
                _ => SampleFiles.Csv(files.Features, spec.LabelColumn),
            };
        }
        catch (DataFileException e)
        {
            var key = files.Labels is not null && e.Message.StartsWith(files.Labels, StringComparison.Ordinal) ? files.LabelsKey! : files.FeaturesKey;
            throw Error(problemPath, key, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(problemPath, files.FeaturesKey, e.Message);
        }
    }

    /// <summary>The documented split of one file: the last fraction of its rows (in file order) is the test split.</summary>
    private static (RawSamples Train, RawSamples Test) HoldOut(RawSamples all, double fraction)
    {
        // ceil(fraction n), without rounding error pushing an exact product up by one (0.07 * 100 = 7.000000000000001).
        var testCount = (int)Math.Ceiling(fraction * all.Count - 1e-9);
        var trainCount = all.Count - testCount;
        var d = all.Dimension;
        return (new RawSamples(all.Features[..(trainCount * d)], all.Labels[..trainCount], trainCount, d),
            new RawSamples(all.Features[(trainCount * d)..], all.Labels[trainCount..], testCount, d));
    }

    /// <summary>The rows of the kept classes and their class indices.</summary>
    private sealed record Kept(int[] Rows, int[] Classes);

    private static Kept Keep(RawSamples raw, DataSourceSpec spec, string problemPath, DataFiles files, string split)
    {
        var index = new Dictionary<int, int>();
        for (var c = 0; c < spec.Classes.Count; c++) index[spec.Classes[c]] = c;
        var rows = new List<int>();
        var classes = new List<int>();
        var counts = new int[spec.Classes.Count];
        for (var i = 0; i < raw.Count; i++)
        {
            if (!index.TryGetValue(raw.Labels[i], out var c)) continue;
            rows.Add(i);
            classes.Add(c);
            counts[c]++;
        }
        for (var c = 0; c < counts.Length; c++)
        {
            if (counts[c] > 0) continue;
            var present = string.Join(", ", raw.Labels.Distinct().Order().Take(20));
            throw Error(problemPath, KeyPath(spec, "classes"),
                $"class {spec.Classes[c]} has no sample in the {split} split ({files.Labels ?? files.Features}; labels present: {present})");
        }
        return new Kept([.. rows], [.. classes]);
    }

    private static string KeyPath(DataSourceSpec spec, string key) => ProblemFileException.Join(spec.Location.Key, key);

    private sealed record Centered(double[] Features, double[] Center, double Scale);

    /// <summary>The kept training rows, centred and scaled (the centre and scale from <paramref name="cached"/> when given).</summary>
    private static Centered Center(RawSamples raw, Kept kept, DataStatistics? cached)
    {
        var d = raw.Dimension;
        if (cached is not null) return new Centered(Preprocess(raw, kept, cached.Center, cached.Scale), cached.Center, cached.Scale);
        var center = new double[d];
        foreach (var i in kept.Rows)
            for (var j = 0; j < d; j++) center[j] += raw.Features[i * d + j];
        for (var j = 0; j < d; j++) center[j] /= kept.Rows.Length;
        double total = 0;
        foreach (var i in kept.Rows)
            for (var j = 0; j < d; j++)
            {
                var v = raw.Features[i * d + j] - center[j];
                total += v * v;
            }
        // s^2 = mean over features of the pooled per-feature variance = Tr K / d before scaling.
        var scale = Math.Sqrt(total / kept.Rows.Length / d);
        if (!(scale > 0)) throw new DataFileException("every kept training sample is the same vector: the data has no variance");
        return new Centered(Preprocess(raw, kept, center, scale), center, scale);
    }

    private static double[] Preprocess(RawSamples raw, Kept kept, double[] center, double scale)
    {
        var d = raw.Dimension;
        var features = new double[kept.Rows.Length * d];
        for (var r = 0; r < kept.Rows.Length; r++)
        {
            var i = kept.Rows[r];
            for (var j = 0; j < d; j++) features[r * d + j] = (raw.Features[i * d + j] - center[j]) / scale;
        }
        return features;
    }

    /// <summary>U^T a for every row (one product X U).</summary>
    private static DataSplit Rotate(double[] features, int[] classes, DataStatistics statistics)
    {
        var d = statistics.Dimension;
        var n = classes.Length;
        var rotated = new double[n * d];
        Blas.Multiply(features, false, statistics.Basis, false, rotated, n, d, d);
        return new DataSplit(rotated, classes, n, d);
    }

    internal static DataStatistics Compute(double[] features, int[] classes, int d, int[] classLabels, double[] center, double scale)
    {
        var n = classes.Length;
        var pooled = new double[d * d];
        Blas.Multiply(features, true, features, false, pooled, d, d, n, 1.0 / n);
        Symmetrize(pooled, d);
        var (eigenvalues, basis) = SymmetricEigen(pooled, d);
        var counts = new int[classLabels.Length];
        foreach (var c in classes) counts[c]++;
        var means = new double[counts.Length][];
        var covariances = new double[counts.Length][];
        var scratch = new double[d * d];
        for (var c = 0; c < counts.Length; c++)
        {
            var rows = new double[counts[c] * d];
            var mean = new double[d];
            var r = 0;
            for (var i = 0; i < n; i++)
            {
                if (classes[i] != c) continue;
                var row = features.AsSpan(i * d, d);
                row.CopyTo(rows.AsSpan(r * d, d));
                for (var j = 0; j < d; j++) mean[j] += row[j];
                r++;
            }
            for (var j = 0; j < d; j++) mean[j] /= counts[c];
            // K_c = (1/n_c) X_c^T X_c - mu_c mu_c^T (ddof 0), then rotated: U^T K_c U.
            var covariance = new double[d * d];
            Blas.Multiply(rows, true, rows, false, covariance, d, d, counts[c], 1.0 / counts[c]);
            for (var i = 0; i < d; i++)
                for (var j = 0; j < d; j++) covariance[i * d + j] -= mean[i] * mean[j];
            Blas.Multiply(basis, true, covariance, false, scratch, d, d, d);
            Blas.Multiply(scratch, false, basis, false, covariance, d, d, d);
            Symmetrize(covariance, d);
            covariances[c] = covariance;
            means[c] = new double[d];
            Blas.Multiply(basis, true, mean, false, means[c], d, 1, d);
        }
        return new DataStatistics(d, classLabels, counts, center, scale, eigenvalues, basis, means, covariances);
    }

    /// <summary>Rounding leaves U^T K U asymmetric in the last digits; the dynamics assume symmetry exactly.</summary>
    private static void Symmetrize(double[] m, int d)
    {
        for (var i = 0; i < d; i++)
            for (var j = i + 1; j < d; j++)
            {
                var v = 0.5 * (m[i * d + j] + m[j * d + i]);
                m[i * d + j] = v;
                m[j * d + i] = v;
            }
    }

    /// <summary>Eigenvalues (largest first, negative rounding clipped to 0) and eigenvectors (columns, row-major) of a symmetric matrix.</summary>
    internal static (double[] Values, double[] Vectors) SymmetricEigen(double[] symmetric, int d)
    {
        var evd = Matrix<double>.Build.DenseOfColumnMajor(d, d, symmetric).Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(v => v.Real).ToArray();
        var order = Enumerable.Range(0, d).OrderByDescending(k => values[k]).ToArray();
        var vectors = new double[d * d];
        var v = evd.EigenVectors;
        for (var k = 0; k < d; k++)
            for (var i = 0; i < d; i++) vectors[i * d + k] = v[i, order[k]];
        return ([.. order.Select(k => Math.Max(values[k], 0))], vectors);
    }

    private static string CacheKey(DataSourceSpec spec, int dimension)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(System.Text.Encoding.UTF8.GetBytes(text + "\n"));
        Add(CacheFormat);
        Add(spec.Kind);
        Add(dimension.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var file in new[] { spec.Train.Features, spec.Train.Labels }.OfType<string>())
        {
            using var stream = File.OpenRead(file);
            Add(Convert.ToHexString(SHA256.HashData(stream)));
        }
        Add(string.Join(",", spec.Classes));
        Add(spec.LabelColumn ?? "");
        Add(spec.Test is null ? FormattableString.Invariant($"hold-out {spec.TestFraction:R}") : "own test split");
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
