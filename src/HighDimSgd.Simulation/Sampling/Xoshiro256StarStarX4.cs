using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HighDimSgd.Simulation;

/// <summary>
/// Four independent xoshiro256** streams advanced together in 256-bit vectors: four 64-bit words per call at
/// the cost of about one scalar step. The multiplications by 5 and 9 are shifts and adds, so no 64-bit vector
/// multiply (absent before AVX-512) is needed.
/// </summary>
public struct Xoshiro256StarStarX4
{
    private Vector256<ulong> _s0, _s1, _s2, _s3;

    /// <summary>Seeds the four streams from <paramref name="key"/> through SplitMix64 (16 words).</summary>
    public Xoshiro256StarStarX4(ulong key)
    {
        var state = key ^ 0x6A09E667F3BCC909UL; // distinct from the scalar generator's stream of the same key
        Span<ulong> words = stackalloc ulong[16];
        for (var i = 0; i < words.Length; i++) words[i] = SplitMix64.Next(ref state);
        for (var lane = 0; lane < 4; lane++)
            if ((words[lane] | words[4 + lane] | words[8 + lane] | words[12 + lane]) == 0) words[lane] = 1;
        _s0 = Vector256.Create(words[0], words[1], words[2], words[3]);
        _s1 = Vector256.Create(words[4], words[5], words[6], words[7]);
        _s2 = Vector256.Create(words[8], words[9], words[10], words[11]);
        _s3 = Vector256.Create(words[12], words[13], words[14], words[15]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> RotateLeft(Vector256<ulong> x, int k) =>
        Vector256.ShiftLeft(x, k) | Vector256.ShiftRightLogical(x, 64 - k);

    /// <summary>The next 64-bit word of each of the four streams.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> Next()
    {
        var times5 = Vector256.ShiftLeft(_s1, 2) + _s1;
        var rotated = RotateLeft(times5, 7);
        var result = Vector256.ShiftLeft(rotated, 3) + rotated;
        var t = Vector256.ShiftLeft(_s1, 17);
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }
}
