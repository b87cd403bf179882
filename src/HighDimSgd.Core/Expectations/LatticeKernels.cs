using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HighDimSgd.Core.Expectations;

/// <summary>
/// The vector loops of <see cref="LatticeGaussianRule"/> over a block of points stored by variable: the points
/// <c>M +- L z</c>, and sums of products of rows, <c>C[i, j] += sum_p A[i, p] B[j, p]</c>, for the Fisher and
/// gradient-cross moments. Tiles of 2 x 4 rows share their loads, which a dot product per entry (one call and one pass
/// over both rows each) does not. Written with Vector256 rather than TensorPrimitives: its generic methods start
/// unoptimised in every process, and these run a few hundred thousand times per solve.
/// </summary>
internal static class LatticeKernels
{
    /// <summary><c>plus = mean + offsets</c>, <c>minus = mean - offsets</c> (all of the length of offsets).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Spread(double mean, ReadOnlySpan<double> offsets, Span<double> plus, Span<double> minus)
    {
        var length = offsets.Length;
        if (plus.Length < length || minus.Length < length) throw new ArgumentException("Rows too short.");
        ref var o = ref MemoryMarshal.GetReference(offsets);
        ref var a = ref MemoryMarshal.GetReference(plus);
        ref var b = ref MemoryMarshal.GetReference(minus);
        var m = Vector256.Create(mean);
        var p = 0;
        for (; p + Vector256<double>.Count <= length; p += Vector256<double>.Count)
        {
            var x = Vector256.LoadUnsafe(ref o, (nuint)p);
            (m + x).StoreUnsafe(ref a, (nuint)p);
            (m - x).StoreUnsafe(ref b, (nuint)p);
        }
        for (; p < length; p++)
        {
            Unsafe.Add(ref a, p) = mean + Unsafe.Add(ref o, p);
            Unsafe.Add(ref b, p) = mean - Unsafe.Add(ref o, p);
        }
    }

    /// <summary>Returns <c>sum_q (plus[q] + minus[q])</c> and writes <c>difference = plus - minus</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumAndDifference(ReadOnlySpan<double> plus, ReadOnlySpan<double> minus, Span<double> difference)
    {
        var length = plus.Length;
        if (minus.Length < length || difference.Length < length) throw new ArgumentException("Rows too short.");
        ref var a = ref MemoryMarshal.GetReference(plus);
        ref var b = ref MemoryMarshal.GetReference(minus);
        ref var d = ref MemoryMarshal.GetReference(difference);
        var sum = Vector256<double>.Zero;
        var p = 0;
        for (; p + Vector256<double>.Count <= length; p += Vector256<double>.Count)
        {
            var x = Vector256.LoadUnsafe(ref a, (nuint)p);
            var y = Vector256.LoadUnsafe(ref b, (nuint)p);
            sum += x + y;
            (x - y).StoreUnsafe(ref d, (nuint)p);
        }
        var total = Vector256.Sum(sum);
        for (; p < length; p++)
        {
            total += Unsafe.Add(ref a, p) + Unsafe.Add(ref b, p);
            Unsafe.Add(ref d, p) = Unsafe.Add(ref a, p) - Unsafe.Add(ref b, p);
        }
        return total;
    }

