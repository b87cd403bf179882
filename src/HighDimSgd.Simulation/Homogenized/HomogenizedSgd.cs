using HighDimSgd.Core.Expectations;
using System.Numerics.Tensors;
using HighDimSgd.Core.Models;

namespace HighDimSgd.Simulation;

/// <summary>
/// Maps the covariance B of (r, r*) (s x s, s = l + l*) to the drift pieces of homogenized SGD:
/// the gradient cross moment <c>E[grad_r f (r, r*)^T]</c> (l x s) and the Fisher matrix <c>E[grad_r f grad_r f^T]</c> (l x l).
/// Called concurrently by parallel runs: it must be thread-safe.
/// </summary>
public delegate void HomogenizedDriftFunction(ReadOnlySpan<double> covariance, Span<double> gradientCross, Span<double> fisher);

/// <summary>A homogenized-SGD problem: the SGD setup (single zero-mean class) plus the drift pieces.</summary>
public sealed record HomogenizedSetup
{
    /// <summary>Problem, schedule, checkpoints and statistics, as for SGD. Must have exactly one zero-mean class.</summary>
    public required SgdSetup Problem { get; init; }

    /// <summary>The map B to (cross moment, Fisher).</summary>
    public required HomogenizedDriftFunction Drift { get; init; }

    /// <summary>Euler-Maruyama time step; null means 1/d, one step per SGD sample.</summary>
    public double? TimeStep { get; init; }

    /// <summary>The effective time step.</summary>
    public double EffectiveTimeStep => TimeStep ?? 1.0 / Problem.Dimension;
}

/// <summary>
/// Homogenized SGD (theory.md section 8), Euler-Maruyama for
/// <c>dX = -gamma grad L(X) dt + (gamma / sqrt d) sqrt(I(B) (x) K) dW</c> with, for a · N(0, K),
/// <c>grad_X L = E[grad_r f (r, r*)^T] B^+ W K</c> (Gaussian regression of a on (r, r*) = W a).
/// </summary>
public static class HomogenizedSgd
{
    /// <summary>The drift from a model's closed-form cross moment and Fisher matrix.</summary>
    public static HomogenizedDriftFunction ClosedFormDrift(LossModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.HasClosedFormGradientCross || !model.HasClosedFormFisher)
        {
            throw new ArgumentException($"Model '{model.Name}' lacks a closed-form cross moment or Fisher matrix; supply a quadrature drift.");
        }

        return (b, cross, fisher) =>
        {
            model.ExpectedGradientCross(b, cross);
            model.ExpectedFisher(b, fisher);
        };
    }

    /// <summary>One run seeded by (<paramref name="seed"/>, <paramref name="runIndex"/>).</summary>
    public static RunTrajectory RunSingle(HomogenizedSetup setup, ulong seed, int runIndex = 0) =>
        CreateEngine(setup).RunSingle(seed, runIndex);

    /// <summary>An ensemble of <paramref name="runs"/> runs in parallel, reduced as for <see cref="SgdEnsemble"/>.</summary>
    public static EnsembleResult Run(HomogenizedSetup setup, int runs, ulong seed, IProgress<double>? progress = null) =>
        EnsembleRunner.Run(CreateEngine(setup), runs, seed, setup.Problem.MaxDegreeOfParallelism, progress);

    private static Engine CreateEngine(HomogenizedSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(setup.Drift);
        var problem = setup.Problem;
        problem.Validate();
        if (problem.Classes.Count != 1 || !problem.Classes[0].HasZeroMean)
        {
            throw new ArgumentException("Homogenized SGD is implemented for a single zero-mean Gaussian class.");
        }

        var dt = setup.EffectiveTimeStep;
        if (!(dt > 0) || !double.IsFinite(dt))
        {
            throw new ArgumentException($"The time step must be positive, got {dt}.");
        }

        return new Engine(setup, dt);
    }

    private sealed class Engine(HomogenizedSetup setup, double dt)
        : RunEngine(setup.Problem.CheckpointTimes, setup.Problem.Statistics.Columns, (long)Math.Round(setup.Problem.Horizon / dt))
    {
        public override RunWorker CreateWorker() => new HomogenizedWorker(setup, Columns.Count, dt);

        public override double NumbersPerWorker =>
            6.0 * setup.Problem.Dimension * (setup.Problem.StudentDirections + setup.Problem.TeacherDirections + 2);
    }
}

/// <summary>One thread's buffers for homogenized-SGD runs.</summary>
internal sealed class HomogenizedWorker : StudentTeacherWorker
{
    private readonly HomogenizedDriftFunction _drift;
    private readonly double[] _eigenvalues;
    private readonly double[] _sqrtEigenvalues;
    private readonly double _traceK;
    private readonly double[] _covariance;
    private readonly double[] _pseudoInverse;
    private readonly double[] _cross;
    private readonly double[] _fisher;
    private readonly double[] _fisherRoot;
    private readonly double[] _driftCoefficients;
    private readonly double[] _linearWork;
    private readonly double[] _noise;
    private readonly double[] _increments;
    private readonly double[] _driftRow;
    private readonly double[] _scratch;

