using System.Numerics;
using System.Runtime.CompilerServices;

namespace HighDimSgd.Simulation;

/// <summary>
/// xoshiro256** (Blackman and Vigna 2018): fast, 2^256 - 1 period, passes BigCrush. A mutable struct so
/// that the hot loop keeps the state in registers; copy it only on purpose.
/// </summary>
public struct Xoshiro256StarStar
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the four state words from a SplitMix64 stream started at <paramref name="key"/>.</summary>
    public Xoshiro256StarStar(ulong key)
    {
        var state = key;
        _s0 = SplitMix64.Next(ref state);
        _s1 = SplitMix64.Next(ref state);
        _s2 = SplitMix64.Next(ref state);
        _s3 = SplitMix64.Next(ref state);
        // SplitMix64 is a bijection of a counter, so all four words are zero with probability 0; still guard it.
        if ((_s0 | _s1 | _s2 | _s3) == 0)
        {
            _s0 = 1;
        }
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextUniform() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform on (0, 1]: safe to take the logarithm of.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextUniformPositive() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));
}
