using System.Numerics.Tensors;
using HighDimSgd.Core.Data;
using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Matrices;

namespace HighDimSgd.Simulation;

/// <summary>Where one thread's SGD samples come from: a Gaussian mixture, or the rows of a data set.</summary>
internal abstract class SampleSource
{
    /// <summary>Called at the start of every run (a data set draws its order here).</summary>
    public virtual void StartRun(NormalSampler sampler)
    {
    }

    /// <summary>Writes the next sample into <paramref name="a"/> and returns its class.</summary>
    public abstract int Next(NormalSampler sampler, Span<double> a);

    /// <summary>
    /// Like <see cref="Next"/>, and also writes the sample's projections <c>W_j . a</c> on the rows of
    /// <paramref name="w"/> (row-major, as many rows as <paramref name="projections"/>).
    /// </summary>
    public virtual int NextProjected(NormalSampler sampler, Span<double> a, ReadOnlySpan<double> w, Span<double> projections)
    {
        var c = Next(sampler, a);
        var d = a.Length;
        for (var j = 0; j < projections.Length; j++) projections[j] = TensorPrimitives.Dot(w.Slice(j * d, d), a);
        return c;
    }

    /// <param name="factors">Made on first use: SGD on a data set's rows needs none.</param>
    public static SampleSource For(SgdSetup setup, Lazy<MixtureFactors> factors) =>
        setup.Samples is { } samples ? new DataSetSource(samples) : new MixtureSource(setup, factors.Value);
}

/// <summary>
/// Factors <c>L_c</c> with <c>L_c L_c^T = K_c</c> of the classes whose covariance is not diagonal (the Gaussian surrogate of
/// real data), computed once per simulation and shared by its threads. A data covariance is only positive semi-definite
/// (pixels that never vary), so it is factored with a jitter of 1e-10 (Tr K / d) on the diagonal: a relative change of
/// 1e-10 in the sampled covariance (raised by factors of 100, up to 1e-6, should rounding still leave it indefinite).
/// </summary>
internal sealed class MixtureFactors
{
    public MixtureFactors(IReadOnlyList<DataClass> classes)
    {
        Lower = new double[classes.Count][];
        for (var c = 0; c < classes.Count; c++)
        {
            if (classes[c].Covariance is not { } covariance) continue;
            var d = classes[c].Eigenvalues.Length;
            var factor = Factor(covariance, d, Math.Max(classes[c].MeanEigenvalue, double.Epsilon));
            var lower = new double[d * d];
            for (var i = 0; i < d; i++)
                for (var j = 0; j <= i; j++) lower[i * d + j] = factor[i, j];
            Lower[c] = lower;
        }
    }

    /// <summary>Row-major lower-triangular L_c, or null for a diagonal class.</summary>
    public double[]?[] Lower { get; }

    private static MathNet.Numerics.LinearAlgebra.Matrix<double> Factor(double[] covariance, int d, double scale)
    {
        for (var jitter = 1e-10; ; jitter *= 100)
        {
            var matrix = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(d, d, (i, j) => covariance[i * d + j] + (i == j ? jitter * scale : 0));
            try
            {
                return matrix.Cholesky().Factor;
            }
            catch (ArgumentException) when (jitter < 1e-6)
            {
                // Not positive definite at this jitter: try the next.
            }
        }
    }
}

/// <summary>
/// Draws <c>a = mu_c + K_c^{1/2} z</c>: elementwise for diagonal classes; with <c>L_c z</c> for full covariances, in batches
/// of <see cref="Batch"/> samples per class (one matrix product each), since a sample's draw does not depend on the weights.
/// </summary>
internal sealed class MixtureSource : SampleSource
{
    private const int Batch = 256;
    private readonly SgdSetup _setup;
    private readonly double[][] _sqrtEigenvalues;
    private readonly double[] _cumulativeProbability;
    private readonly double[]?[] _lower;
    private readonly double[][] _z, _batch;
    // The class means, null for a zero mean (read once: HasZeroMean scans all d entries).
    private readonly double[]?[] _shifts;
    private readonly int[] _used;

