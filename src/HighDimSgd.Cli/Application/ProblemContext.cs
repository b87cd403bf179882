using HighDimSgd.Core;
using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Dynamics.Mixtures;
using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Models;
using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;

namespace HighDimSgd.Cli.Application;

/// <summary>
/// A loaded problem with everything the commands need: the validated <see cref="Problem"/>, its compiled
/// model, the realised data (spectra, weights, classes) and the <see cref="DynamicsSetup"/> of the ODE.
/// Every user mistake surfaces here as a <see cref="UserErrorException"/>, before anything is written.
/// </summary>
public sealed class ProblemContext
{
    private ProblemContext(Problem problem, LossModel model, MaterializedProblem data, DynamicsSetup dynamics,
        string[] statistics, string problemText, IReadOnlyList<ProblemOverride> overrides)
    {
        Overrides = overrides;
        Problem = problem;
        Model = model;
        Data = data;
        Dynamics = dynamics;
        Statistics = statistics;
        ProblemText = problemText;
    }

    /// <summary>The validated problem.</summary>
    public Problem Problem { get; }

    /// <summary>The compiled per-sample model.</summary>
    public LossModel Model { get; }

    /// <summary>Spectra, weights and classes in dimension d.</summary>
    public MaterializedProblem Data { get; }

    /// <summary>Input of the limiting ODE.</summary>
    public DynamicsSetup Dynamics { get; }

    /// <summary>Requested statistic names (validated).</summary>
    public string[] Statistics { get; }

    /// <summary>The <c>--set</c> overrides applied to the file, in order (recorded in run.json).</summary>
    public IReadOnlyList<ProblemOverride> Overrides { get; }

    /// <summary>The problem file as read (recorded in run.json).</summary>
    public string ProblemText { get; }

    /// <summary>d.</summary>
    public int Dimension => Data.Dimension;

    /// <summary>The data set of a real-data problem (null for synthetic data).</summary>
    public Core.Data.RealDataSet? RealData => Data.RealData;

    /// <summary>Loads, validates and realises a problem file.</summary>
    public static ProblemContext Load(string path, int? dimension = null, IReadOnlyList<string>? set = null)
    {
        return FromText(ReadText(path), path, dimension, set);
    }

    /// <summary>
    /// The output times moved to SGD's step grid t = k/d (times that meet there are kept once, and t = 0 is always first):
    /// SGD has a state only after whole steps, and comparing it at round(t d)/d with the theory at t left a gap of up to
    /// half a step's change, which on a log grid varies erratically with d (a 5 standard error gap in an early overlap
    /// of the zero-one mixture at d = 1000, of the opposite sign at d = 250).
    /// </summary>
    public static double[] OnTheStepGrid(double[] times, int dimension)
    {
        var snapped = new List<double> { 0 };
        foreach (var t in times)
        {
            var onGrid = Math.Round(t * dimension) / dimension;
            if (onGrid > snapped[^1]) snapped.Add(onGrid);
        }
        return [.. snapped];
    }

