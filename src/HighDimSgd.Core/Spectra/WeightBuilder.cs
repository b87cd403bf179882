using HighDimSgd.Core.Problems;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace HighDimSgd.Core.Spectra;

/// <summary>Turns <see cref="WeightSpec"/>s into vectors of length d in the eigenbasis of the data covariance.</summary>
public static class WeightBuilder
{
    /// <param name="eigenvalues">The spectrum that <c>power-law</c> weights follow; its length is d.</param>
    /// <param name="teacherRows">Rows that <c>mix</c> terms <c>teacher = k</c> refer to (1-based), or null.</param>
    /// <param name="baseDirectory">Folder that <c>file</c> paths are relative to.</param>
    public static double[][] Rows(IReadOnlyList<WeightSpec> specs, double[] eigenvalues, double[][]? teacherRows, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(eigenvalues);
        return specs.Select(spec => Vector(spec, eigenvalues, teacherRows, baseDirectory)).ToArray();
    }

    /// <summary>One vector; see <see cref="Rows"/>.</summary>
    public static double[] Vector(WeightSpec spec, double[] eigenvalues, double[][]? teacherRows, string baseDirectory)
    {
        var dimension = eigenvalues.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1, nameof(eigenvalues));
        return spec switch
        {
            ZeroWeights => new double[dimension],
            ConstantWeights c => Alternating(dimension, c.Norm, sign: 1),
            AlternatingWeights a => Alternating(dimension, a.Norm, sign: -1),
            GaussianWeights g => Gaussian(dimension, g),
            PowerLawWeights p => PowerLaw(eigenvalues, p),
            BlockWeights b => ScaledTo(SpectrumBuilder.Blocks(dimension, b.Values, b.Fractions), b.Norm, b.Location),
            MixWeights m => Mix(m, eigenvalues, teacherRows, baseDirectory),
            FileWeights f => NumberFile.RequireLength(NumberFile.Read(f.File, baseDirectory, f.Location), dimension, f.Location, "file", f.File),
            _ => throw new ArgumentException($"Unsupported weight kind {spec.Kind}.", nameof(spec)),
        };
    }

    /// <summary>Coordinate i = 1..d is <c>sign^i norm / sqrt(d)</c>: constant for sign 1, alternating for sign -1.</summary>
    private static double[] Alternating(int dimension, double norm, int sign)
    {
        var magnitude = norm / Math.Sqrt(dimension);
        var values = new double[dimension];
        for (var i = 1; i <= dimension; i++)
        {
            values[i - 1] = sign < 0 && i % 2 == 1 ? -magnitude : magnitude;
        }

        return values;
    }

    private static double[] Gaussian(int dimension, GaussianWeights spec)
    {
        // Mersenne Twister with a fixed seed gives the same vector on every platform and .NET version.
        var random = new MersenneTwister(spec.Seed);
        var values = new double[dimension];
        Normal.Samples(random, values, 0.0, 1.0);
        return ScaledTo(values, spec.Norm, spec.Location);
    }

    private static double[] PowerLaw(double[] eigenvalues, PowerLawWeights spec)
    {
        var values = new double[eigenvalues.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Math.Pow(eigenvalues[i], spec.Exponent / 2);
            if (!double.IsFinite(values[i]))
            {
                throw ProblemFileException.At(spec.Location, "exponent",
                    $"lambda_{i + 1}^(exponent/2) = {values[i]} for lambda_{i + 1} = {eigenvalues[i]}; a negative exponent needs positive eigenvalues");
            }
        }

        return ScaledTo(values, spec.Norm, spec.Location);
    }

    private static double[] Mix(MixWeights spec, double[] eigenvalues, double[][]? teacherRows, string baseDirectory)
    {
        var sum = new double[eigenvalues.Length];
        for (var t = 0; t < spec.Terms.Count; t++)
        {
            var term = spec.Terms[t];
            var part = term.TeacherIndex is int k
                ? TeacherRow(teacherRows, k, spec.Location, t)
                : Vector(term.Vector ?? throw ProblemFileException.At(spec.Location, $"of[{t + 1}]", "a mix term needs 'teacher' or 'vector'"),
                    eigenvalues, teacherRows, baseDirectory);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += term.Weight * part[i];
            }
        }

        return sum;
    }

    private static double[] TeacherRow(double[][]? teacherRows, int index, SpecLocation? location, int term)
    {
        if (teacherRows is null || teacherRows.Length == 0)
        {
            throw ProblemFileException.At(location, $"of[{term + 1}].teacher", "there is no teacher to refer to");
        }

        return index >= 1 && index <= teacherRows.Length
            ? teacherRows[index - 1]
            : throw ProblemFileException.At(location, $"of[{term + 1}].teacher", $"teacher row {index} does not exist; the teacher has rows 1..{teacherRows.Length}");
    }

    private static double[] ScaledTo(double[] values, double norm, SpecLocation? location)
    {
        if (norm == 0)
        {
            Array.Clear(values);
            return values;
        }

        var length = Math.Sqrt(values.Sum(v => v * v));
        if (!(length > 0))
        {
            throw ProblemFileException.At(location, "norm", "the vector is zero, so it cannot be scaled to a positive norm");
        }

        var factor = norm / length;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] *= factor;
        }

        return values;
    }
}
