using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HighDimSgd.Simulation;

/// <summary>
/// The fused passes of an SGD step over a Gaussian sample: scaling the standard normals into the sample and projecting
/// it on the rows of W in the same sweep, so the sample is read once while it is still in registers.
/// </summary>
internal static class SampleKernels
{
    /// <summary>
    /// <c>a = scale * a + shift</c> (no shift when <paramref name="shift"/> is empty) and <c>projections[j] = W_j . a</c>
    /// for the rows of <paramref name="w"/> (row-major, rows of length <c>a.Length</c>, as many as projections). The
    /// first two rows share the scaling pass; further rows take one pass each.
    /// </summary>
    public static void ScaleAndProject(Span<double> a, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift,
        ReadOnlySpan<double> w, Span<double> projections) => ScaleAndProjectRows(a, scale, shift, w, a.Length, 0, projections);

    /// <summary>
    /// Draws the standard normals of <paramref name="a"/> from <paramref name="sampler"/> a block of
    /// <see cref="NormalSampler.BlockSize"/> at a time and scales and projects each block (as <see cref="ScaleAndProject"/>)
    /// in the pass that generates it (<see cref="NormalSampler.GenerateScaled"/>): with a separate pass the Box-Muller
    /// arithmetic and the loads of the scale and the rows could not overlap, which cost 1.6x the floor at d = 1e5. The
    /// normals are the same stream as one Fill.
    /// </summary>
    public static void DrawScaleAndProject(NormalSampler sampler, Span<double> a, ReadOnlySpan<double> scale,
        ReadOnlySpan<double> shift, ReadOnlySpan<double> w, Span<double> projections)
    {
        var d = a.Length;
        var rows = projections.Length;
        projections.Clear();
        Span<double> partial = rows <= 64 ? stackalloc double[rows] : new double[rows];
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        var second = rows > 1 ? d : 0;
        var n = 0;
        for (var start = 0; start < d; start += n)
        {
            // The first piece takes what is left of the sampler's current block; the others start a block each and are
            // generated, scaled and projected in one pass.
            var buffered = sampler.Buffered;
            n = Math.Min(buffered > 0 ? buffered : NormalSampler.BlockSize, d - start);
            var block = a.Slice(start, n);
            var blockScale = scale.Slice(start, n);
            var blockShift = shift.IsEmpty ? shift : shift.Slice(start, n);
            if (buffered == 0 && rows > 0)
            {
                sampler.GenerateScaled(block, blockScale, blockShift, w.Slice(start, n), w.Slice(second + start, n), ref acc0, ref acc1);
                for (var j = 2; j < rows; j++) projections[j] += TensorPrimitives.Dot(w.Slice(j * d + start, n), block);
                continue;
            }
            sampler.Fill(block);
            ScaleAndProjectRows(block, blockScale, blockShift, w, d, start, partial);
            for (var j = 0; j < rows; j++) projections[j] += partial[j];
        }
        if (rows > 0) projections[0] += Vector256.Sum(acc0);
        if (rows > 1) projections[1] += Vector256.Sum(acc1);
    }

    /// <summary>
    /// <see cref="ScaleAndProject"/> of the part of a sample at <paramref name="offset"/>: row j of W is
    /// <c>w[j * rowLength + offset ..]</c>.
    /// </summary>
    private static void ScaleAndProjectRows(Span<double> a, ReadOnlySpan<double> scale, ReadOnlySpan<double> shift,
        ReadOnlySpan<double> w, int rowLength, int offset, Span<double> projections)
    {
        var n = a.Length;
        var rows = projections.Length;
        if (rows == 0)
        {
            if (shift.IsEmpty) TensorPrimitives.Multiply(a, scale, a);
            else TensorPrimitives.FusedMultiplyAdd(a, scale, shift, a);
            return;
        }

        // One row only: the pair kernel reads it twice, which costs an L1 load per vector and no second pass.
        var second = rows > 1 ? rowLength : 0;
        var (p0, p1) = ScaleProjectPair(a, scale, shift, w.Slice(offset, n), w.Slice(second + offset, n));
        projections[0] = p0;
        if (rows > 1) projections[1] = p1;
        for (var j = 2; j < rows; j++) projections[j] = TensorPrimitives.Dot(w.Slice(j * rowLength + offset, n), a);
    }

    private static (double First, double Second) ScaleProjectPair(Span<double> a, ReadOnlySpan<double> scale,
        ReadOnlySpan<double> shift, ReadOnlySpan<double> row0, ReadOnlySpan<double> row1)
    {
        ref var sample = ref MemoryMarshal.GetReference(a);
        ref var factor = ref MemoryMarshal.GetReference(scale);
        ref var offset = ref shift.IsEmpty ? ref Unsafe.NullRef<double>() : ref MemoryMarshal.GetReference(shift);
        ref var first = ref MemoryMarshal.GetReference(row0);
        ref var second = ref MemoryMarshal.GetReference(row1);
        var shifted = !shift.IsEmpty;
        var n = (nuint)a.Length;
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        nuint i = 0;
        for (; i + 4 <= n; i += 4)
            (acc0, acc1) = ScaleProject4(Vector256.LoadUnsafe(ref sample, i), i, shifted, ref factor, ref offset, ref sample,
                ref first, ref second, acc0, acc1);
        var (t0, t1) = ScaleProjectTail(a, scale, shift, row0, row1, (int)i);
        return (Vector256.Sum(acc0) + t0, Vector256.Sum(acc1) + t1);
    }

    /// <summary>
    /// Four coordinates from k: <c>x = z scale + shift</c> (no shift unless <paramref name="shifted"/>) stored into the sample
    /// and added, times each row, to the two sums. The sums are returned rather than updated by reference, so that the JIT
    /// keeps them in registers (by reference they made a store-to-load chain of 0.25 ns per coordinate).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<double> First, Vector256<double> Second) ScaleProject4(Vector256<double> z, nuint k, bool shifted,
        ref double factor, ref double offset, ref double sample, ref double row0, ref double row1, Vector256<double> acc0,
        Vector256<double> acc1)
    {
        var x = shifted
            ? Vector256.FusedMultiplyAdd(z, Vector256.LoadUnsafe(ref factor, k), Vector256.LoadUnsafe(ref offset, k))
            : z * Vector256.LoadUnsafe(ref factor, k);
        x.StoreUnsafe(ref sample, k);
        return (Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref row0, k), acc0),
            Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref row1, k), acc1));
    }

    /// <summary>The coordinates from <paramref name="from"/> on, one at a time: <c>a = a scale + shift</c> and the two projections.</summary>
    internal static (double First, double Second) ScaleProjectTail(Span<double> a, ReadOnlySpan<double> scale,
        ReadOnlySpan<double> shift, ReadOnlySpan<double> row0, ReadOnlySpan<double> row1, int from)
    {
        double p0 = 0, p1 = 0;
        for (var i = from; i < a.Length; i++)
        {
            var x = Math.FusedMultiplyAdd(a[i], scale[i], shift.IsEmpty ? 0.0 : shift[i]);
            a[i] = x;
            p0 += x * row0[i];
            p1 += x * row1[i];
        }
        return (p0, p1);
    }
}
