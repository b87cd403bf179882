using HighDimSgd.Core;
using HighDimSgd.Core.Data;
using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Models;
using System.Numerics.Tensors;

namespace HighDimSgd.Simulation;

/// <summary>
/// A fixed sample of inputs with everything their labels need (class, teacher projections r* = X* a, noise eps), drawn
/// once and shared by every run and checkpoint. Averaging a run's loss over it gives a risk that does not go through
/// the theory's Gaussian quadrature: the synthetic counterpart of a real data set's test split.
/// </summary>
public sealed class TestSample
{
    // Run indices 0, 1, ... are the SGD runs' streams; the test sample draws from one no run uses.
    private const long StreamIndex = -1;

    private TestSample(DataSplit inputs, double[] teacherProjections, int teacherDirections, double[] noise, int noiseCount)
    {
        Inputs = inputs;
        TeacherProjections = teacherProjections;
        TeacherDirections = teacherDirections;
        Noise = noise;
        NoiseCount = noiseCount;
    }

    /// <summary>The inputs a_k (row-major N x d) and their classes.</summary>
    public DataSplit Inputs { get; }

    /// <summary>N.</summary>
    public int Count => Inputs.Count;

    /// <summary>r*_k = X* a_k, row-major N x l* (empty without a teacher).</summary>
    public double[] TeacherProjections { get; }

    /// <summary>l*.</summary>
    public int TeacherDirections { get; }

    /// <summary>The noise eps_k of each sample's label, row-major N x (noise count).</summary>
    public double[] Noise { get; }

    /// <summary>Noise variables per sample.</summary>
    public int NoiseCount { get; }

    /// <summary>A data set's split as a test sample (its labels are its classes: no teacher, no noise).</summary>
    public static TestSample FromSplit(DataSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        return new TestSample(split, [], 0, [], 0);
    }

    /// <summary>
    /// <paramref name="count"/> fresh draws from the data distribution of <paramref name="setup"/> (its classes, teacher
    /// and noise), from a stream of <paramref name="seed"/> that no SGD run uses.
    /// </summary>
    public static TestSample Draw(SgdSetup setup, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var d = setup.Dimension;
        var lStar = setup.TeacherDirections;
        var noiseCount = setup.Model.NoiseCount;
        ResourceBudget.Require((double)count * (d + lStar + noiseCount),
            $"a test sample of {count:N0} inputs (simulation.test-samples) of dimension {d:N0}");
        var features = new double[(long)count * d];
        var classes = new int[count];
        var projections = new double[count * lStar];
        var noise = new double[count * noiseCount];
        var teacher = new double[lStar * d];
        for (var j = 0; j < lStar; j++) setup.Teacher[j].CopyTo(teacher, j * d);
        var source = new MixtureSource(setup, new MixtureFactors(setup.Classes));
        var sampler = NormalSampler.ForRun(seed, StreamIndex);
        source.StartRun(sampler);
        for (var k = 0; k < count; k++)
        {
            classes[k] = source.NextProjected(sampler, features.AsSpan(k * d, d), teacher, projections.AsSpan(k * lStar, lStar));
            sampler.Fill(noise.AsSpan(k * noiseCount, noiseCount));
        }
        return new TestSample(new DataSplit(features, classes, count, d), projections, lStar, noise, noiseCount);
    }
}

/// <summary>A run's mean loss and classification error on a <see cref="TestSample"/>, each with its standard error over the sample.</summary>
public readonly record struct TestSampleEstimate(double Loss, double LossError, double Error, double ErrorError);

/// <summary>
/// Evaluates students on a <see cref="TestSample"/>: r_k = X a_k for every sample, then the model's
/// loss f(g(r_k), y_k) with the sample's own label (its class's labels, or the teacher's output at r*_k and eps_k).
/// </summary>
/// <remarks>Keeps buffers: one per thread.</remarks>
public sealed class TestSampleEvaluator
{
    private readonly TestSample _sample;
    private readonly LossModel _model;
    private readonly IReadOnlyList<DataClass> _classes;
    private readonly double[] _r, _loss, _wrong;

    /// <summary>An evaluator of <paramref name="model"/> on <paramref name="sample"/>, labels from <paramref name="classes"/>.</summary>
    public TestSampleEvaluator(TestSample sample, LossModel model, IReadOnlyList<DataClass> classes)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(classes);
        if (sample.TeacherDirections != model.TeacherDirections && sample.TeacherDirections != 0)
            throw new ArgumentException($"The sample has {sample.TeacherDirections} teacher projections; the model takes {model.TeacherDirections}.");
        _sample = sample;
        _model = model;
        _classes = classes;
        _r = new double[model.StudentDirections];
        _loss = new double[sample.Count];
        _wrong = new double[sample.Count];
    }

    /// <summary>Loss and error of the student rows at the start of <paramref name="weights"/> (l x d, row-major).</summary>
    public TestSampleEstimate Evaluate(ReadOnlySpan<double> weights)
    {
        var l = _model.StudentDirections;
        var n = _sample.Count;
        var d = _sample.Inputs.Dimension;
        var lStar = _sample.TeacherDirections;
        var noise = _sample.NoiseCount;
        for (var k = 0; k < n; k++)
        {
            // r = X a_k, one input at a time: the sample is read once (it is larger than the caches; the l rows of X stay in them).
            var input = _sample.Inputs.Row(k);
            var r = _r.AsSpan();
            for (var j = 0; j < l; j++) r[j] = TensorPrimitives.Dot(weights.Slice(j * d, d), input);
            var labels = _classes[_sample.Inputs.Classes[k]].Labels;
            _loss[k] = _model.Loss(r, _sample.TeacherProjections.AsSpan(k * lStar, lStar), _sample.Noise.AsSpan(k * noise, noise), labels);
            _wrong[k] = Misclassified(r, labels);
        }
        var (loss, lossError) = MeanAndError(_loss);
        var (error, errorError) = MeanAndError(_wrong);
        return new TestSampleEstimate(loss, lossError, error, errorError);
    }

    /// <summary>
    /// The probability of a wrong prediction when ties are broken at random (as the theory counts them): the sign of r for
    /// one direction (label 1 against 0; 1/2 at r = 0), the argmax of r for one-hot labels (1 - 1/k when the correct
    /// output shares the maximum with k - 1 others).
    /// </summary>
    private static double Misclassified(ReadOnlySpan<double> r, double[] labels)
    {
        if (labels.Length == 0) return double.NaN;
        if (r.Length == 1) return r[0] == 0 ? 0.5 : (r[0] > 0) == (labels[0] == 1) ? 0 : 1;
        var best = double.NegativeInfinity;
        foreach (var value in r) best = Math.Max(best, value);
        var ties = 0;
        var correctTies = false;
        for (var a = 0; a < r.Length; a++)
        {
            if (r[a] != best) continue;
            ties++;
            correctTies |= labels[a] == 1;
        }
        return correctTies ? 1 - 1.0 / ties : 1;
    }

    /// <summary>Mean and sample standard deviation / sqrt(N) (two passes: the values are at hand).</summary>
    private static (double Mean, double Error) MeanAndError(ReadOnlySpan<double> values)
    {
        var n = values.Length;
        double sum = 0;
        foreach (var v in values) sum += v;
        var mean = sum / n;
        if (n < 2) return (mean, double.NaN);
        double squares = 0;
        foreach (var v in values) squares += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(squares / (n - 1) / n));
    }
}
