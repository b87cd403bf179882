using HighDimSgd.Core.Data;
using HighDimSgd.Core.Problems;

namespace HighDimSgd.Core.Spectra;

/// <summary>One mixture component in numbers. The single-Gaussian problem is one class: probability 1, zero mean.</summary>
/// <param name="HardLabel">The label values y of this class (length 1 for a scalar label, C for one-hot); null when a teacher labels.</param>
/// <param name="Covariance">The full class covariance (row-major d x d) when it is not diagonal in the shared basis (real data); Eigenvalues is then its diagonal.</param>
public sealed record MaterializedClass(double Probability, double[] Mean, double[] Eigenvalues, double[]? HardLabel, double[]? Covariance = null);

/// <summary>A problem at a concrete dimension; every vector has length d, in the eigenbasis shared by all class covariances.</summary>
/// <param name="Teacher">l* rows of X* (empty when there is no teacher).</param>
/// <param name="StudentInit">l rows of X0.</param>
/// <param name="RealData">The data set of a real-data problem (its splits and statistics), in the basis of the vectors here.</param>
public sealed record MaterializedProblem(int Dimension, double[][] Teacher, double[][] StudentInit, IReadOnlyList<MaterializedClass> Classes,
    RealDataSet? RealData = null);

/// <summary>Builds the numbers of a <see cref="Problem"/>: spectra, teacher, initial student, class means and labels.</summary>
public static class ProblemRealization
{
    /// <param name="dimensionOverride">Build at this d instead of the file's (e.g. for a sweep over d).</param>
    /// <param name="cacheDirectory">Where real data's class statistics are cached (null: <see cref="CacheFolder.Default"/>).</param>
    public static MaterializedProblem Materialize(Problem problem, int? dimensionOverride = null, string? cacheDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.Data.Source is { } source)
        {
            return dimensionOverride is null
                ? RealData(problem, source, cacheDirectory ?? CacheFolder.Default())
                : throw new ProblemFileException(problem.SourcePath, "data.source", null, "real data has the dimension of its samples; it cannot be changed");
        }

        var dimension = dimensionOverride ?? problem.Data.Dimension;
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1, nameof(dimensionOverride));

        var baseDirectory = problem.BaseDirectory;
        var classSpectra = ClassSpectra(problem, dimension, baseDirectory);
        var sharedSpectrum = AverageSpectrum(problem, classSpectra);

        var teacher = problem.Teacher is { } t ? WeightBuilder.Rows(t.Weights, sharedSpectrum, null, baseDirectory) : [];
        var student = WeightBuilder.Rows(problem.Student.Init, sharedSpectrum, teacher, baseDirectory);
        return new MaterializedProblem(dimension, teacher, student, Classes(problem, classSpectra, teacher, baseDirectory));
    }

    /// <summary>
    /// The Gaussian-mixture surrogate of a real data set, in the eigenbasis of its pooled covariance: each class's mean, its
    /// full covariance and (the commuting approximation) that covariance's diagonal as its eigenvalues.
    /// </summary>
    private static MaterializedProblem RealData(Problem problem, DataSourceSpec source, string cacheDirectory)
    {
        var data = RealDataLoader.Load(source, problem.SourcePath, cacheDirectory);
        var statistics = data.Statistics;
        var d = statistics.Dimension;
        if (problem.Data.Dimension != 0 && problem.Data.Dimension != d)
            throw new ProblemFileException(problem.SourcePath, "data.dimension", null, $"is {problem.Data.Dimension} but the samples have {d} features");
        var student = WeightBuilder.Rows(problem.Student.Init, statistics.PooledEigenvalues, [], problem.BaseDirectory);
        var probabilities = statistics.Probabilities;
        var classes = new MaterializedClass[statistics.ClassCount];
        for (var c = 0; c < classes.Length; c++)
        {
            var covariance = statistics.Covariances[c];
            var diagonal = new double[d];
            for (var i = 0; i < d; i++) diagonal[i] = Math.Max(covariance[i * d + i], 0);
            double[] label = source.IsBinary ? [statistics.ClassLabels[c] == source.Positive ? 1 : 0] : OneHot(c, classes.Length);
            classes[c] = new MaterializedClass(probabilities[c], statistics.Means[c], diagonal, label, covariance);
        }
        return new MaterializedProblem(d, [], student, classes, data);
    }

    private static double[][] ClassSpectra(Problem problem, int dimension, string baseDirectory)
    {
        if (problem.Data.Classes.Count == 0)
        {
            var spectrum = problem.Data.Spectrum
                ?? throw new ProblemFileException(problem.SourcePath, "data.spectrum", null, "missing required key");
            return [SpectrumBuilder.Eigenvalues(spectrum, dimension, baseDirectory)];
        }

        return problem.Data.Classes.Select(c => SpectrumBuilder.Eigenvalues(c.Spectrum, dimension, baseDirectory)).ToArray();
    }

    /// <summary>
    /// Teacher and student <c>power-law</c> weights follow the probability-weighted class spectrum, the
    /// within-class part of the data covariance (for one Gaussian: its spectrum).
    /// </summary>
    private static double[] AverageSpectrum(Problem problem, double[][] classSpectra)
    {
        if (classSpectra.Length == 1)
        {
            return classSpectra[0];
        }

        var average = new double[classSpectra[0].Length];
        for (var c = 0; c < classSpectra.Length; c++)
        {
            var probability = problem.Data.Classes[c].Probability;
            for (var i = 0; i < average.Length; i++)
            {
                average[i] += probability * classSpectra[c][i];
            }
        }

        return average;
    }

    private static IReadOnlyList<MaterializedClass> Classes(Problem problem, double[][] classSpectra, double[][] teacher, string baseDirectory)
    {
        var specs = problem.Data.Classes;
        if (specs.Count == 0)
        {
            return [new MaterializedClass(1.0, new double[classSpectra[0].Length], classSpectra[0], null)];
        }

        var classes = new MaterializedClass[specs.Count];
        for (var c = 0; c < specs.Count; c++)
        {
            var mean = WeightBuilder.Vector(specs[c].Mean, classSpectra[c], teacher, baseDirectory);
            classes[c] = new MaterializedClass(specs[c].Probability, mean, classSpectra[c], HardLabel(specs[c].Label, c, specs.Count));
        }

        return classes;
    }

    private static double[]? HardLabel(ClassLabel? label, int classIndex, int classCount) => label switch
    {
        null => null,
        ScalarLabel scalar => [scalar.Value],
        OneHotLabel => OneHot(classIndex, classCount),
        _ => throw new ArgumentException($"Unsupported label {label}.", nameof(label)),
    };

    private static double[] OneHot(int classIndex, int classCount)
    {
        var label = new double[classCount];
        label[classIndex] = 1;
        return label;
    }
}
