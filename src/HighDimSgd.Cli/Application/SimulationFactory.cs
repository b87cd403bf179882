using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Dynamics.Mixtures;
using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Problems;
using HighDimSgd.Simulation;

namespace HighDimSgd.Cli.Application;

/// <summary>
/// Builds the SGD and homogenized-SGD simulations of a problem. Their statistics go through the same
/// <see cref="DriftEvaluator"/> and <see cref="StatisticsCatalog"/> as the ODE, evaluated at the exact overlaps of
/// the simulated weights, so "risk" is the population risk L(X_k), not the sample loss.
/// </summary>
public static class SimulationFactory
{
    /// <summary>Statistic columns a simulation records (the engine adds "lr" itself): the theory's, then the test-sample columns.</summary>
    public static string[] SimulatedColumns(ProblemContext context) =>
        [.. TheoryColumns(context), .. TestSampleColumns(context)];

    /// <summary>The columns the theory also reports, evaluated at the exact overlaps of the simulated weights.</summary>
    private static string[] TheoryColumns(ProblemContext context) =>
        [.. StatisticsCatalog.Columns(context.Statistics, context.Dynamics).Where(c => c != "lr")];

    /// <summary>Mean loss on the test sample (<c>simulation.test-samples</c>): the risk computed without the quadrature.</summary>
    public const string TestRiskColumn = "test_risk";

    /// <summary>Its standard error over the test sample (one run's; the sample is shared, so it does not fall with the runs).</summary>
    public const string TestRiskErrorColumn = "test_risk_se";

    /// <summary>Classification error on the test sample, when <c>classification_error</c> is a statistic.</summary>
    public const string TestErrorColumn = "test_error";

    /// <summary>Its standard error over the test sample.</summary>
    public const string TestErrorErrorColumn = "test_error_se";

    private static string[] TestSampleColumns(ProblemContext context) =>
        context.Problem.Simulation.TestSamples == 0 || context.RealData is not null ? []
        : context.Statistics.Contains("classification_error") ? [TestRiskColumn, TestRiskErrorColumn, TestErrorColumn, TestErrorErrorColumn]
        : [TestRiskColumn, TestRiskErrorColumn];

    /// <summary>
    /// The streaming SGD setup. With <c>simulation.test-samples</c> = N, N inputs are drawn once (from a stream of
    /// <paramref name="seed"/> no run uses) and every run's loss is also averaged over them at each checkpoint.
    /// </summary>
    public static SgdSetup Sgd(ProblemContext context, ulong seed)
    {
        var setup = context.Dynamics;
        var theoryColumns = TheoryColumns(context);
        var testColumns = TestSampleColumns(context);
        // Drawn below from the finished setup; the workers that read it are made when the runs start.
        TestSample? test = null;
        var evaluator = new StatisticsEvaluator([.. theoryColumns, .. testColumns], () =>
        {
            var drift = new DriftEvaluator(setup);
            var blocks = setup.Blocks.Count > 0 ? new BlockOverlaps(setup.Blocks, setup.Classes.Count, setup.StateSize) : null;
            var means = setup.Classes.Select(c => c.Mean).ToArray();
            var powers = theoryColumns.Select(StatisticsCatalog.MomentPower).Where(j => j > 0).Distinct().ToArray();
            var needed = StatisticsCatalog.NeededMoments(theoryColumns);
            var onTest = test is null ? null : new TestSampleEvaluator(test, setup.Model, setup.Classes);
            return (overlaps, values) =>
            {
                blocks?.FromWeights(overlaps.Weights.Span, setup.Dimension, means);
                if (needed == MomentKinds.All) EvaluateAt(drift, overlaps, ReadOnlySpan<double>.Empty);
                else
                {
                    CopyOverlaps(drift.Parameters, overlaps, ReadOnlySpan<double>.Empty);
                    if (needed != 0) drift.EvaluateMoments(needed);
                }
                foreach (var j in powers)
                    drift.Parameters.StudentKernelMoments[j] = StudentKernelMoment(overlaps.Weights.Span, setup, j);
                StatisticsCatalog.Compute(theoryColumns, drift, double.NaN, values, blocks);
                if (onTest is null) return;
                var estimate = onTest.Evaluate(overlaps.Weights.Span);
                ReadOnlySpan<double> tested = [estimate.Loss, estimate.LossError, estimate.Error, estimate.ErrorError];
                tested[..testColumns.Length].CopyTo(values[theoryColumns.Length..]);
            };
        });
        var sgd = new SgdSetup
        {
            Dimension = context.Dimension,
            Model = context.Model,
            Classes = setup.Classes,
            Teacher = setup.Teacher,
            Init = setup.Init,
            Horizon = setup.OutputTimes[^1],
            CheckpointTimes = setup.OutputTimes,
            Schedule = Schedule(context, context.Problem.Simulation.StepEstimate),
            Statistics = evaluator,
        };
        if (testColumns.Length > 0) test = TestSample.Draw(sgd, context.Problem.Simulation.TestSamples, seed);
        return sgd;
    }

