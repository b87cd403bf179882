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
    /// <summary>Statistic columns a simulation records (the engine adds "lr" itself).</summary>
    public static string[] SimulatedColumns(ProblemContext context) =>
        [.. StatisticsCatalog.Columns(context.Statistics, context.Dynamics).Where(c => c != "lr")];

    /// <summary>The streaming SGD setup.</summary>
    public static SgdSetup Sgd(ProblemContext context)
    {
        var setup = context.Dynamics;
        var columns = SimulatedColumns(context);
        var evaluator = new StatisticsEvaluator(columns, () =>
        {
            var drift = new DriftEvaluator(setup);
            var blocks = setup.Blocks.Count > 0 ? new BlockOverlaps(setup.Blocks, setup.Classes.Count, setup.StateSize) : null;
            var means = setup.Classes.Select(c => c.Mean).ToArray();
            var powers = columns.Select(StatisticsCatalog.MomentPower).Where(j => j > 0).Distinct().ToArray();
            return (overlaps, values) =>
            {
                blocks?.FromWeights(overlaps.Weights.Span, setup.Dimension, means);
                EvaluateAt(drift, overlaps, ReadOnlySpan<double>.Empty);
                foreach (var j in powers)
                    drift.Parameters.StudentKernelMoments[j] = StudentKernelMoment(overlaps.Weights.Span, setup, j);
                StatisticsCatalog.Compute(columns, drift, double.NaN, values, blocks);
            };
        });
        return new SgdSetup
        {
            Dimension = context.Dimension,
            Model = context.Model,
            Classes = setup.Classes,
            Teacher = setup.Teacher,
            Init = setup.Init,
            Horizon = setup.OutputTimes[^1],
            CheckpointTimes = setup.OutputTimes,
            Schedule = Schedule(context),
            Statistics = evaluator,
        };
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
    /// evaluated on the test split at every checkpoint.
    /// </summary>
    public static SgdSetup RealSgd(ProblemContext context)
    {
        var real = context.RealData ?? throw new InvalidOperationException("Not a real-data problem.");
        var setup = context.Dynamics;
        var columns = RealDataColumns(context);
        var test = real.Test;
        var l = setup.StudentDirections;
        var evaluator = new StatisticsEvaluator(columns, () =>
        {
            var r = new double[test.Count * l];
            return (overlaps, values) =>
            {
                var w = overlaps.Weights.Span[..(l * test.Dimension)];
                // r_k = X a_k for every test sample at once: R = A X^T.
                HighDimSgd.Core.Matrices.Blas.Multiply(test.Features, false, w, true, r, test.Count, l, test.Dimension);
                double loss = 0, wrong = 0;
                for (var k = 0; k < test.Count; k++)
                {
                    var rk = r.AsSpan(k * l, l);
                    var labels = setup.Classes[test.Classes[k]].Labels;
                    loss += setup.Model.Loss(rk, [], [], labels);
                    wrong += Misclassified(rk, labels);
                }
                for (var j = 0; j < columns.Length; j++)
                {
                    values[j] = columns[j] switch
                    {
                        "risk" => loss / test.Count,
                        "classification_error" => wrong / test.Count,
                        "norm" => Trace(overlaps.Norms, overlaps.Size, l),
                        _ => overlaps.TrainingLoss,
                    };
                }
            };
        });
        return Sgd(context) with { Samples = real.Train, Statistics = evaluator };
    }

    /// <summary>1 for a wrong prediction, 1/2 for a tie (as the theory counts r = 0), else 0.</summary>
    private static double Misclassified(ReadOnlySpan<double> r, double[] labels)
    {
        if (r.Length == 1) return r[0] == 0 ? 0.5 : (r[0] > 0) == (labels[0] == 1) ? 0 : 1;
        var best = 0;
        for (var a = 1; a < r.Length; a++) if (r[a] > r[best]) best = a;
        return labels[best] == 1 ? 0 : 1;
    }

    private static double Trace(double[] gram, int size, int count)
    {
        double sum = 0;
        for (var a = 0; a < count; a++) sum += gram[a * size + a];
        return sum;
    }

    /// <summary>Homogenized SGD (theory.md section 8); single zero-mean Gaussian only.</summary>
    public static HomogenizedSetup Homogenized(ProblemContext context)
    {
        var setup = context.Dynamics;
        if (setup.Classes.Count != 1 || !setup.ZeroMeans || setup.Model.LabelCount != 0)
            throw new UserErrorException("--homogenized needs a single zero-mean Gaussian with a teacher");
        var quadrature = new ThreadLocal<GaussianQuadrature>(() => new GaussianQuadrature(setup.Model));
        var moments = new ThreadLocal<GaussianMoments>(() => new GaussianMoments(setup.StudentDirections, setup.TeacherDirections));
        return new HomogenizedSetup
        {
            Problem = Sgd(context),
            Drift = (covariance, cross, fisher) =>
            {
                var m = moments.Value!;
                quadrature.Value!.Compute(covariance, m, MomentKinds.Fisher | MomentKinds.GradientCross);
                m.GradientCross.CopyTo(cross);
                m.Fisher.CopyTo(fisher);
            },
        };
    }

    private static IStepSchedule Schedule(ProblemContext context)
    {
        var o = context.Problem.Optimizer;
        var dynamics = context.Dynamics;

        // Polyak and line search: gamma_k is the ODE schedule's own formula evaluated at the run's exact overlaps,
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
            PolyakSchedule polyak => new OverlapRateSchedule(polyak.Name, OverlapRate),
            LineSearchSchedule search => new OverlapRateSchedule(search.Name, OverlapRate, needsSquaredKernel: search.NeedsCurvature),
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
        var p = drift.Parameters;
        overlaps.Norms.CopyTo(p.Gram, 0);
        for (var c = 0; c < overlaps.Covariances.Length; c++)
        {
            overlaps.Covariances[c].CopyTo(p.Covariances[c], 0);
            overlaps.Means[c].CopyTo(p.Means[c], 0);
        }
        p.HasSquaredKernel = !squaredKernel.IsEmpty;
        squaredKernel.CopyTo(p.SquaredKernel);
        drift.Evaluate();
    }
}