    public MixtureSource(SgdSetup setup, MixtureFactors factors)
    {
        _setup = setup;
        var classes = setup.Classes;
        var d = setup.Dimension;
        _sqrtEigenvalues = new double[classes.Count][];
        _cumulativeProbability = new double[classes.Count];
        _lower = factors.Lower;
        _z = new double[classes.Count][];
        _batch = new double[classes.Count][];
        _used = new int[classes.Count];
        _shifts = [.. classes.Select(c => c.HasZeroMean ? null : c.Mean)];
        var cumulative = 0.0;
        for (var c = 0; c < classes.Count; c++)
        {
            _sqrtEigenvalues[c] = new double[d];
            TensorPrimitives.Sqrt(classes[c].Eigenvalues, _sqrtEigenvalues[c]);
            cumulative += classes[c].Probability;
            _cumulativeProbability[c] = cumulative;
            if (_lower[c] is null) continue;
            _z[c] = new double[Batch * d];
            _batch[c] = new double[Batch * d];
        }

        // Rounding must never leave a uniform draw without a class.
        _cumulativeProbability[^1] = double.PositiveInfinity;
    }

    public override void StartRun(NormalSampler sampler) => Array.Fill(_used, Batch);

    public override int Next(NormalSampler sampler, Span<double> a)
    {
        var c = SampleClass(sampler);
        var mean = _setup.Classes[c].Mean;
        if (_lower[c] is { } lower)
        {
            var d = _setup.Dimension;
            if (_used[c] == Batch)
            {
                sampler.Fill(_z[c]);
                // Rows z_k L^T = (L z_k)^T.
                Blas.Multiply(_z[c], false, lower, true, _batch[c], Batch, d, d);
                _used[c] = 0;
            }
            TensorPrimitives.Add(_batch[c].AsSpan(_used[c]++ * d, d), mean, a);
            return c;
        }
        sampler.Fill(a);
        SampleKernels.ScaleAndProject(a, _sqrtEigenvalues[c], Shift(c), default, default);
        return c;
    }

    /// <summary>A diagonal class's sample is drawn, scaled and projected block by block (<see cref="SampleKernels"/>).</summary>
    public override int NextProjected(NormalSampler sampler, Span<double> a, ReadOnlySpan<double> w, Span<double> projections)
    {
        var c = SampleClass(sampler);
        if (_lower[c] is not null) return base.NextProjected(sampler, a, w, projections);
        SampleKernels.DrawScaleAndProject(sampler, a, _sqrtEigenvalues[c], Shift(c), w, projections);
        return c;
    }

    private ReadOnlySpan<double> Shift(int c) => _shifts[c];

    private int SampleClass(NormalSampler sampler)
    {
        if (_cumulativeProbability.Length == 1) return 0;
        var u = sampler.NextUniform();
        var c = 0;
        while (u >= _cumulativeProbability[c]) c++;
        return c;
    }
}

/// <summary>The rows of a data set, each pass (epoch) in a fresh random order drawn from the run's own stream.</summary>
internal sealed class DataSetSource(DataSplit samples) : SampleSource
{
    private readonly int[] _order = new int[samples.Count];
    private int _next;

    public override void StartRun(NormalSampler sampler)
    {
        Shuffle(sampler);
        _next = 0;
    }

    public override int Next(NormalSampler sampler, Span<double> a)
    {
        if (_next == _order.Length)
        {
            Shuffle(sampler);
            _next = 0;
        }
        var row = _order[_next++];
        samples.Row(row).CopyTo(a);
        return samples.Classes[row];
    }

    /// <summary>Fisher-Yates from the identity, so an epoch's order depends only on the stream.</summary>
    private void Shuffle(NormalSampler sampler)
    {
        for (var i = 0; i < _order.Length; i++) _order[i] = i;
        for (var i = _order.Length - 1; i > 0; i--)
        {
            var j = (int)Math.Min(i, Math.Floor(sampler.NextUniform() * (i + 1)));
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }
    }
}
