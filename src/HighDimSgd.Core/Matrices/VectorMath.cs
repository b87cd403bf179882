using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HighDimSgd.Core.Matrices;

/// <summary>
/// Elementary functions on <see cref="Vector256{T}"/> lanes, inlined into the quadrature kernels that call them, so that
/// they are optimised from the first call of an AggressiveOptimization caller. Calls into library code (Vector256.Exp,
/// TensorPrimitives) are jitted by the tiers instead: on one core the 15-class solve took 3.7 s with them under
/// default tiering against 1.8 s with tiering off.
/// </summary>
public static class VectorMath
{
    private const double Log2E = 1.4426950408889634, Ln2High = 6.93147180369123816490e-01, Ln2Low = 1.90821492927058770002e-10;
    // 1.5 * 2^52: adding it rounds x log2(e) to an integer that sits in the low mantissa bits.
    private const double Shifter = 6755399441055744.0;
    private const double Lowest = -708.39641853226408, Highest = 709.0;

    /// <summary>
    /// e^x per lane to about 2 ulp: 0 below -708.4 (where e^x leaves the normal range), capped at e^709 above 709; NaN
    /// stays NaN. Cody-Waite reduction x = n ln 2 + r, |r| &lt;= ln 2 / 2, and the Taylor polynomial of degree 13 (its
    /// truncation error, r^14 / 14!, is below 5e-18 relative).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
    {
        var clamped = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(Lowest)), Vector256.Create(Highest));
        var shifted = Vector256.FusedMultiplyAdd(clamped, Vector256.Create(Log2E), Vector256.Create(Shifter));
        var n = shifted - Vector256.Create(Shifter);
        var r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2High), clamped);
        r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2Low), r);
        // Estrin's scheme: the same polynomial with a dependency chain of 5 operations instead of Horner's 13, so that
        // the exponentials of a block's l classes overlap in the pipeline.
        var r2 = r * r;
        var r4 = r2 * r2;
        var r8 = r4 * r4;
        var q0 = Vector256.FusedMultiplyAdd(r, Vector256<double>.One, Vector256<double>.One);
        var q1 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 6), Vector256.Create(0.5));
        var q2 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 120), Vector256.Create(1.0 / 24));
        var q3 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 5040), Vector256.Create(1.0 / 720));
        var q4 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 362880), Vector256.Create(1.0 / 40320));
        var q5 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 39916800), Vector256.Create(1.0 / 3628800));
        var q6 = Vector256.FusedMultiplyAdd(r, Vector256.Create(1.0 / 6227020800), Vector256.Create(1.0 / 479001600));
        var s0 = Vector256.FusedMultiplyAdd(q1, r2, q0);
        var s1 = Vector256.FusedMultiplyAdd(q3, r2, q2);
        var s2 = Vector256.FusedMultiplyAdd(q5, r2, q4);
        var t0 = Vector256.FusedMultiplyAdd(s1, r4, s0);
        var t1 = Vector256.FusedMultiplyAdd(q6, r4, s2);
        var p = Vector256.FusedMultiplyAdd(t1, r8, t0);
        // 2^n from the integer in the low bits of the shifted value, placed in the exponent field.
        var exponent = (shifted.AsInt64() - Vector256.Create(Shifter).AsInt64() + Vector256.Create(1023L)) << 52;
        var result = p * exponent.AsDouble();
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(Lowest)), Vector256<double>.Zero, result);
        // MinNative/MaxNative drop a NaN: put it back.
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary>
    /// ln x per lane to about 2 ulp for positive normal x (the softmax normaliser, a sum in [1, l]; the Box-Muller radius of
    /// NormalSampler, whose Vector256.Log costs 3-4 ns a value here); other inputs give
    /// meaningless values. x = 2^e m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| &lt;= 0.172,
    /// by its series to s^23 (the next term is below 1e-18 relative).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> LogPositive(Vector256<double> x)
    {
        var bits = x.AsInt64();
        // e = floor(log2(x / sqrt(1/2))) from the bits of x less those of sqrt(1/2), biased by 1023 so that a logical
        // shift (AVX2 has no 64-bit arithmetic one) reads it; then m = x / 2^e.
        var biased = (bits - Vector256.Create(0x3FE6A09E667F3BCDL - (1023L << 52))) >>> 52;
        var exponent = biased - Vector256.Create(1023L);
        var m = (bits - (exponent << 52)).AsDouble();
        // The exact double of a small integer: add it to the bits of 1.5 * 2^52 and subtract that value.
        var e = (exponent + Vector256.Create(Shifter).AsInt64()).AsDouble() - Vector256.Create(Shifter);
        var s = (m - Vector256<double>.One) / (m + Vector256<double>.One);
        var s2 = s * s;
        var p = Vector256.Create(1.0 / 23);
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1.0 / 21));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1.0 / 19));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1.0 / 17));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1.0 / 15));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1.0 / 13));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1.0 / 11));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1.0 / 9));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1.0 / 7));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1.0 / 5));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1.0 / 3));
        // ln m = 2 s (1 + s^2 p'): the leading 2 s is added last to keep its bits.
        var lnM = Vector256.FusedMultiplyAdd(2 * s * s2, p, 2 * s);
        return Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2High), Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Low), lnM));
    }

    /// <summary>
    /// ln x per lane to about 2 ulp of single precision for positive normal x (the Box-Muller radius of NormalSampler, eight
    /// lanes a vector). The same reduction as the double overload, m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s), by its
    /// series to s^9 (the next term is below 3e-9 relative); ln 2 is split in two so that e ln 2 keeps its bits up to e = -126.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LogPositive(Vector256<float> x)
    {
        var bits = x.AsInt32();
        var exponent = ((bits - Vector256.Create(0x3F3504F3 - (127 << 23))) >> 23) - Vector256.Create(127);
        var m = (bits - (exponent << 23)).AsSingle();
        var e = Vector256.ConvertToSingle(exponent);
        var s = (m - Vector256<float>.One) / (m + Vector256<float>.One);
        var s2 = s * s;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(1f / 9), s2, Vector256.Create(1f / 7));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1f / 5));
        p = Vector256.FusedMultiplyAdd(p, s2, Vector256.Create(1f / 3));
        var lnM = Vector256.FusedMultiplyAdd(2 * s * s2, p, 2 * s);
        return Vector256.FusedMultiplyAdd(e, Vector256.Create(0.693359375f), Vector256.FusedMultiplyAdd(e, Vector256.Create(-2.12194440e-4f), lnM));
    }
}