    /// <summary>
    /// Adds <c>sum_{p &lt; length} a[i * aStride + p] * b[j * bStride + p]</c> to <c>c[i * cStride + j]</c> for
    /// <c>i &lt; aRows</c>, <c>j &lt; bRows</c>; with <paramref name="upper"/>, only entries with <c>j &gt;= i</c> are
    /// guaranteed (a tile that straddles the diagonal also fills some below it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(ReadOnlySpan<double> a, int aRows, int aStride, ReadOnlySpan<double> b, int bRows, int bStride,
        int length, Span<double> c, int cStride, bool upper)
    {
        if (aRows == 0 || bRows == 0 || length == 0) return;
        if ((aRows - 1) * aStride + length > a.Length || (bRows - 1) * bStride + length > b.Length ||
            (aRows - 1) * cStride + bRows > c.Length)
            throw new ArgumentException("Row blocks do not fit their spans.");
        ref var a0 = ref MemoryMarshal.GetReference(a);
        ref var b0 = ref MemoryMarshal.GetReference(b);
        for (var i = 0; i < aRows; i += 2)
        {
            // A tile past the last row reads that row again and drops the copies, so every entry goes through a tile.
            var i1 = Math.Min(i + 1, aRows - 1);
            for (var j = upper ? i - i % 4 : 0; j < bRows; j += 4)
            {
                var last = bRows - 1;
                Tile2x4(ref Unsafe.Add(ref a0, i * aStride), ref Unsafe.Add(ref a0, i1 * aStride),
                    ref Unsafe.Add(ref b0, j * bStride), ref Unsafe.Add(ref b0, Math.Min(j + 1, last) * bStride),
                    ref Unsafe.Add(ref b0, Math.Min(j + 2, last) * bStride), ref Unsafe.Add(ref b0, Math.Min(j + 3, last) * bStride),
                    length, out var tile);
                for (var ii = 0; ii < Math.Min(2, aRows - i); ii++)
                    for (var jj = 0; jj < Math.Min(4, bRows - j); jj++) c[(i + ii) * cStride + j + jj] += tile[ii * 4 + jj];
            }
        }
    }

    /// <summary>The 2 x 4 sums of products of rows a0, a1 with rows b0..b3.</summary>
    [InlineArray(8)]
    private struct Tile
    {
        private double _element;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile2x4(ref double a0, ref double a1, ref double b0, ref double b1, ref double b2, ref double b3,
        int length, out Tile tile)
    {
        Vector256<double> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector256<double> s10 = default, s11 = default, s12 = default, s13 = default;
        var width = Vector256<double>.Count;
        var p = 0;
        for (; p + width <= length; p += width)
        {
            var offset = (nuint)p;
            var x0 = Vector256.LoadUnsafe(ref a0, offset);
            var x1 = Vector256.LoadUnsafe(ref a1, offset);
            var y = Vector256.LoadUnsafe(ref b0, offset);
            s00 = Vector256.FusedMultiplyAdd(x0, y, s00);
            s10 = Vector256.FusedMultiplyAdd(x1, y, s10);
            y = Vector256.LoadUnsafe(ref b1, offset);
            s01 = Vector256.FusedMultiplyAdd(x0, y, s01);
            s11 = Vector256.FusedMultiplyAdd(x1, y, s11);
            y = Vector256.LoadUnsafe(ref b2, offset);
            s02 = Vector256.FusedMultiplyAdd(x0, y, s02);
            s12 = Vector256.FusedMultiplyAdd(x1, y, s12);
            y = Vector256.LoadUnsafe(ref b3, offset);
            s03 = Vector256.FusedMultiplyAdd(x0, y, s03);
            s13 = Vector256.FusedMultiplyAdd(x1, y, s13);
        }
        tile = default;
        tile[0] = Vector256.Sum(s00);
        tile[1] = Vector256.Sum(s01);
        tile[2] = Vector256.Sum(s02);
        tile[3] = Vector256.Sum(s03);
        tile[4] = Vector256.Sum(s10);
        tile[5] = Vector256.Sum(s11);
        tile[6] = Vector256.Sum(s12);
        tile[7] = Vector256.Sum(s13);
        for (; p < length; p++)
        {
            var x0 = Unsafe.Add(ref a0, p);
            var x1 = Unsafe.Add(ref a1, p);
            double y0 = Unsafe.Add(ref b0, p), y1 = Unsafe.Add(ref b1, p), y2 = Unsafe.Add(ref b2, p), y3 = Unsafe.Add(ref b3, p);
            tile[0] += x0 * y0;
            tile[1] += x0 * y1;
            tile[2] += x0 * y2;
            tile[3] += x0 * y3;
            tile[4] += x1 * y0;
            tile[5] += x1 * y1;
            tile[6] += x1 * y2;
            tile[7] += x1 * y3;
        }
    }
}
