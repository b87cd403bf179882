using HighDimSgd.Core.Dynamics;
using System.Numerics.Tensors;

namespace HighDimSgd.Simulation;

/// <summary>
/// The run loop shared by SGD and homogenized SGD: W = [X; X*] stored as l + l* contiguous rows of length d
/// (students first), checkpoints recorded from the overlaps, divergence checks, progress.
/// </summary>
internal abstract class StudentTeacherWorker : RunWorker
{
    private readonly int _columns;
    private readonly double[] _scratch;
    private readonly OverlapSnapshot _snapshot;
    private readonly StatisticsFunction _statistics;
    private readonly long[] _checkpointSteps;

    protected StudentTeacherWorker(SgdSetup setup, int columns, double timeStep)
    {
        Setup = setup;
        Dimension = setup.Dimension;
        Students = setup.StudentDirections;
        Size = Students + setup.TeacherDirections;
        TimeStep = timeStep;
        StepCount = (long)Math.Round(setup.Horizon / timeStep);
        _columns = columns;
        W = new double[Size * Dimension];
        _scratch = new double[Dimension];
        _snapshot = new OverlapSnapshot(Students, setup.TeacherDirections, setup.Classes.Count);
        _statistics = setup.Statistics.CreateWorker();
        _checkpointSteps = Array.ConvertAll(setup.CheckpointTimes, t => Math.Min((long)Math.Round(t / timeStep), StepCount));
    }

    protected SgdSetup Setup { get; }

    protected int Dimension { get; }

    protected int Students { get; }

    /// <summary>l + l*.</summary>
    protected int Size { get; }

    /// <summary>Time per step (1/d for SGD).</summary>
    protected double TimeStep { get; }

    protected long StepCount { get; }

    /// <summary>The state W, row-major (l + l*) x d.</summary>
    protected double[] W { get; }

    /// <summary>Called once per run before the first step, with the run's stream.</summary>
    protected virtual void StartRun(NormalSampler sampler)
    {
    }

    /// <summary>The mean sample loss since the previous checkpoint (NaN when the worker does not track it); resets it.</summary>
    protected virtual double TakeTrainingLoss() => double.NaN;

    /// <summary>Shows the controller the schedule's warm-up samples before the first step (none unless overridden).</summary>
    protected virtual void WarmUp(NormalSampler sampler, StepSizeController controller) { }

    /// <summary>Advances W by one step at time <paramref name="time"/>; false when the state stopped being finite.</summary>
    protected abstract bool Step(NormalSampler sampler, StepSizeController controller, double time);

    public override Divergence? Run(ulong seed, int runIndex, Span<double> values, Action<long>? stepsDone, out int recordedCheckpoints)
    {
        values.Fill(double.NaN);
        LoadInitialState();
        var sampler = NormalSampler.ForRun(seed, runIndex);
        StartRun(sampler);
        var controller = Setup.Schedule.Start(Setup);
        WarmUp(sampler, controller);
        var readsWeights = Setup.Schedule.ReadsWeights;
        var stepsPerNormCheck = Math.Max(1L, (long)Math.Round(1.0 / TimeStep));
        var nextCheckpoint = 0;
        var lastReported = 0L;
        recordedCheckpoints = 0;
        for (long k = 0; ; k++)
        {
            var time = k * TimeStep;
            while (nextCheckpoint < _checkpointSteps.Length && _checkpointSteps[nextCheckpoint] == k)
            {
                if (readsWeights)
                {
                    controller.Observe(W, time, exact: true);
                }

                Record(values.Slice(nextCheckpoint * _columns, _columns), time, controller.CurrentRate(time));
                nextCheckpoint++;
                recordedCheckpoints = nextCheckpoint;
                Report(stepsDone, k, ref lastReported);
            }

            if (k == StepCount)
            {
                Report(stepsDone, k, ref lastReported);
                return null;
            }

            if (readsWeights)
            {
                controller.Observe(W, time, exact: false);
            }

            if (!Step(sampler, controller, time))
            {
                Report(stepsDone, StepCount, ref lastReported);
                return new Divergence(runIndex, time, "non-finite state, gradient or step size");
            }

            // Checking the norms once per unit of time costs O(l d) every 1/TimeStep steps: negligible.
            if ((k + 1) % stepsPerNormCheck == 0 && StudentNormExceeds(Setup.DivergenceNormLimit))
            {
                Report(stepsDone, StepCount, ref lastReported);
                return new Divergence(runIndex, (k + 1) * TimeStep, $"squared row norm of X above {Setup.DivergenceNormLimit:g3}");
            }
        }
    }

    private void Record(Span<double> destination, double time, double rate)
    {
        _snapshot.Time = time;
        _snapshot.Weights = W;
        _snapshot.TrainingLoss = TakeTrainingLoss();
        _snapshot.Compute(W, Dimension, Setup.Classes, _scratch);
        _statistics(_snapshot, destination[..(_columns - 1)]);
        destination[_columns - 1] = rate;
    }

    private bool StudentNormExceeds(double limit)
    {
        ReadOnlySpan<double> w = W;
        for (var j = 0; j < Students; j++)
        {
            var row = w.Slice(j * Dimension, Dimension);
            if (!(TensorPrimitives.Dot(row, row) <= limit))
            {
                return true;
            }
        }

        return false;
    }

    private void LoadInitialState()
    {
        for (var j = 0; j < Students; j++)
        {
            Setup.Init[j].CopyTo(W, j * Dimension);
        }

        for (var j = 0; j < Setup.TeacherDirections; j++)
        {
            Setup.Teacher[j].CopyTo(W, (Students + j) * Dimension);
        }
    }

    private static void Report(Action<long>? stepsDone, long upTo, ref long lastReported)
    {
        if (stepsDone is not null && upTo > lastReported)
        {
            stepsDone(upTo - lastReported);
            lastReported = upTo;
        }
    }
}
