using System.Numerics;
using System.Numerics.Tensors;
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
/// (degree 15 and 16: truncation below 1e-16), evaluated with SIMD vectors.
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
    private readonly double[] _radius = new double[Pairs];
    private readonly double[] _angle = new double[Pairs];
    private readonly double[] _swap = new double[Pairs];
    private readonly double[] _firstSign = new double[Pairs];
    private readonly double[] _secondSign = new double[Pairs];
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

    private void GenerateBlock(Span<double> destination)
    {
        // Uniforms from the top 52 bits through the exponent trick: (bits >> 12) | 1.0 is a double in [1, 2).
        // The low three bits of the angle word (independent of its top bits) give the symmetry.
        var oneBits = Vector256.Create(0x3FF0000000000000UL);
        var signBit = Vector256.Create(0x8000000000000000UL);
        var lowBit = Vector256.Create(1UL);
        var quarterPi = Vector256.Create(Math.PI / 2);
        for (var i = 0; i < Pairs; i += 4)
        {
            var radiusBits = _wideGenerator.Next();
            var angleBits = _wideGenerator.Next();
            var u = Vector256.Create(2.0) - ((radiusBits >> 12) | oneBits).AsDouble(); // (0, 1]
            u.StoreUnsafe(ref _radius[0], (nuint)i);
            var x = quarterPi * (((angleBits >> 12) | oneBits).AsDouble() - Vector256.Create(1.5)); // [-pi/4, pi/4)
            x.StoreUnsafe(ref _angle[0], (nuint)i);
            var swap = Vector256.ConditionalSelect(Vector256.Equals(angleBits & lowBit, lowBit).AsDouble(), Vector256<double>.One, Vector256<double>.Zero);
            swap.StoreUnsafe(ref _swap[0], (nuint)i);
            (((angleBits << 62) & signBit) | oneBits).AsDouble().StoreUnsafe(ref _firstSign[0], (nuint)i);
            (((angleBits << 61) & signBit) | oneBits).AsDouble().StoreUnsafe(ref _secondSign[0], (nuint)i);
        }

        // Radius sqrt(-2 log u) of the Box-Muller pair.
        TensorPrimitives.Log(_radius, _radius);
        TensorPrimitives.Multiply(_radius, -2.0, _radius);
        TensorPrimitives.Sqrt(_radius, _radius);
        var first = destination[..Pairs];
        var second = destination[Pairs..BlockSize];
        var width = Vector<double>.Count;
        for (var i = 0; i < Pairs; i += width)
        {
            var x = new Vector<double>(_angle, i);
            var x2 = x * x;
            var sin = x * SinPolynomial(x2);
            var cos = CosPolynomial(x2);
            var swap = new Vector<double>(_swap, i);
            var radius = new Vector<double>(_radius, i);
            var z1 = radius * new Vector<double>(_firstSign, i) * (cos + swap * (sin - cos));
            var z2 = radius * new Vector<double>(_secondSign, i) * (sin + swap * (cos - sin));
            z1.CopyTo(first[i..]);
            z2.CopyTo(second[i..]);
        }
    }

    /// <summary>sin(x)/x as a polynomial in x^2 (Taylor to x^14).</summary>
    private static Vector<double> SinPolynomial(Vector<double> x2)
    {
        var p = new Vector<double>(-1.0 / 1307674368000.0);
        p = p * x2 + new Vector<double>(1.0 / 6227020800.0);
        p = p * x2 + new Vector<double>(-1.0 / 39916800.0);
        p = p * x2 + new Vector<double>(1.0 / 362880.0);
        p = p * x2 + new Vector<double>(-1.0 / 5040.0);
        p = p * x2 + new Vector<double>(1.0 / 120.0);
        p = p * x2 + new Vector<double>(-1.0 / 6.0);
        return p * x2 + Vector<double>.One;
    }

    /// <summary>cos(x) as a polynomial in x^2 (Taylor to x^16).</summary>
    private static Vector<double> CosPolynomial(Vector<double> x2)
    {
        var p = new Vector<double>(1.0 / 20922789888000.0);
        p = p * x2 + new Vector<double>(-1.0 / 87178291200.0);
        p = p * x2 + new Vector<double>(1.0 / 479001600.0);
        p = p * x2 + new Vector<double>(-1.0 / 3628800.0);
        p = p * x2 + new Vector<double>(1.0 / 40320.0);
        p = p * x2 + new Vector<double>(-1.0 / 720.0);
        p = p * x2 + new Vector<double>(1.0 / 24.0);
        p = p * x2 + new Vector<double>(-0.5);
        return p * x2 + Vector<double>.One;
    }
}