    /// <summary>The text of a problem file (at most <see cref="Limits.MaxProblemFileBytes"/>); an unreadable one is a user error.</summary>
    public static string ReadText(string path)
    {
        try
        {
            return BoundedFile.ReadAllText(path, Limits.MaxProblemFileBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserErrorException(e is FileNotFoundException or DirectoryNotFoundException ? $"{path}: file not found" : $"{path}: cannot read the file: {e.Message}");
        }
    }

    /// <summary>Same as <see cref="Load"/> for a problem given as text (built-in examples).</summary>
    public static ProblemContext FromText(string text, string sourcePath, int? dimension = null, IReadOnlyList<string>? set = null)
    {
        if (dimension is <= 0) throw new UserErrorException($"--dimension must be positive, got {dimension}");
        if (dimension is { } d && Limits.AtMost(d, Limits.MaxDimension) is { } tooLarge) throw new UserErrorException($"--dimension {tooLarge}");
        var overrides = ParseOverrides(set);
        try
        {
            var problem = ProblemLoader.Parse(text, sourcePath, overrides);
            var model = ModelResolver.Compile(problem.Model);
            var data = ProblemRealization.Materialize(problem, dimension);
            if (data.RealData is { } real) problem = WithDataHorizon(problem, real);
            var classes = Classes(data);
            var times = OnTheStepGrid(problem.Output.Times(problem.Optimizer.Horizon), data.Dimension);
            var blocks = problem.Output.Blocks
                .Select(b => b.Range(data.Dimension) is var (start, end) ? new DirectionBlock(b.Name, start, end) : null!)
                .ToArray();
            foreach (var block in blocks.Where(b => b.End <= b.Start))
                throw new UserErrorException($"{sourcePath}: output.blocks.{block.Name}: covers no coordinate at d = {data.Dimension}");
            var setup = new DynamicsSetup(model, classes, data.Teacher, data.StudentInit, Schedule(problem), times) { Blocks = blocks };
            var statistics = ValidateStatistics(problem, setup);
            return new ProblemContext(problem, model, data, setup, statistics, text, overrides);
        }
        catch (ProblemFileException e)
        {
            throw new UserErrorException(e.Message);
        }
    }

    /// <summary>
    /// Real data: the horizon defaults to the passes over the training split, n_train * epochs / d, and cannot exceed them
    /// (SGD on the samples has no more data to use).
    /// </summary>
    private static Problem WithDataHorizon(Problem problem, Core.Data.RealDataSet real)
    {
        var source = problem.Data.Source!;
        var available = (double)real.Train.Count * source.Epochs / real.Train.Dimension;
        var horizon = problem.Optimizer.Horizon;
        if (double.IsNaN(horizon) && available > Limits.MaxHorizon)
            throw new UserErrorException($"{problem.SourcePath}: data.source.epochs: {source.Epochs} epoch(s) give T = {available:G6}, above the largest horizon {Limits.MaxHorizon:G6}");
        if (double.IsNaN(horizon)) horizon = available;
        else if (horizon > available * (1 + 1e-12))
            throw new UserErrorException($"{problem.SourcePath}: optimizer.horizon: {horizon:G6} is longer than the data allows: " +
                                         $"{real.Train.Count} training samples x {source.Epochs} epoch(s) / d = {real.Train.Dimension} gives T = {available:G6} (raise data.source.epochs)");
        if (problem.Output.LogStart is { } start && start >= horizon)
            throw new UserErrorException($"{problem.SourcePath}: output.log-start: must be below the horizon {horizon:G6}, got {start:G6}");
        return problem with { Optimizer = problem.Optimizer with { Horizon = horizon } };
    }

    /// <summary>Reads <c>--set KEY=VALUE</c> options; a malformed one is a user error.</summary>
    public static ProblemOverride[] ParseOverrides(IReadOnlyList<string>? set)
    {
        try
        {
            return [.. (set ?? []).Select(ProblemOverride.Parse)];
        }
        catch (ProblemFileException e)
        {
            throw new UserErrorException(e.Message);
        }
    }

    /// <summary>The realised classes as the engine's <see cref="DataClass"/>es (no hard label: no free labels).</summary>
    internal static DataClass[] Classes(MaterializedProblem data) =>
        [.. data.Classes.Select(c => new DataClass(c.Probability, c.Mean, c.Eigenvalues, c.HardLabel ?? []) { Covariance = c.Covariance })];

    private static string[] ValidateStatistics(Problem problem, DynamicsSetup setup)
    {
        var names = new List<string>();
        foreach (var text in problem.Output.Statistics)
        {
            var request = StatisticRequest.Parse(text);
            if (StatisticsCatalog.Unsupported(request.Name, setup) is { } reason)
                throw new UserErrorException($"{problem.SourcePath}: output.statistics: '{text}' cannot be reported: {reason}");
            if (request.Block is not null && StatisticsCatalog.UnsupportedProjection(request.Name) is { } why)
                throw new UserErrorException($"{problem.SourcePath}: output.statistics: '{text}': {why}");
            names.Add(request.ToString());
        }
        return [.. names];
    }

    /// <summary>The deterministic step-size rule of the problem.</summary>
    private static StepSizeSchedule Schedule(Problem problem)
    {
        var o = problem.Optimizer;
        var where = $"{problem.SourcePath}: optimizer";
        var singleGaussian = !problem.IsMixture && problem.Data.Source is null;
        var hasTarget = problem.Teacher is { } teacher && teacher.Directions == problem.Student.Directions;
        switch (o.Schedule)
        {
            case LearningRateSchedule.Constant:
                return new ConstantSchedule(o.LearningRate);
            case LearningRateSchedule.AdagradNorm:
                return new AdaGradNormSchedule(o.LearningRate, o.B0);
            case LearningRateSchedule.RmspropNorm:
                return new RmsPropNormSchedule(o.LearningRate, o.B0, o.Decay);
            case LearningRateSchedule.Polyak:
                // theory.md section 4: the Polyak-type step A / ((Tr K/d) tr I) reads the distance to the teacher, not L*.
                if (!hasTarget)
                    throw new UserErrorException($"{where}.schedule: \"polyak\" uses A = E[(r - r*) . grad f], which needs a teacher with as many directions as the student");
                return new PolyakSchedule(o.LearningRate);
            case LearningRateSchedule.LineSearch:
                if (!singleGaussian)
                    throw new UserErrorException($"{where}.schedule: \"line-search\" needs W K^2 W^T, available for a single zero-mean Gaussian only");
                if (problem.Student.Init.Any(w => w is ZeroWeights))
                    throw new UserErrorException($"{problem.SourcePath}: student.init: \"line-search\" reads E[hess f] off the spread of the student's " +
                                                 "preactivations, which a zero row does not have; start from a nonzero student");
                return new LineSearchSchedule(o.LearningRate);
            case LearningRateSchedule.Formula:
                var formula = o.RateFormula ?? throw new UserErrorException($"{where}.rate: missing gamma(t)");
                Func<double, double> rate;
                try
                {
                    rate = HighDimSgd.Symbolic.ModelDerivation.CompileTimeFunction(formula);
                }
                catch (HighDimSgd.Symbolic.FormulaException e)
                {
                    throw new UserErrorException($"{where}.rate: {e.Message}");
                }
                // A rate that turns negative or infinite inside [0, T] is a mistake in the file, not a divergence.
                const int probes = 1000;
                for (var k = 0; k <= probes; k++)
                {
                    var t = o.Horizon * k / probes;
                    var gamma = rate(t);
                    if (!(gamma > 0) || !double.IsFinite(gamma))
                        throw new UserErrorException($"{where}.rate: gamma(t) = {gamma:G4} at t = {t:G4}; a step size must be positive and finite on [0, horizon]");
                }
                return new FormulaSchedule(rate, formula);
            default:
                throw new UserErrorException($"{where}.schedule: '{o.ScheduleName}' is not available");
        }
    }

    /// <summary>Solver options from the [solver] section, with command-line overrides.</summary>
    public SolverOptions SolverOptions(string? methodOverride = null)
    {
        var s = Problem.Solver;
        var method = methodOverride ?? s.Method.ToString().ToLowerInvariant();
        if (method is not ("auto" or "eigen" or "compressed" or "contour" or "dense"))
            throw new UserErrorException($"--method must be auto, eigen, compressed, contour or dense, got '{method}'");
        if (method == "dense" && DenseRepresentation.Unaffordable(Dynamics) is { } tooLarge)
            throw new UserErrorException($"{Problem.SourcePath}: solver.method = \"dense\": {tooLarge}");
        if (method == "dense" && Dynamics.Blocks.Count > 0)
            throw new UserErrorException($"{Problem.SourcePath}: the dense method cannot restrict statistics to [output] blocks; use --method eigen");
        if (method == "compressed" && SpectralCompression.Unsupported(Dynamics) is { } why)
            throw new UserErrorException($"{Problem.SourcePath}: the compressed method needs one spectrum shared by every class ({why}); use --method eigen");
        if (method == "contour" && !TheorySolver.ContourApplies(Dynamics))
            throw new UserErrorException(
                $"{Problem.SourcePath}: the contour method needs a single zero-mean Gaussian with a diagonal covariance and no [output] blocks; use --method eigen");
        var nodes = s.ContourNodes ?? 128;
        if (method == "contour" && ContourRepresentation.Unresolved(Dynamics, nodes) is { } unresolved)
            throw new UserErrorException($"{Problem.SourcePath}: solver.method = \"contour\": {unresolved}");
        var defaults = QuadratureOptions.Default;
        var quadrature = s.QuadratureOrder is null && s.QuadratureOrderThreeDimensions is null && s.QuadratureOrderFourDimensions is null
            ? null
            : defaults with
            {
                OrderLowDimensions = s.QuadratureOrder ?? defaults.OrderLowDimensions,
                OrderThreeDimensions = s.QuadratureOrderThreeDimensions ?? defaults.OrderThreeDimensions,
                OrderFourDimensions = s.QuadratureOrderFourDimensions ?? defaults.OrderFourDimensions,
            };
        var options = new SolverOptions(method, s.RelativeTolerance, s.AbsoluteTolerance, nodes)
        {
            Quadrature = quadrature,
        };
        return WithIntegrator(options, s.Stiff, $"{Problem.SourcePath}: solver.stiff");
    }

    /// <summary>
    /// <paramref name="options"/> with the integrator choice <paramref name="stiff"/> (null: automatic). A stiff
    /// integrator is Rodas4 with a structured Jacobian, or the exponential exprk4 where the dense form is chosen (Rodas4
    /// would difference all (ns d)^2 states there); <paramref name="name"/>, when given, must be the one that applies.
    /// <paramref name="where"/> prefixes the error (the file key, or the command-line option).
    /// </summary>
    public SolverOptions WithIntegrator(SolverOptions options, bool? stiff, string where, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (stiff == true && name is not null)
        {
            var dense = TheorySolver.ChoosesDense(Dynamics, options);
            var applies = dense ? TheorySolver.Exponential : TheorySolver.Rosenbrock;
            if (name != applies)
                throw new UserErrorException(dense
                    ? $"{where}: the dense form has no structured Jacobian for {name}; its stiff integrator is {applies}"
                    : $"{where}: {name} integrates the dense form only; the stiff integrator here is {applies}");
        }
        return options with { Stiff = stiff };
    }
}