    /// <summary>The column of real-data SGD's mean sample loss since the previous checkpoint.</summary>
    public const string TrainingLossColumn = "train_loss";

    /// <summary>
    /// Statistics real-data SGD records: "risk" is the mean loss over the test split, "classification_error" the test error
    /// (sign of r for binary labels, argmax for one-hot), "norm" tr(X X^T), and the running training loss.
    /// </summary>
    public static string[] RealDataColumns(ProblemContext context) =>
    [
        "risk",
        .. context.Statistics.Where(s => s is "classification_error" or "norm").Distinct(),
        TrainingLossColumn,
    ];

    /// <summary>
    /// SGD on the real training samples of a real-data problem, one pass per epoch in a fresh random order per run,
    /// evaluated on the test split at every checkpoint (the same evaluation as a synthetic problem's test sample).
    /// </summary>
    public static SgdSetup RealSgd(ProblemContext context, ulong seed)
    {
        var real = context.RealData ?? throw new InvalidOperationException("Not a real-data problem.");
        var setup = context.Dynamics;
        var columns = RealDataColumns(context);
        var test = TestSample.FromSplit(real.Test);
        var l = setup.StudentDirections;
        var evaluator = new StatisticsEvaluator(columns, () =>
        {
            var onTest = new TestSampleEvaluator(test, setup.Model, setup.Classes);
            return (overlaps, values) =>
            {
                var estimate = onTest.Evaluate(overlaps.Weights.Span);
                for (var j = 0; j < columns.Length; j++)
                {
                    values[j] = columns[j] switch
                    {
                        "risk" => estimate.Loss,
                        "classification_error" => estimate.Error,
                        "norm" => Trace(overlaps.Norms, overlaps.Size, l),
                        _ => overlaps.TrainingLoss,
                    };
                }
            };
        });
        return Sgd(context, seed) with { Samples = real.Train, Statistics = evaluator };
    }

    private static double Trace(double[] gram, int size, int count)
    {
        double sum = 0;
        for (var a = 0; a < count; a++) sum += gram[a * size + a];
        return sum;
    }

    /// <summary>
    /// Homogenized SGD (theory.md section 8); single zero-mean Gaussian only. <paramref name="seed"/> draws the test sample
    /// (the same as SGD's for the same seed). It draws no samples to estimate a Polyak or line-search step from, so those
    /// read its overlaps whatever <c>simulation.step-estimate</c> says.
    /// </summary>
    public static HomogenizedSetup Homogenized(ProblemContext context, ulong seed)
    {
        var setup = context.Dynamics;
        if (setup.Classes.Count != 1 || !setup.ZeroMeans || setup.Model.LabelCount != 0)
            throw new UserErrorException("--homogenized needs a single zero-mean Gaussian with a teacher");
        var quadrature = new ThreadLocal<GaussianQuadrature>(() => new GaussianQuadrature(setup.Model));
        var moments = new ThreadLocal<GaussianMoments>(() => new GaussianMoments(setup.StudentDirections, setup.TeacherDirections));
        return new HomogenizedSetup
        {
            Problem = Sgd(context, seed) with { Schedule = Schedule(context, StepEstimate.Oracle) },
            Drift = (covariance, cross, fisher) =>
            {
                var m = moments.Value!;
                quadrature.Value!.Compute(covariance, m, MomentKinds.Fisher | MomentKinds.GradientCross);
                m.GradientCross.CopyTo(cross);
                m.Fisher.CopyTo(fisher);
            },
        };
    }

