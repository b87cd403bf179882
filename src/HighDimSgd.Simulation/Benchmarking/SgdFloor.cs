using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HighDimSgd.Simulation.Benchmarking;

/// <summary>
/// The hardware floor of one least-squares SGD step in dimension d, written as a hand-tuned kernel would be: normals
/// drawn eight pairs at a time in registers (xoshiro256** and Box-Muller), scaled into the sample and projected on the
/// student and teacher rows in the same pass, then one axpy. No buffers between stages, no dispatch, no schedule: the
/// least work one step can do. <c>hdsgd bench</c> and the benchmark suite report the simulator's time per step and
/// coordinate against this one's.
/// </summary>
public sealed class SgdFloor
{
    private readonly int _d, _padded;
    private readonly double[] _sqrtEigenvalues, _student, _teacher, _sample;
    private Xoshiro256StarStarX4 _generator;
    private double _lossSum;

    /// <param name="dimension">d; the vectors are padded with zero coordinates to a multiple of 16 (eight Box-Muller pairs per
    /// chunk), as the simulator draws whole blocks of normals too.</param>
    public SgdFloor(int dimension, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        _d = dimension;
        _padded = (dimension + 15) / 16 * 16;
        _sqrtEigenvalues = new double[_padded];
        _student = new double[_padded];
        _teacher = new double[_padded];
        _sample = new double[_padded];
        for (var i = 0; i < dimension; i++)
        {
            _sqrtEigenvalues[i] = Math.Sqrt(0.2 + 1.6 * i / (dimension - 1.0));
            _teacher[i] = 1 / Math.Sqrt(dimension);
        }
        _generator = new Xoshiro256StarStarX4(seed);
    }

    /// <summary>The summed sample loss of every step taken: read by callers so the work cannot be optimised away.</summary>
    public double LossSum => _lossSum;

    /// <summary>Best wall time per step and coordinate (of the padded vectors), in seconds, of <paramref name="rounds"/> rounds of <paramref name="steps"/> steps.</summary>
    public double SecondsPerStepAndCoordinate(long steps, int rounds)
    {
        var best = double.PositiveInfinity;
        for (var round = 0; round < rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            Run(steps, 0.5);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best / steps / _padded;
    }

    /// <summary><paramref name="steps"/> SGD steps of <c>f = (r - r*)^2 / 2</c> at step size <paramref name="rate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(long steps, double rate)
    {
        ref var scale = ref MemoryMarshal.GetArrayDataReference(_sqrtEigenvalues);
        ref var w = ref MemoryMarshal.GetArrayDataReference(_student);
        ref var wStar = ref MemoryMarshal.GetArrayDataReference(_teacher);
        ref var a = ref MemoryMarshal.GetArrayDataReference(_sample);
        var n = (nuint)_padded;
        var generator = _generator;
        for (long k = 0; k < steps; k++)
        {
            var r = Vector256<double>.Zero;
            var rStar = Vector256<double>.Zero;
            for (nuint i = 0; i < n; i += 16)
            {
                var (z1, z2, z3, z4) = NormalSampler.BoxMuller(generator.Next(), generator.Next());
                (r, rStar) = Chunk(z1, ref scale, ref a, ref w, ref wStar, i, r, rStar);
                (r, rStar) = Chunk(z2, ref scale, ref a, ref w, ref wStar, i + 4, r, rStar);
                (r, rStar) = Chunk(z3, ref scale, ref a, ref w, ref wStar, i + 8, r, rStar);
                (r, rStar) = Chunk(z4, ref scale, ref a, ref w, ref wStar, i + 12, r, rStar);
            }

            var residual = Vector256.Sum(r) - Vector256.Sum(rStar);
            _lossSum += 0.5 * residual * residual;
            var step = Vector256.Create(-rate / _d * residual);
            for (nuint i = 0; i < n; i += 4)
                Vector256.FusedMultiplyAdd(step, Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref w, i)).StoreUnsafe(ref w, i);
        }

        _generator = generator;
    }

    /// <summary>Four coordinates: scales the normals into the sample and adds its projections on both rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double> R, Vector256<double> RStar) Chunk(Vector256<double> z, ref double scale, ref double a,
        ref double w, ref double wStar, nuint i, Vector256<double> r, Vector256<double> rStar)
    {
        var ai = z * Vector256.LoadUnsafe(ref scale, i);
        ai.StoreUnsafe(ref a, i);
        return (Vector256.FusedMultiplyAdd(ai, Vector256.LoadUnsafe(ref w, i), r),
            Vector256.FusedMultiplyAdd(ai, Vector256.LoadUnsafe(ref wStar, i), rStar));
    }
}
