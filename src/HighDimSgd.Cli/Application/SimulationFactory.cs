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
