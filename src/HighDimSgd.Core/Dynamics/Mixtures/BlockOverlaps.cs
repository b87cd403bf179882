namespace HighDimSgd.Core.Dynamics.Mixtures;

/// <summary>A named range <c>[Start, End)</c> (0-based) of eigen-directions, e.g. the block I_00 of the zero-one model.</summary>
public sealed record DirectionBlock(string Name, int Start, int End)
{
    /// <summary>True when direction <paramref name="index"/> lies in the block.</summary>
    public bool Contains(int index) => index >= Start && index < End;
}

/// <summary>
/// Overlaps restricted to index blocks: per block B, <c>N_B = W_B W_B^T</c> and per class <c>M_{c,B} = W_B mu_{c,B}</c>
/// (sums over the eigen-directions of B only). The ODE fills them from its eigen-groups
/// (<see cref="EigenRepresentation.BlockOverlaps"/>), simulated SGD from its weights (<see cref="FromWeights"/>).
/// </summary>
public sealed class BlockOverlaps
{
    /// <summary>Buffers for <paramref name="blocks"/>, <paramref name="classCount"/> classes and ns = <paramref name="stateSize"/>.</summary>
    public BlockOverlaps(IReadOnlyList<DirectionBlock> blocks, int classCount, int stateSize)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        Blocks = blocks;
        StateSize = stateSize;
        Grams = [.. blocks.Select(_ => new double[stateSize * stateSize])];
        Means = [.. blocks.Select(_ => Enumerable.Range(0, classCount).Select(_ => new double[stateSize]).ToArray())];
    }

    /// <summary>The blocks, in order.</summary>
    public IReadOnlyList<DirectionBlock> Blocks { get; }

    /// <summary>ns = l + l*.</summary>
    public int StateSize { get; }

    /// <summary>N_B per block (ns x ns, row-major).</summary>
    public double[][] Grams { get; }

    /// <summary>M_{c,B} per block and class (length ns).</summary>
    public double[][][] Means { get; }

    /// <summary>Index of the block called <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (var b = 0; b < Blocks.Count; b++)
            if (Blocks[b].Name == name) return b;
        return -1;
    }

    /// <summary>Fills the overlaps from weights W stored as ns rows of length d (students first) and the class means.</summary>
    public void FromWeights(ReadOnlySpan<double> weights, int dimension, IReadOnlyList<double[]> classMeans)
    {
        ArgumentNullException.ThrowIfNull(classMeans);
        var n = StateSize;
        for (var b = 0; b < Blocks.Count; b++)
        {
            var (start, end) = (Blocks[b].Start, Blocks[b].End);
            var gram = Grams[b];
            for (var a = 0; a < n; a++)
            {
                var rowA = weights.Slice(a * dimension + start, end - start);
                for (var c = a; c < n; c++)
                {
                    var value = Dot(rowA, weights.Slice(c * dimension + start, end - start));
                    gram[a * n + c] = value;
                    gram[c * n + a] = value;
                }
                for (var k = 0; k < classMeans.Count; k++)
                    Means[b][k][a] = Dot(rowA, classMeans[k].AsSpan(start, end - start));
            }
        }
    }

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (var i = 0; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }
}
