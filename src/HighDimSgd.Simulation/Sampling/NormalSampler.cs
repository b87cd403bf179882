using HighDimSgd.Core.Matrices;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HighDimSgd.Simulation;

/// <summary>
/// Reproducible standard normal generator: xoshiro256** uniforms (four streams in one vector) turned into normals by a vectorised
/// Box-Muller transform over blocks of <see cref="BlockSize"/> values.
/// </summary>
/// <remarks>
/// The Box-Muller angle is drawn as x uniform on [-pi/4, pi/4) plus three random bits (swap cos and sin, and
/// the two signs). The eight symmetries of the square map that range onto the whole circle evenly, so the angle
/// is uniform on [0, 2 pi) while sin and cos need only short Taylor polynomials on [-pi/4, pi/4]
/// (degree 15 and 16: truncation below 1e-16), evaluated with SIMD vectors in one pass.
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

    private const int Pairs = BlockSize / 2;

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
    /// One pass in registers, four pairs at a time (<see cref="BoxMuller"/>) straight into <paramref name="destination"/>
    /// (first half the first normal of each pair, second half the second), with no scratch arrays between the stages.
    /// </summary>
    private void GenerateBlock(Span<double> destination)
    {
        ref var first = ref MemoryMarshal.GetReference(destination[..BlockSize]);
        ref var second = ref Unsafe.Add(ref first, Pairs);
        // A local copy lets the JIT keep the four state vectors in registers for the whole loop.
        var generator = _wideGenerator;
        for (nuint i = 0; i < Pairs; i += 4)
        {
            var (z1, z2) = BoxMuller(generator.Next(), generator.Next());
            z1.StoreUnsafe(ref first, i);
            z2.StoreUnsafe(ref second, i);
        }

        _wideGenerator = generator;
    }

    /// <summary>
    /// Four Box-Muller pairs from two words per lane. Uniforms come from the top 52 bits through the exponent trick
    /// ((bits >> 12) | 1.0 is a double in [1, 2)); the low three bits of the angle word (independent of its top bits) give
    /// the symmetry: bit 0 swaps cos and sin, bits 1 and 2 are the signs, applied by xor on the sign bit (exact).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<double> First, Vector256<double> Second) BoxMuller(Vector256<ulong> radiusBits, Vector256<ulong> angleBits)
    {
        var oneBits = Vector256.Create(0x3FF0000000000000UL);
        var signBit = Vector256.Create(0x8000000000000000UL);
        var u = Vector256.Create(2.0) - ((radiusBits >> 12) | oneBits).AsDouble(); // (0, 1]
        var radius = Vector256.Sqrt(Vector256.Create(-2.0) * VectorMath.LogPositive(u));
        var x = Vector256.Create(Math.PI / 2) * (((angleBits >> 12) | oneBits).AsDouble() - Vector256.Create(1.5)); // [-pi/4, pi/4)
        var x2 = x * x;
        var sin = x * SinPolynomial(x2);
        var cos = CosPolynomial(x2);
        var swap = Vector256.Equals(angleBits & Vector256<ulong>.One, Vector256<ulong>.One).AsDouble();
        var z1 = radius * Vector256.ConditionalSelect(swap, sin, cos);
        var z2 = radius * Vector256.ConditionalSelect(swap, cos, sin);
        return ((z1.AsUInt64() ^ ((angleBits << 62) & signBit)).AsDouble(), (z2.AsUInt64() ^ ((angleBits << 61) & signBit)).AsDouble());
    }

    /// <summary>sin(x)/x as a polynomial in x^2 (Taylor to x^14).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> SinPolynomial(Vector256<double> x2)
    {
        var p = Vector256.Create(-1.0 / 1307674368000.0);
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(1.0 / 6227020800.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-1.0 / 39916800.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(1.0 / 362880.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-1.0 / 5040.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(1.0 / 120.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-1.0 / 6.0));
        return Vector256.FusedMultiplyAdd(p, x2, Vector256<double>.One);
    }

    /// <summary>cos(x) as a polynomial in x^2 (Taylor to x^16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> CosPolynomial(Vector256<double> x2)
    {
        var p = Vector256.Create(1.0 / 20922789888000.0);
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-1.0 / 87178291200.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(1.0 / 479001600.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-1.0 / 3628800.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(1.0 / 40320.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-1.0 / 720.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(1.0 / 24.0));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-0.5));
        return Vector256.FusedMultiplyAdd(p, x2, Vector256<double>.One);
    }
}
