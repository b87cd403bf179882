using HighDimSgd.Core.Matrices;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HighDimSgd.Simulation;

/// <summary>
/// Reproducible standard normal generator: xoshiro256** uniforms (four streams in one vector, eight 32-bit words a call) turned
/// into normals by a vectorised single-precision Box-Muller transform over blocks of <see cref="BlockSize"/> values.
/// </summary>
/// <remarks>
/// The Box-Muller angle is drawn as x uniform on [-pi/4, pi/4) plus three random bits (swap cos and sin, and
/// the two signs). The eight symmetries of the square map that range onto the whole circle evenly, so the angle
/// is uniform on [0, 2 pi) while sin and cos need only short Taylor polynomials on [-pi/4, pi/4]
/// (degree 9 and 10, enough for single precision), evaluated with SIMD vectors in one pass.
/// </remarks>
/// <remarks>
/// Normals are produced block by block, and a block depends only on the generator state, so the stream
/// of values is the same however callers split their requests (one <see cref="Fill"/> of 1000 equals
/// ten of 100). Whole blocks are written straight into large destinations, which keeps the per-value
/// cost at a vectorised log, sqrt and sin/cos. Scalar draws (<see cref="NextUniform"/>) come from the
/// same generator and interleave deterministically. Not thread-safe: one sampler per run.
/// </remarks>
public sealed class NormalSampler
{
    /// <summary>Normals per generated block (an even number: Box-Muller makes pairs).</summary>
    public const int BlockSize = 1024;

    private Xoshiro256StarStar _generator;
    private Xoshiro256StarStarX4 _wideGenerator;
    private readonly double[] _block = new double[BlockSize];
    private int _position = BlockSize;

    /// <summary>A sampler whose stream is fixed by <paramref name="key"/>.</summary>
    public NormalSampler(ulong key)
    {
        _generator = new Xoshiro256StarStar(key);
        _wideGenerator = new Xoshiro256StarStarX4(key);
    }

    /// <summary>The sampler of run <paramref name="runIndex"/> in an ensemble with master seed <paramref name="seed"/>.</summary>
    public static NormalSampler ForRun(ulong seed, long runIndex) => new(SplitMix64.RunKey(seed, runIndex));

    /// <summary>Fills <paramref name="destination"/> with independent N(0, 1) values.</summary>
    public void Fill(Span<double> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_position == BlockSize)
            {
                if (destination.Length >= BlockSize)
                {
                    GenerateBlock(destination[..BlockSize]);
                    destination = destination[BlockSize..];
                    continue;
                }

                GenerateBlock(_block);
                _position = 0;
            }

