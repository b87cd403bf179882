using HighDimSgd.Core.Dynamics;
using System.Numerics.Tensors;
using HighDimSgd.Core.Models;

namespace HighDimSgd.Simulation;

/// <summary>
/// Streaming one-pass SGD, exactly <c>X_{k+1} = X_k - (gamma_k / d) grad_r f(r_k; r*_k, eps_k, y) a_k^T</c> with a
/// fresh sample per step from the Gaussian mixture (in the basis of its vectors), or with the rows of a data set in a
/// random order per pass (<see cref="SgdSetup.Samples"/>).
/// </summary>
public sealed class SgdSimulator
{
    private readonly SgdEngine _engine;

    /// <summary>A simulator for <paramref name="setup"/> (validated here).</summary>
    public SgdSimulator(SgdSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        setup.Validate();
        Setup = setup;
        _engine = new SgdEngine(setup);
    }

    /// <summary>The simulated problem.</summary>
    public SgdSetup Setup { get; }

    /// <summary>Recorded columns: the evaluator's, then "lr".</summary>
    public IReadOnlyList<string> Columns => _engine.Columns;

    /// <summary>One run, seeded by (<paramref name="seed"/>, <paramref name="runIndex"/>) exactly as in an ensemble.</summary>
    public RunTrajectory Run(ulong seed, int runIndex = 0) => _engine.RunSingle(seed, runIndex);

    internal RunEngine Engine => _engine;

    private sealed class SgdEngine(SgdSetup setup)
        : RunEngine(setup.CheckpointTimes, setup.Statistics.Columns, setup.StepCount)
    {
        private readonly Lazy<MixtureFactors> _factors = new(() => new MixtureFactors(setup.Classes));

        public override RunWorker CreateWorker() => new SgdWorker(setup, Columns.Count, _factors);

        // Weights, teacher, gradient and sample scratch: a few d-vectors per direction.
        public override double NumbersPerWorker => 4.0 * setup.Dimension * (setup.StudentDirections + setup.TeacherDirections + 2);
    }
}

/// <summary>Runs SGD ensembles in parallel with reproducible per-run seeds.</summary>
public static class SgdEnsemble
{
    /// <summary>
    /// Runs <paramref name="runs"/> independent SGD runs (run i seeded from (<paramref name="seed"/>, i) whatever the
    /// thread scheduling) and returns per-checkpoint means and standard errors. <paramref name="progress"/> receives
    /// the completed fraction of all steps.
    /// </summary>
    public static EnsembleResult Run(SgdSetup setup, int runs, ulong seed, IProgress<double>? progress = null)
    {
        var simulator = new SgdSimulator(setup);
        return EnsembleRunner.Run(simulator.Engine, runs, seed, setup.MaxDegreeOfParallelism, progress);
    }
}

/// <summary>One thread's buffers for SGD runs.</summary>
internal sealed class SgdWorker : StudentTeacherWorker
{
    private readonly LossModel _model;
    private readonly SampleSource _source;
    private readonly double[] _sample;
    private readonly double[] _projections;
    private readonly double[] _eps;
    private readonly double[] _gradient;
    private double _lossSum;
    private long _lossCount;

    public SgdWorker(SgdSetup setup, int columns, Lazy<MixtureFactors> factors)
        : base(setup, columns, 1.0 / setup.Dimension)
    {
        _model = setup.Model;
        _source = SampleSource.For(setup, factors);
        _sample = new double[Dimension];
        _projections = new double[Size];
        _eps = new double[_model.NoiseCount];
        _gradient = new double[Students];
    }

    protected override void StartRun(NormalSampler sampler)
    {
        _source.StartRun(sampler);
        _lossSum = 0;
        _lossCount = 0;
    }

    /// <summary>The mean sample loss (before each update) since the previous checkpoint.</summary>
    protected override double TakeTrainingLoss()
    {
        var mean = _lossCount == 0 ? double.NaN : _lossSum / _lossCount;
        _lossSum = 0;
        _lossCount = 0;
        return mean;
    }

    /// <summary>The schedule's warm-up samples, drawn at the initial weights and shown to the controller, no step taken.</summary>
    protected override void WarmUp(NormalSampler sampler, StepSizeController controller)
    {
        for (var j = Setup.Schedule.WarmUpSamples(Dimension); j > 0; j--)
        {
            Draw(sampler, out var sample);
            controller.Advance(0.0, TimeStep, sample);
        }
    }

    protected override bool Step(NormalSampler sampler, StepSizeController controller, double time)
    {
        var d = Dimension;
        var a = _sample.AsSpan();
        var loss = Draw(sampler, out var sample);
        _lossSum += loss;
        _lossCount++;
        var check = TensorPrimitives.Sum<double>(_projections.AsSpan(0, Students)) + TensorPrimitives.Dot<double>(_gradient, _gradient);
        var gamma = controller.Advance(time, TimeStep, sample);
        if (!double.IsFinite(check + gamma))
        {
            return false;
        }

        var scale = -gamma / d;
        var wMutable = W.AsSpan();
        for (var j = 0; j < Students; j++)
        {
            var row = wMutable.Slice(j * d, d);
            TensorPrimitives.MultiplyAdd(a, scale * _gradient[j], row, row);
        }

        return true;
    }

    /// <summary>
    /// Draws the next sample into <c>_sample</c>, its projections (r, r*) = W a and grad_r f into <c>_gradient</c>;
    /// returns its loss and, in <paramref name="sample"/>, what the schedule reads of it.
    /// </summary>
    private double Draw(NormalSampler sampler, out StepSample sample)
    {
        var a = _sample.AsSpan();
        // (r, r*) = W a, drawn and projected in one pass over the sample.
        var c = _source.NextProjected(sampler, a, W, _projections);
        var r = _projections.AsSpan(0, Students);
        var rstar = _projections.AsSpan(Students);
        if (_eps.Length > 0)
        {
            sampler.Fill(_eps);
        }

        var loss = _model.LossAndGradient(r, rstar, _eps, Setup.Classes[c].Labels, _gradient);
        var schedule = Setup.Schedule;
        // ||G_k||_F^2 = ||grad_r f||^2 ||a||^2 for the rank-one sample gradient G_k = grad_r f a^T.
        var gradientNorm = schedule.UsesGradientNorm ? TensorPrimitives.Dot(_gradient, _gradient) * TensorPrimitives.Dot(a, a) : 0.0;
        var decrease = schedule.UsesDistanceDecrease
            ? TensorPrimitives.Dot<double>(_gradient, r) - TensorPrimitives.Dot<double>(_gradient, rstar[..Students])
            : 0.0;
        sample = new StepSample(gradientNorm, decrease);
        return loss;
    }
}
