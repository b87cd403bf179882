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
        ReadOnlySpan<double> w, Span<double> projections)
    {
        var d = a.Length;
        var rows = projections.Length;
        if (rows == 0)
        {
            if (shift.IsEmpty) TensorPrimitives.Multiply(a, scale, a);
            else TensorPrimitives.FusedMultiplyAdd(a, scale, shift, a);
            return;
        }

        // One row only: the pair kernel reads it twice, which costs an L1 load per vector and no second pass.
        var second = rows > 1 ? d : 0;
        var (p0, p1) = ScaleProjectPair(a, scale, shift, w[..d], w.Slice(second, d));
        projections[0] = p0;
        if (rows > 1) projections[1] = p1;
        for (var j = 2; j < rows; j++) projections[j] = TensorPrimitives.Dot(w.Slice(j * d, d), a);
    }

    private static (double First, double Second) ScaleProjectPair(Span<double> a, ReadOnlySpan<double> scale,
        ReadOnlySpan<double> shift, ReadOnlySpan<double> row0, ReadOnlySpan<double> row1)
    {
        ref var sample = ref MemoryMarshal.GetReference(a);
        ref var factor = ref MemoryMarshal.GetReference(scale);
        ref var first = ref MemoryMarshal.GetReference(row0);
        ref var second = ref MemoryMarshal.GetReference(row1);
        var n = (nuint)a.Length;
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        nuint i = 0;
        if (shift.IsEmpty)
        {
            for (; i + 4 <= n; i += 4)
            {
                var x = Vector256.LoadUnsafe(ref sample, i) * Vector256.LoadUnsafe(ref factor, i);
                x.StoreUnsafe(ref sample, i);
                acc0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref first, i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref second, i), acc1);
            }
        }
        else
        {
            ref var offset = ref MemoryMarshal.GetReference(shift);
            for (; i + 4 <= n; i += 4)
            {
                var x = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref sample, i), Vector256.LoadUnsafe(ref factor, i),
                    Vector256.LoadUnsafe(ref offset, i));
                x.StoreUnsafe(ref sample, i);
                acc0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref first, i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref second, i), acc1);
            }
        }

        var p0 = Vector256.Sum(acc0);
        var p1 = Vector256.Sum(acc1);
        for (; i < n; i++)
        {
            var x = Math.FusedMultiplyAdd(a[(int)i], scale[(int)i], shift.IsEmpty ? 0.0 : shift[(int)i]);
            a[(int)i] = x;
            p0 += x * row0[(int)i];
            p1 += x * row1[(int)i];
        }

        return (p0, p1);
    }
}
