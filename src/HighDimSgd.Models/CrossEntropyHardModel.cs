using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HighDimSgd.Core.Matrices;
using HighDimSgd.Core.Models;

namespace HighDimSgd.Models;

/// <summary>
/// Softmax cross-entropy with free (one-hot) labels for any number of classes l:
/// <c>f = logsumexp(r1, ..., rl) - (r1*y1 + ... + rl*yl)</c>, gradient <c>softmax(r) - y</c>. Written by hand rather
/// than generated because the class count is a parameter: a generated card exists for one l only, and compiling one at
/// run time costs seconds. Its batched evaluation is vectorised across points, which the l-dimensional lattice rule of
/// the mixture ODE spends its time in.
/// </summary>
public sealed class CrossEntropyHardModel : LossModel
{
    private readonly int _classes;

    /// <summary>The model for <paramref name="classes"/> classes (at least 2).</summary>
    public CrossEntropyHardModel(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        _classes = classes;
        Formula = FormulaFor(classes);
    }

    /// <summary>
    /// The derived loss of the cross-entropy preset with l outputs <c>r1..rl</c> and l labels, as the derivation prints
    /// it: a problem whose derived loss is this string computes exactly this model.
    /// </summary>
    public static string FormulaFor(int classes)
    {
        var indices = Enumerable.Range(1, classes);
        return $"-({string.Join(" + ", indices.Select(k => $"r{k}*y{k}"))}) + logsumexp({string.Join(", ", indices.Select(k => $"r{k}"))})";
    }

    /// <summary>The model that computes <paramref name="formula"/> with these counts, or null.</summary>
    public static CrossEntropyHardModel? Find(string formula, int studentDirections, int teacherDirections, int noiseCount, int labelCount) =>
        studentDirections >= 2 && teacherDirections == 0 && noiseCount == 0 && labelCount == studentDirections &&
        formula == FormulaFor(studentDirections)
            ? new CrossEntropyHardModel(studentDirections)
            : null;

    /// <inheritdoc />
    public override string Name => $"cross-entropy-hard-{_classes}";

    /// <inheritdoc />
    public override string? Formula { get; }

    /// <inheritdoc />
    public override int StudentDirections => _classes;

    /// <inheritdoc />
    public override int TeacherDirections => 0;

    /// <inheritdoc />
    public override int NoiseCount => 0;

    /// <inheritdoc />
    public override int LabelCount => _classes;

    /// <inheritdoc />
    public override double Loss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y)
    {
        var max = r[0];
        for (var k = 1; k < _classes; k++) max = Math.Max(max, r[k]);
        double sum = 0, dot = 0;
        for (var k = 0; k < _classes; k++)
        {
            sum += Math.Exp(r[k] - max);
            dot += r[k] * y[k];
        }
        return max + Math.Log(sum) - dot;
    }

    /// <inheritdoc />
    public override double LossAndGradient(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient)
    {
        var max = r[0];
        for (var k = 1; k < _classes; k++) max = Math.Max(max, r[k]);
        double sum = 0, dot = 0;
        for (var k = 0; k < _classes; k++)
        {
            sum += gradient[k] = Math.Exp(r[k] - max);
            dot += r[k] * y[k];
        }
        var inverse = 1 / sum;
        for (var k = 0; k < _classes; k++) gradient[k] = gradient[k] * inverse - y[k];
        return max + Math.Log(sum) - dot;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void LossAndGradientBatch(int count, ReadOnlySpan<double> state, ReadOnlySpan<double> eps,
        ReadOnlySpan<double> y, Span<double> loss, Span<double> gradient)
    {
        var rows = _classes * count;
        if (state.Length < rows || gradient.Length < rows || loss.Length < count || y.Length < _classes)
            throw new ArgumentException("The batch does not fit its spans.");
        var width = Vector256<double>.Count;
        var vectorised = Vector256.IsHardwareAccelerated ? count - count % width : 0;
        ref var r0 = ref MemoryMarshal.GetReference(state);
        ref var g0 = ref MemoryMarshal.GetReference(gradient);
        for (var p = 0; p < vectorised; p += width)
        {
            var max = Vector256.LoadUnsafe(ref r0, (nuint)p);
            for (var k = 1; k < _classes; k++) max = Vector256.MaxNative(max, Vector256.LoadUnsafe(ref r0, (nuint)(k * count + p)));
            var sum = Vector256<double>.Zero;
            var dot = Vector256<double>.Zero;
            for (var k = 0; k < _classes; k++)
            {
                var at = (nuint)(k * count + p);
                var r = Vector256.LoadUnsafe(ref r0, at);
                var e = VectorMath.Exp(r - max);
                e.StoreUnsafe(ref g0, at);
                sum += e;
                dot = Vector256.FusedMultiplyAdd(r, Vector256.Create(y[k]), dot);
            }
            var inverse = Vector256<double>.One / sum;
            for (var k = 0; k < _classes; k++)
            {
                var at = (nuint)(k * count + p);
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref g0, at), inverse, Vector256.Create(-y[k])).StoreUnsafe(ref g0, at);
            }
            (max + VectorMath.LogPositive(sum) - dot).CopyTo(loss[p..]);
        }
        if (vectorised == count) return;
        Span<double> r1 = stackalloc double[_classes];
        Span<double> g1 = stackalloc double[_classes];
        for (var p = vectorised; p < count; p++)
        {
            for (var k = 0; k < _classes; k++) r1[k] = state[k * count + p];
            loss[p] = LossAndGradient(r1, [], [], y, g1);
            for (var k = 0; k < _classes; k++) gradient[k * count + p] = g1[k];
        }
    }
}
