using HighDimSgd.Core.Problems;

namespace HighDimSgd.Core.Spectra;

/// <summary>Turns a <see cref="SpectrumSpec"/> into the eigenvalues <c>lambda_1..lambda_d</c> (eigenbasis order).</summary>
public static class SpectrumBuilder
{
    /// <param name="baseDirectory">Folder that a <c>file</c> path is relative to (the problem file's folder).</param>
    public static double[] Eigenvalues(SpectrumSpec spec, int dimension, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        var eigenvalues = spec switch
        {
            IdentitySpectrum => Filled(dimension, 1.0),
            PowerLawSpectrum p => PowerLaw(dimension, p.Exponent),
            SigmaPowerSpectrum s => SigmaPower(dimension, s),
            MarchenkoPasturSpectrum m => MarchenkoPastur(dimension, m.Ratio),
            BlockSpectrum b => Blocks(dimension, b.Values, b.Fractions),
            ExplicitSpectrum e => Explicit(dimension, e, baseDirectory),
            _ => throw new ArgumentException($"Unsupported spectrum kind {spec.Kind}.", nameof(spec)),
        };

        RequireValid(eigenvalues, spec);
        Normalize(eigenvalues, spec);
        return eigenvalues;
    }

    /// <summary>How many of <paramref name="dimension"/> coordinates each block gets: largest remainder, so the counts sum to d.</summary>
    public static int[] BlockCounts(int dimension, IReadOnlyList<double> fractions)
    {
        var total = fractions.Sum();
        var counts = new int[fractions.Count];
        var remainders = new (double Remainder, int Index)[fractions.Count];
        var assigned = 0;
        for (var k = 0; k < fractions.Count; k++)
        {
            var exact = fractions[k] / total * dimension;
            counts[k] = (int)Math.Floor(exact);
            remainders[k] = (exact - counts[k], k);
            assigned += counts[k];
        }

        // Ties go to the earlier block, so the split is deterministic.
        var order = remainders.OrderByDescending(r => r.Remainder).ThenBy(r => r.Index).ToArray();
        for (var j = 0; j < dimension - assigned; j++)
        {
            counts[order[j % order.Length].Index]++;
        }

        return counts;
    }

    private static double[] Filled(int dimension, double value)
    {
        var values = new double[dimension];
        Array.Fill(values, value);
        return values;
    }

    private static double[] PowerLaw(int dimension, double exponent)
    {
        var values = new double[dimension];
        for (var i = 1; i <= dimension; i++)
        {
            values[i - 1] = Math.Pow((double)i / dimension, exponent);
        }

        return values;
    }

    private static double[] SigmaPower(int dimension, SigmaPowerSpectrum spec)
    {
        var values = new double[dimension];
        for (var i = 1; i <= dimension; i++)
        {
            var sigma = spec.Lo + (spec.Hi - spec.Lo) * (i - 0.5) / dimension;
            values[i - 1] = Math.Pow(sigma, 2 * spec.Q);
        }

        return values;
    }

    private static double[] MarchenkoPastur(int dimension, double ratio)
    {
        var law = new MarchenkoPasturLaw(ratio);
        var values = new double[dimension];
        for (var i = 1; i <= dimension; i++)
        {
            values[i - 1] = law.Quantile((i - 0.5) / dimension);
        }

        return values;
    }

    internal static double[] Blocks(int dimension, IReadOnlyList<double> blockValues, IReadOnlyList<double> fractions)
    {
        var counts = BlockCounts(dimension, fractions);
        var values = new double[dimension];
        var start = 0;
        for (var k = 0; k < counts.Length; k++)
        {
            Array.Fill(values, blockValues[k], start, counts[k]);
            start += counts[k];
        }

        return values;
    }

    private static double[] Explicit(int dimension, ExplicitSpectrum spec, string baseDirectory)
    {
        if (spec.Values is { } inline)
        {
            return NumberFile.RequireLength([.. inline], dimension, spec.Location, "values", "the list");
        }

        var file = spec.File ?? throw ProblemFileException.At(spec.Location, "", "kind \"values\" needs 'values' or 'file'");
        return NumberFile.RequireLength(NumberFile.Read(file, baseDirectory, spec.Location), dimension, spec.Location, "file", file);
    }

    private static void RequireValid(double[] eigenvalues, SpectrumSpec spec)
    {
        for (var i = 0; i < eigenvalues.Length; i++)
        {
            if (!(eigenvalues[i] >= 0) || !double.IsFinite(eigenvalues[i]))
            {
                throw ProblemFileException.At(spec.Location, "", $"eigenvalue {i + 1} is {eigenvalues[i]}; eigenvalues must be finite and at least 0");
            }
        }
    }

    private static void Normalize(double[] eigenvalues, SpectrumSpec spec)
    {
        var factor = spec.Scale;
        if (spec.Normalize == SpectrumNormalization.Mean)
        {
            var mean = eigenvalues.Average();
            if (mean <= 0)
            {
                throw ProblemFileException.At(spec.Location, "normalize", "cannot normalise: every eigenvalue is 0");
            }

            factor /= mean;
        }

        if (factor != 1.0)
        {
            for (var i = 0; i < eigenvalues.Length; i++)
            {
                eigenvalues[i] *= factor;
            }
        }
    }
}
