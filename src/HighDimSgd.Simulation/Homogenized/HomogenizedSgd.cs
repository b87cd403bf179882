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

    /// <summary>
    /// Time between evaluations of the drift pieces <c>E[grad f x^T] B^+</c> and <c>I(B)^{1/2}</c>, held in between (an
    /// error of first order in the interval). Null means <see cref="DefaultRefreshInterval"/>; at most one time step
    /// means every step.
    /// </summary>
    public double? RefreshInterval { get; init; }

    /// <summary>
    /// 1/64: over it B moves by about gamma lambda_max / 64 relatively; on least squares at gamma = 1.6, d = 1000 the risk
    /// stays within 0.11 % of the every-step run on the same noise (1.8 % at an interval of 0.25), and the d steps of a
    /// unit of time share 64 expectations.
    /// </summary>
    public const double DefaultRefreshInterval = 1.0 / 64;

    /// <summary>Steps between drift evaluations (at least 1).</summary>
    public int StepsPerRefresh => Math.Max(1, (int)Math.Floor((RefreshInterval ?? DefaultRefreshInterval) / EffectiveTimeStep + 1e-9));
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

        if (setup.RefreshInterval is { } interval && !(interval > 0 && double.IsFinite(interval)))
        {
            throw new ArgumentException($"The refresh interval must be positive, got {interval}.");
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
/// <remarks>
/// The drift pieces cost a Gaussian expectation (a quadrature for most models), far more than the O(l d) of a step, and
/// they depend on W only through the s x s overlap B, which moves by O(1/d) a step. They are evaluated every
/// <see cref="HomogenizedSetup.StepsPerRefresh"/> steps (after a start of 1, 2, 4, ... steps) and held in between, so a
/// unit of time costs about 64 expectations instead of d, and a step the same vector work as an SGD step.
/// </remarks>
internal sealed class HomogenizedWorker : StudentTeacherWorker
{
    private readonly HomogenizedDriftFunction _drift;
    private readonly int _stepsPerRefresh;
    private readonly double[] _eigenvalues;
    private readonly double[] _sqrtEigenvalues;
    private readonly double _traceK;
    private readonly double[] _covariance;
    private readonly double[] _pseudoInverse;
    private readonly double[] _cross;
    private readonly double[] _fisher;
    private readonly double[] _linearWork;
    private readonly double[] _noise;
    private readonly double[] _increments;
    private readonly double[] _driftRow;
    private readonly double[] _scratch;

    // The coefficients C B^+ (l x s), I^{1/2} (l x l) and tr I at the last evaluation.
    private readonly double[] _coefficients;
    private long _stepsInRun, _nextRefresh;
    private int _interval;

    public HomogenizedWorker(HomogenizedSetup setup, int columns, double timeStep)
        : base(setup.Problem, columns, timeStep)
    {
        _drift = setup.Drift;
        _stepsPerRefresh = setup.StepsPerRefresh;
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
        _linearWork = new double[3 * s * s + s];
        _noise = new double[l * d];
        _increments = new double[l * d];
        _driftRow = new double[d];
        _scratch = new double[d];
        _coefficients = new double[l * s + l * l + 1];
    }

    protected override void StartRun(NormalSampler sampler)
    {
        _stepsInRun = 0;
        _nextRefresh = 0;
        _interval = 1;
    }

    protected override bool Step(NormalSampler sampler, StepSizeController controller, double time)
    {
        var d = Dimension;
        var s = Size;
        var l = Students;
        if (_stepsInRun == _nextRefresh)
        {
            if (!Refresh())
            {
                return false;
            }

            // From X = 0 the pieces change fastest (B^+ changes rank): the interval starts at one step and doubles.
            _interval = Math.Min(2 * _interval, _stepsPerRefresh);
            _nextRefresh += _interval;
        }

        _stepsInRun++;
        var driftCoefficients = _coefficients.AsSpan(0, l * s);
        var fisherRoot = _coefficients.AsSpan(l * s, l * l);
        var fisherTrace = _coefficients[^1];

        // The expected ||G||_F^2 of an SGD sample gradient, tr I(B) Tr K, feeds the adaptive schedules.
        var gamma = controller.Advance(time, TimeStep, new StepSample(fisherTrace * _traceK));
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
            CombineRows(w, driftCoefficients.Slice(j * s, s), d, v);
            TensorPrimitives.Multiply(v, _eigenvalues, v);
            var u = _scratch.AsSpan();
            CombineRows(_noise, fisherRoot.Slice(j * l, l), d, u);
            TensorPrimitives.Multiply(u, _sqrtEigenvalues, u);
            TensorPrimitives.Multiply(u, noiseScale, u);
            TensorPrimitives.MultiplyAdd(v, driftScale, u, _increments.AsSpan(j * d, d));
        }

        // Every row's increment uses the old W, so apply them only after all are computed.
        var studentBlock = W.AsSpan(0, l * d);
        TensorPrimitives.Add(studentBlock, _increments, studentBlock);
        return true;
    }

    /// <summary>Evaluates the drift pieces at the current W; false when B or they are not finite.</summary>
    private bool Refresh()
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
        MultiplySmall(_cross, _pseudoInverse, _coefficients.AsSpan(0, l * s), l, s);
        SmallSymmetric.SquareRoot(_fisher, l, _coefficients.AsSpan(l * s, l * l), _linearWork);
        var fisherTrace = 0.0;
        for (var j = 0; j < l; j++)
        {
            fisherTrace += _fisher[j * l + j];
        }

        _coefficients[^1] = fisherTrace;
        return double.IsFinite(TensorPrimitives.Sum<double>(_coefficients));
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