    public HomogenizedWorker(HomogenizedSetup setup, int columns, double timeStep)
        : base(setup.Problem, columns, timeStep)
    {
        _drift = setup.Drift;
        var d = Dimension;
        var s = Size;
        var l = Students;
        _eigenvalues = setup.Problem.Classes[0].Eigenvalues;
        _sqrtEigenvalues = new double[d];
        TensorPrimitives.Sqrt(_eigenvalues, _sqrtEigenvalues);
        _traceK = TensorPrimitives.Sum<double>(_eigenvalues);
        _covariance = new double[s * s];
        _pseudoInverse = new double[s * s];
        _cross = new double[l * s];
        _fisher = new double[l * l];
        _fisherRoot = new double[l * l];
        _driftCoefficients = new double[l * s];
        _linearWork = new double[3 * s * s + s];
        _noise = new double[l * d];
        _increments = new double[l * d];
        _driftRow = new double[d];
        _scratch = new double[d];
    }

    protected override bool Step(NormalSampler sampler, StepSizeController controller, double time)
    {
        var d = Dimension;
        var s = Size;
        var l = Students;
        OverlapSnapshot.FillGram(W, d, s, _eigenvalues, _covariance, _scratch);
        if (!double.IsFinite(TensorPrimitives.Sum<double>(_covariance)))
        {
            return false;
        }

        _drift(_covariance, _cross, _fisher);
        SmallSymmetric.PseudoInverse(_covariance, s, _pseudoInverse, _linearWork);
        SmallSymmetric.SquareRoot(_fisher, l, _fisherRoot, _linearWork);
        MultiplySmall(_cross, _pseudoInverse, _driftCoefficients, l, s);

        var fisherTrace = 0.0;
        for (var j = 0; j < l; j++)
        {
            fisherTrace += _fisher[j * l + j];
        }

        // The expected ||G||_F^2 of an SGD sample gradient, tr I(B) Tr K, feeds the adaptive schedules.
        var gamma = controller.Advance(time, TimeStep, fisherTrace * _traceK);
        if (!double.IsFinite(gamma + fisherTrace))
        {
            return false;
        }

        sampler.Fill(_noise);
        var driftScale = -gamma * TimeStep;
        var noiseScale = gamma * Math.Sqrt(TimeStep / d);
        ReadOnlySpan<double> w = W;
        for (var j = 0; j < l; j++)
        {
            // drift_j = -gamma dt (C B^+ W)_j * lambda;  noise_j = gamma sqrt(dt/d) (I^{1/2} Xi)_j * sqrt(lambda).
            var v = _driftRow.AsSpan();
            CombineRows(w, _driftCoefficients.AsSpan(j * s, s), d, v);
            TensorPrimitives.Multiply(v, _eigenvalues, v);
            var u = _scratch.AsSpan();
            CombineRows(_noise, _fisherRoot.AsSpan(j * l, l), d, u);
            TensorPrimitives.Multiply(u, _sqrtEigenvalues, u);
            TensorPrimitives.Multiply(u, noiseScale, u);
            TensorPrimitives.MultiplyAdd(v, driftScale, u, _increments.AsSpan(j * d, d));
        }

        // Every row's increment uses the old W, so apply them only after all are computed.
        var studentBlock = W.AsSpan(0, l * d);
        TensorPrimitives.Add(studentBlock, _increments, studentBlock);
        return true;
    }

    /// <summary>destination = sum_b coefficients[b] rows[b].</summary>
    private static void CombineRows(ReadOnlySpan<double> rows, ReadOnlySpan<double> coefficients, int d, Span<double> destination)
    {
        TensorPrimitives.Multiply(rows[..d], coefficients[0], destination);
        for (var b = 1; b < coefficients.Length; b++)
        {
            TensorPrimitives.MultiplyAdd(rows.Slice(b * d, d), coefficients[b], destination, destination);
        }
    }

    /// <summary>C (l x s) times the symmetric s x s matrix P.</summary>
    private static void MultiplySmall(ReadOnlySpan<double> c, ReadOnlySpan<double> p, Span<double> result, int l, int s)
    {
        for (var i = 0; i < l; i++)
        {
            for (var j = 0; j < s; j++)
            {
                double sum = 0;
                for (var m = 0; m < s; m++)
                {
                    sum += c[i * s + m] * p[m * s + j];
                }

                result[i * s + j] = sum;
            }
        }
    }
}