            var count = Math.Min(destination.Length, BlockSize - _position);
            _block.AsSpan(_position, count).CopyTo(destination);
            _position += count;
            destination = destination[count..];
        }
    }

    /// <summary>Values of the current block not yet taken (0: the next <see cref="Fill"/> starts a fresh block).</summary>
    public int Buffered => BlockSize - _position;

    /// <summary>One N(0, 1) value from the same stream as <see cref="Fill"/>.</summary>
    public double Next()
    {
        if (_position == BlockSize)
        {
            GenerateBlock(_block);
            _position = 0;
        }

        return _block[_position++];
    }

    /// <summary>A uniform on [0, 1) drawn from the underlying generator (used to pick mixture classes).</summary>
    public double NextUniform() => _generator.NextUniform();

    /// <summary>
    /// One pass in registers, eight pairs at a time (<see cref="BoxMuller"/>) straight into <paramref name="destination"/>
    /// (each call's sixteen normals side by side: the eight first normals of its pairs, then the eight second ones), with no scratch arrays between the stages.
    /// Optimised from its first call: under tiering, its unoptimised copy ran for the first hundred thousand blocks of a run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GenerateBlock(Span<double> destination)
    {
        ref var first = ref MemoryMarshal.GetReference(destination[..BlockSize]);
        // A local copy lets the JIT keep the four state vectors in registers for the whole loop.
        var generator = _wideGenerator;
        for (nuint i = 0; i < BlockSize; i += 16)
        {
            var (z1Low, z1High, z2Low, z2High) = BoxMuller(generator.Next(), generator.Next());
            z1Low.StoreUnsafe(ref first, i);
            z1High.StoreUnsafe(ref first, i + 4);
            z2Low.StoreUnsafe(ref first, i + 8);
            z2High.StoreUnsafe(ref first, i + 12);
        }

        _wideGenerator = generator;
    }

    /// <summary>
    /// The next <c>n = a.Length</c> (at most <see cref="BlockSize"/>) normals, as <see cref="Fill"/> would write them into
    /// <paramref name="a"/> (the sampler must be at a block boundary: <see cref="Buffered"/> = 0), scaled
    /// (<c>a = z scale + shift</c>, no shift when it is empty) and projected on two rows (added into
    /// <paramref name="first"/> and <paramref name="second"/>) in the pass that generates them: the Box-Muller arithmetic then
    /// overlaps the loads of the scale and the rows (from beyond the L2 cache at d = 1e5), and nothing is copied through
    /// the buffer. The rest of the block stays buffered for the next draws.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void GenerateScaled(Span<double> a, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift,
        ReadOnlySpan<double> row0, ReadOnlySpan<double> row1, ref Vector256<double> first, ref Vector256<double> second)
    {
        var n = a.Length;
        if (_position != BlockSize) throw new InvalidOperationException("The sampler is inside a block.");
        if (n < 1 || n > BlockSize || scale.Length < n || row0.Length < n || row1.Length < n || (!shift.IsEmpty && shift.Length < n))
            throw new ArgumentException("The sample takes 1 to BlockSize values, with a scale and rows as long.");
        ref var sample = ref MemoryMarshal.GetReference(a);
        ref var factor = ref MemoryMarshal.GetReference(scale);
        ref var offset = ref shift.IsEmpty ? ref Unsafe.NullRef<double>() : ref MemoryMarshal.GetReference(shift);
        ref var w0 = ref MemoryMarshal.GetReference(row0);
        ref var w1 = ref MemoryMarshal.GetReference(row1);
        ref var rest = ref MemoryMarshal.GetArrayDataReference(_block);
        var shifted = !shift.IsEmpty;
        var count = (nuint)n;
        var acc0 = first;
        var acc1 = second;
        var generator = _wideGenerator;
        for (nuint i = 0; i < BlockSize; i += 16)
        {
            var (z1Low, z1High, z2Low, z2High) = BoxMuller(generator.Next(), generator.Next());
            // Vectors wholly inside the sample are scaled and projected; the others are kept, in the buffer.
            if (i + 4 <= count) (acc0, acc1) = SampleKernels.ScaleProject4(z1Low, i, shifted, ref factor, ref offset, ref sample, ref w0, ref w1, acc0, acc1);
            else z1Low.StoreUnsafe(ref rest, i);
            if (i + 8 <= count) (acc0, acc1) = SampleKernels.ScaleProject4(z1High, i + 4, shifted, ref factor, ref offset, ref sample, ref w0, ref w1, acc0, acc1);
            else z1High.StoreUnsafe(ref rest, i + 4);
            if (i + 12 <= count) (acc0, acc1) = SampleKernels.ScaleProject4(z2Low, i + 8, shifted, ref factor, ref offset, ref sample, ref w0, ref w1, acc0, acc1);
            else z2Low.StoreUnsafe(ref rest, i + 8);
            if (i + 16 <= count) (acc0, acc1) = SampleKernels.ScaleProject4(z2High, i + 12, shifted, ref factor, ref offset, ref sample, ref w0, ref w1, acc0, acc1);
            else z2High.StoreUnsafe(ref rest, i + 12);
        }

        _wideGenerator = generator;
        // The lanes of the vector that straddles n: their normals went to the buffer.
        var whole = n & ~3;
        _block.AsSpan(whole, n - whole).CopyTo(a[whole..]);
        var (tail0, tail1) = SampleKernels.ScaleProjectTail(a, scale[..n], shift.IsEmpty ? shift : shift[..n], row0[..n], row1[..n], whole);
        first = acc0 + Vector256.CreateScalar(tail0);
        second = acc1 + Vector256.CreateScalar(tail1);
        _position = n;
    }

    /// <summary>
    /// Eight Box-Muller pairs from eight 32-bit words per argument, computed in single precision (eight lanes a vector: twice
    /// the pairs of a double-precision pass, where the square root and the division of the log dominate) and widened to
    /// double. The normals carry single-precision rounding (about 6e-8 relative), far below any statistic a run resolves.
    /// The radius uniform is (k + 1/2) 2^-31 for the top 31 bits k of its word, in (0, 1], so the radius reaches
    /// sqrt(64 ln 2) = 6.66: a pair beyond it has probability e^-22.2 = 2e-10. The angle is uniform on [-pi/4, pi/4) from the
    /// top 23 bits of its word through the exponent trick ((bits >> 9) | 1.0f is a float in [1, 2)); the low three bits
    /// (independent of the top ones) give the symmetry: bit 0 swaps cos and sin, bits 1 and 2 are the signs, applied by xor
    /// on the sign bit (exact).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<double> FirstLow, Vector256<double> FirstHigh, Vector256<double> SecondLow, Vector256<double> SecondHigh)
        BoxMuller(Vector256<ulong> radiusWords, Vector256<ulong> angleWords)
    {
        var radiusBits = radiusWords.AsUInt32();
        var angleBits = angleWords.AsUInt32();
        var signBit = Vector256.Create(0x80000000U);
        var k = Vector256.ConvertToSingle((radiusBits >>> 1).AsInt32());
        var u = Vector256.FusedMultiplyAdd(k, Vector256.Create(1f / 2147483648f), Vector256.Create(1f / 4294967296f));
        var radius = Vector256.Sqrt(Vector256.Create(-2f) * VectorMath.LogPositive(u));
        var x = Vector256.Create(MathF.PI / 2) * (((angleBits >>> 9) | Vector256.Create(0x3F800000U)).AsSingle() - Vector256.Create(1.5f));
        var x2 = x * x;
        var sin = x * SinPolynomial(x2);
        var cos = CosPolynomial(x2);
        var swap = Vector256.Equals(angleBits & Vector256<uint>.One, Vector256<uint>.One).AsSingle();
        var z1 = radius * Vector256.ConditionalSelect(swap, sin, cos);
        var z2 = radius * Vector256.ConditionalSelect(swap, cos, sin);
        z1 = (z1.AsUInt32() ^ ((angleBits << 30) & signBit)).AsSingle();
        z2 = (z2.AsUInt32() ^ ((angleBits << 29) & signBit)).AsSingle();
        var (firstLow, firstHigh) = Vector256.Widen(z1);
        var (secondLow, secondHigh) = Vector256.Widen(z2);
        return (firstLow, firstHigh, secondLow, secondHigh);
    }

    /// <summary>sin(x)/x as a polynomial in x^2 (Taylor to x^8: truncation below 2e-9 on [-pi/4, pi/4]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SinPolynomial(Vector256<float> x2)
    {
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(1f / 362880), x2, Vector256.Create(-1f / 5040));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(1f / 120));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-1f / 6));
        return Vector256.FusedMultiplyAdd(p, x2, Vector256<float>.One);
    }

    /// <summary>cos(x) as a polynomial in x^2 (Taylor to x^10: truncation below 2e-10 on [-pi/4, pi/4]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> CosPolynomial(Vector256<float> x2)
    {
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(-1f / 3628800), x2, Vector256.Create(1f / 40320));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-1f / 720));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(1f / 24));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-0.5f));
        return Vector256.FusedMultiplyAdd(p, x2, Vector256<float>.One);
    }
}