    /// <summary>
    /// SGD's counterpart of the problem's schedule. Polyak and line search read the state: with
    /// <see cref="StepEstimate.Samples"/> Polyak estimates its inputs from the samples SGD draws; with
    /// <see cref="StepEstimate.Oracle"/> both evaluate the theory's own formula at the run's exact overlaps, which
    /// checks the ODE against itself. Line search has no sample estimate, so it needs the oracle named.
    /// </summary>
    private static IStepSchedule Schedule(ProblemContext context, StepEstimate estimate)
    {
        var o = context.Problem.Optimizer;
        var dynamics = context.Dynamics;

        // The oracle: gamma_k is the ODE schedule's own formula evaluated at the run's exact overlaps,
        // through a drift evaluator of the run's own (the evaluator keeps buffers and is not thread-safe).
        OverlapRateFunction OverlapRate()
        {
            var drift = new DriftEvaluator(dynamics);
            var schedule = dynamics.Schedule;
            return (overlaps, squaredKernel) =>
            {
                EvaluateAt(drift, overlaps, squaredKernel);
                return schedule.Rate(overlaps.Time, ReadOnlySpan<double>.Empty, drift.Context);
            };
        }

        return dynamics.Schedule switch
        {
            HighDimSgd.Core.Dynamics.ConstantSchedule => new HighDimSgd.Simulation.ConstantSchedule(o.LearningRate),
            HighDimSgd.Core.Dynamics.AdaGradNormSchedule => new HighDimSgd.Simulation.AdaGradNormSchedule(o.LearningRate, o.B0),
            HighDimSgd.Core.Dynamics.RmsPropNormSchedule => new HighDimSgd.Simulation.RmsPropNormSchedule(o.LearningRate, o.B0, o.Decay),
            HighDimSgd.Core.Dynamics.FormulaSchedule formula => new HighDimSgd.Simulation.FormulaSchedule(formula.RateFunction, formula.Name),
            PolyakSchedule when estimate == StepEstimate.Samples => new SamplePolyakSchedule(o.LearningRate),
            PolyakSchedule polyak => new OverlapRateSchedule($"{polyak.Name} (oracle)", OverlapRate),
            LineSearchSchedule when estimate == StepEstimate.Samples => throw new UserErrorException(
                $"{context.Problem.SourcePath}: simulation.step-estimate: \"samples\" has no SGD estimate of the line-search step " +
                "(||grad L||^2 and tr(E[hess f] I) from samples); set step-estimate = \"oracle\" to evaluate the theory's formula " +
                "at each run's exact overlaps, which checks the ODE against itself"),
            LineSearchSchedule search => new OverlapRateSchedule($"{search.Name} (oracle)", OverlapRate, needsSquaredKernel: search.NeedsCurvature),
            var other => throw new UserErrorException(
                $"{context.Problem.SourcePath}: optimizer.schedule: '{other.Name}' has no SGD simulation"),
        };
    }

    /// <summary>tr(X K^j X^T) of simulated weights (single Gaussian: K is class 0's).</summary>
    private static double StudentKernelMoment(ReadOnlySpan<double> weights, DynamicsSetup setup, int power)
    {
        var d = setup.Dimension;
        var lambda = setup.Classes[0].Eigenvalues;
        double sum = 0;
        for (var a = 0; a < setup.StudentDirections; a++)
        {
            var row = weights.Slice(a * d, d);
            for (var i = 0; i < d; i++) sum += row[i] * row[i] * Math.Pow(lambda[i], power);
        }
        return sum;
    }

    /// <summary>Evaluates the ODE's coefficients at the exact overlaps of simulated weights.</summary>
    private static void EvaluateAt(DriftEvaluator drift, OverlapSnapshot overlaps, ReadOnlySpan<double> squaredKernel)
    {
        CopyOverlaps(drift.Parameters, overlaps, squaredKernel);
        drift.Evaluate();
    }

    private static void CopyOverlaps(OrderParameters p, OverlapSnapshot overlaps, ReadOnlySpan<double> squaredKernel)
    {
        overlaps.Norms.CopyTo(p.Gram, 0);
        for (var c = 0; c < overlaps.Covariances.Length; c++)
        {
            overlaps.Covariances[c].CopyTo(p.Covariances[c], 0);
            overlaps.Means[c].CopyTo(p.Means[c], 0);
        }
        p.HasSquaredKernel = !squaredKernel.IsEmpty;
        squaredKernel.CopyTo(p.SquaredKernel);
    }
}
