using System.Diagnostics;
using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Ode;

namespace HighDimSgd.Core.Dynamics;

/// <summary>How to solve the limiting ODE.</summary>
/// <param name="Method">"auto", "eigen", "compressed", "contour" or "dense".</param>
/// <param name="RelativeTolerance">Integrator relative tolerance.</param>
/// <param name="AbsoluteTolerance">Integrator absolute tolerance.</param>
/// <param name="ContourNodes">Nodes on the contour (total; half are stored).</param>
/// <param name="Stiff">A stiff integrator (true: Rodas4, or for the dense form the exponential exprk4) or Dormand-Prince 5(4) (false); null lets the solver choose.</param>
/// <param name="DivergenceFactor">The solve stops as diverged when a state entry exceeds this times (1 + the largest initial entry).</param>
public sealed record SolverOptions(
    string Method = "auto",
    double RelativeTolerance = 1e-7,
    double AbsoluteTolerance = 1e-10,
    int ContourNodes = 128,
    bool? Stiff = null,
    double DivergenceFactor = 1e8)
{
    /// <summary>Above this many eigen-groups, "auto" compresses the spectrum when it can.</summary>
    public int EigenGroupLimit { get; init; } = 4096;

    /// <summary>
    /// Above this stiffness index (gamma_0 lambda_max |J_0| T: how many times the fastest mode relaxes over the
    /// horizon) at rtol = 1e-7, "auto" integrates with Rodas4, whose step count does not grow with it. Dormand-Prince
    /// needs about index / 3.3 steps for stability alone; Rodas4 is of lower order, so its accuracy-limited step count
    /// grows faster as the tolerance tightens, and the limit scales with rtol^(-1/4).
    /// </summary>
    public double StiffnessLimit { get; init; } = 3000;

    /// <summary>
    /// Above this stiffness index, "auto" integrates the dense form with the exponential integrator (exprk4), which
    /// treats the stiff diagonal exactly at five evaluations per step, instead of Dormand-Prince (six per step, and
    /// about index / 3.3 steps for stability alone).
    /// </summary>
    public double DenseStiffnessLimit { get; init; } = 100;

    /// <summary>Resolution of the compressed spectrum (the first try; it is refined while the error estimate is too large).</summary>
    public CompressionOptions Compression { get; init; } = new();

    /// <summary>
    /// Largest (ns d)^3, the multiply-adds of one dense right-hand side, for which "auto" solves a problem whose class
    /// covariances do not commute in the dense form (d = 784 with one student row: 4.8e8); above it, the commuting
    /// approximation.
    /// </summary>
    public double DenseCostLimit { get; init; } = 1e9;

    /// <summary>Largest accepted compression error estimate (relative, on the risk and the overlaps).</summary>
    public double CompressionTolerance { get; init; } = 1e-6;

    /// <summary>Gaussian expectation rule (null: defaults).</summary>
    public QuadratureOptions? Quadrature { get; init; }

    /// <summary>
    /// Largest relative change of the Gaussian expectations under rules of twice the order (checked at the first, middle
    /// and last output) before a solve warns.
    /// </summary>
    public double QuadratureTolerance { get; init; } = 1e-5;
}

/// <summary>
/// The deterministic curves: one row of statistics per output time reached, with how they were computed: the
/// representation and integrator, why they were chosen, and (compressed spectra) the compression error estimate.
/// </summary>
public sealed record TheoryResult(
    double[] Times,
    string[] Columns,
    double[][] Rows,
    string Method,
    string Description,
    string Integrator,
    string Choice,
    double? CompressionError,
    double QuadratureError,
    OdeStatus Status,
    double StopTime,
    string? StopReason,
    StepStatistics Steps,
    TimeSpan WallTime)
{
    /// <summary>Values of one column over time.</summary>
    public double[] Column(string name)
    {
        var k = Array.IndexOf(Columns, name);
        if (k < 0) throw new ArgumentException($"No column '{name}'.");
        return [.. Rows.Select(r => r[k])];
    }

    /// <summary>True when the risk blew up before the horizon.</summary>
    public bool Diverged => Status == OdeStatus.Diverged;
}

/// <summary>Builds the representation, integrates the limiting ODE and evaluates the statistics at the output times.</summary>
public static class TheorySolver
{
    /// <summary>The contour form covers one zero-mean Gaussian and cannot split the spectrum by index block.</summary>
    public static bool ContourApplies(DynamicsSetup setup) =>
        setup.Classes.Count == 1 && setup.ZeroMeans && setup.Blocks.Count == 0 && !HasFullCovariances(setup);

    /// <summary>True when <paramref name="options"/> makes the solver take the dense form (requested, or auto on full covariances).</summary>
    public static bool ChoosesDense(DynamicsSetup setup, SolverOptions options) =>
        options.Method == "dense" ||
        (options.Method == "auto" && HasFullCovariances(setup) && setup.Blocks.Count == 0 &&
         DenseRepresentation.CostPerEvaluation(setup) <= options.DenseCostLimit);

    /// <summary>True when some class covariance is not diagonal in the shared basis (real data).</summary>
    public static bool HasFullCovariances(DynamicsSetup setup) => setup.Classes.Any(c => c.Covariance is not null);

    /// <summary>What the per-direction forms solve when the covariances do not commute, for the run record.</summary>
    private static string Commuting(DynamicsSetup setup) =>
        HasFullCovariances(setup) ? " (commuting approximation: each K_c replaced by its diagonal in the pooled eigenbasis)" : "";

    /// <summary>
    /// Picks the representation and says why: exact eigen-groups when they are few; above
    /// <see cref="SolverOptions.EigenGroupLimit"/> a compressed spectrum, whose cost does not grow with d. The contour
    /// form is never chosen automatically: it is available on request and refuses spectra it cannot resolve.
    /// </summary>
    public static (SpectralRepresentation Representation, string Reason) ChooseRepresentation(DynamicsSetup setup, SolverOptions options)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Method)
        {
            case "dense":
                if (setup.Blocks.Count > 0)
                    throw new ArgumentException("The dense method cannot restrict statistics to index blocks; use 'eigen'.");
                return (new DenseRepresentation(setup), "dense requested");
            case "eigen":
                return (new EigenRepresentation(setup, setup.Blocks), "eigen requested" + Commuting(setup));
            case "compressed":
                if (SpectralCompression.Unsupported(setup) is { } why)
                    throw new ArgumentException($"The compressed method needs one spectrum shared by every class ({why}); use 'eigen'.");
                return (Compressed(setup, options.Compression), "compressed requested" + Commuting(setup));
            case "contour":
                if (!ContourApplies(setup))
                    throw new ArgumentException("The contour method needs a single zero-mean Gaussian and no index blocks; use 'eigen'.");
                return (new ContourRepresentation(setup, options.ContourNodes), "contour requested");
            case "auto":
                var dense = DenseRepresentation.CostPerEvaluation(setup);
                if (ChoosesDense(setup, options))
                    return (new DenseRepresentation(setup), $"auto: dense (the class covariances do not commute; (ns d)^3 = {dense:G3} <= {options.DenseCostLimit:G3} multiply-adds per evaluation)");
                var count = EigenGroups.CountExact(setup, setup.Blocks);
                var commuting = HasFullCovariances(setup)
                    ? $"{Commuting(setup)}, as the dense form would cost (ns d)^3 = {dense:G3} > {options.DenseCostLimit:G3} multiply-adds per evaluation"
                    : "";
                if (count <= options.EigenGroupLimit)
                    return (new EigenRepresentation(setup, setup.Blocks), $"auto: {count} eigen-group{(count == 1 ? "" : "s")} (at most {options.EigenGroupLimit}): exact{commuting}");
                if (SpectralCompression.Unsupported(setup) is { } reason)
                    return (new EigenRepresentation(setup, setup.Blocks), $"auto: {count} eigen-groups, exact because {reason}{commuting}");
                return (Compressed(setup, options.Compression), $"auto: {count} distinct eigenvalues (more than {options.EigenGroupLimit}): spectrum compressed{commuting}");
            default:
                throw new ArgumentException($"Unknown method '{options.Method}': expected auto, eigen, compressed, contour or dense.");
        }
    }

    private static EigenRepresentation Compressed(DynamicsSetup setup, CompressionOptions compression) =>
        new(setup, SpectralCompression.Compress(setup, setup.Blocks, compression), "compressed");

    /// <summary>
    /// gamma_0 lambda_max ||J_0|| T: how many times the fastest mode of the linear part relaxes over the horizon. An
    /// explicit method needs about a third as many steps for stability alone, whatever the accuracy asked for.
    /// J is read at the initial state and after a short Euler step: at X0 = 0 the regression form leaves the
    /// student's own drift undetermined (it reads 0), although it acts as soon as X moves.
    /// </summary>
    public static double StiffnessIndex(DynamicsSetup setup, LimitingDynamics system, ReadOnlySpan<double> y0)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(system);
        var horizon = setup.OutputTimes[^1];
        var index = RelaxationRate(setup, system, 0, y0) * horizon;
        var slope = new double[y0.Length];
        system.Derivative(0, y0, slope);
        var tau = 1e-3 * Math.Min(horizon, 1.0);
        var nudged = new double[y0.Length];
        for (var i = 0; i < nudged.Length; i++) nudged[i] = y0[i] + tau * slope[i];
        if (AdaptiveIntegrator.IsFinite(nudged)) index = Math.Max(index, RelaxationRate(setup, system, tau, nudged) * horizon);
        return double.IsFinite(index) ? index : 0;
    }

    private static double RelaxationRate(DynamicsSetup setup, LimitingDynamics system, double t, ReadOnlySpan<double> y)
    {
        system.Evaluate(t, y);
        var n = setup.StateSize;
        double largest = 0;
        for (var c = 0; c < setup.Classes.Count; c++)
        {
            var lambdaMax = setup.Classes[c].Eigenvalues.Max();
            var jac = system.Evaluator.Drift.Jacobians[c];
            for (var a = 0; a < n; a++)
            {
                double row = 0;
                for (var b = 0; b < n; b++) row += Math.Abs(jac[a * n + b]);
                largest = Math.Max(largest, lambdaMax * row);
            }
        }
        return Math.Abs(system.Rate) * largest;
    }

    /// <summary>The integrator names a result records.</summary>
    public const string DormandPrince = "dopri5", Rosenbrock = "rodas4", Exponential = "exprk4";

    private static (string Name, string Reason) ChooseIntegrator(DynamicsSetup setup, LimitingDynamics system,
        ReadOnlySpan<double> y0, SolverOptions options)
    {
        var dense = system.Representation is DenseRepresentation;
        var stiffName = dense ? Exponential : Rosenbrock;
        if (options.Stiff is bool requested) return requested ? (stiffName, $"{stiffName} requested") : (DormandPrince, "dopri5 requested");
        var index = StiffnessIndex(setup, system, y0);
        if (dense && setup.Schedule is FormulaSchedule)
            return (DormandPrince, $"auto: dopri5 (stiffness index {index:G3}; exprk4 cannot estimate the error of a step size given as a formula of t)");
        if (dense)
            return index > options.DenseStiffnessLimit
                ? (Exponential, $"auto: exprk4 (stiffness index gamma*lambda_max*|J|*T = {index:G3} > {options.DenseStiffnessLimit:G3})")
                : (DormandPrince, $"auto: dopri5 (stiffness index gamma*lambda_max*|J|*T = {index:G3} <= {options.DenseStiffnessLimit:G3})");
        if (system.Representation is not EigenRepresentation)
            return (DormandPrince, $"auto: dopri5 (stiffness index {index:G3}; the {system.Representation.Method} form has no structured Jacobian)");
        var limit = options.StiffnessLimit * Math.Pow(1e-7 / options.RelativeTolerance, 0.25);
        return index > limit
            ? (Rosenbrock, $"auto: rodas4 (stiffness index gamma*lambda_max*|J|*T = {index:G3} > {limit:G3})")
            : (DormandPrince, $"auto: dopri5 (stiffness index gamma*lambda_max*|J|*T = {index:G3} <= {limit:G3})");
    }

    /// <summary>Solves and reports <paramref name="statistics"/> at <see cref="DynamicsSetup.OutputTimes"/>.</summary>
    public static TheoryResult Solve(DynamicsSetup setup, IEnumerable<string> statistics,
        SolverOptions? options = null, IProgress<double>? progress = null)
    {
        options ??= new SolverOptions();
        ArgumentNullException.ThrowIfNull(setup);
        setup.Validate();
        var clock = Stopwatch.StartNew();
        var columns = StatisticsCatalog.Columns(statistics, setup);
        var (representation, reason) = ChooseRepresentation(setup, options);
        var result = SolveWith(setup, representation, reason, columns, options, progress);
        // A compressed spectrum whose error rule disagrees with it is refined rather than reported as it is.
        var compression = options.Compression;
        for (var refinement = 0; refinement < 2 && result.CompressionError > options.CompressionTolerance; refinement++)
        {
            var estimate = result.CompressionError;
            compression = compression with { NodesPerPanel = 2 * compression.NodesPerPanel };
            reason += $"; refined to {compression.NodesPerPanel} nodes per panel (error estimate {estimate:G2} > {options.CompressionTolerance:G2})";
            result = SolveWith(setup, Compressed(setup, compression), reason, columns, options, progress);
        }
        if (result.CompressionError > options.CompressionTolerance)
            result = result with { Choice = result.Choice + $"; WARNING: compression error estimate {result.CompressionError:G2} is above {options.CompressionTolerance:G2}" };
        if (!(result.QuadratureError <= options.QuadratureTolerance))
            result = result with
            {
                Choice = result.Choice + $"; WARNING: the Gaussian expectations change by {result.QuadratureError:G2} (relative) under rules of twice " +
                         $"the order, above {options.QuadratureTolerance:G2}: the curves may be off by about that much (raise solver.quadrature-order, " +
                         "quadrature-order-3d or quadrature-order-4d for 1-2, 3 or 4 effective dimensions; write kinks as relu, abs, sign, step, " +
                         "max or min of linear forms so that they are split)",
            };
        progress?.Report(1.0);
        return result with { WallTime = clock.Elapsed };
    }

    private static TheoryResult SolveWith(DynamicsSetup setup, SpectralRepresentation representation, string reason,
        string[] columns, SolverOptions options, IProgress<double>? progress)
    {
        var system = new LimitingDynamics(setup, representation, options.Quadrature);
        var y0 = system.InitialState();
        var (name, integratorReason) = ChooseIntegrator(setup, system, y0, options);
        var bound = options.DivergenceFactor * (1 + y0.Max(Math.Abs));
        var horizon = setup.OutputTimes[^1];
        StepMonitor monitor = (t, y) =>
        {
            progress?.Report(t / horizon);
            for (var i = 0; i < y.Length; i++)
                if (!double.IsFinite(y[i]) || Math.Abs(y[i]) > bound)
                    return $"the overlaps blew up at t = {t:G4} (|state| > {bound:G3}): the step size is past its stability threshold";
            return null;
        };
        var integratorOptions = new IntegratorOptions
        {
            RelativeTolerance = options.RelativeTolerance,
            AbsoluteTolerance = options.AbsoluteTolerance,
        };
        IOdeIntegrator integrator = name switch
        {
            Rosenbrock => new Rodas4(integratorOptions),
            Exponential => new ExponentialRungeKutta43(integratorOptions),
            _ => new DormandPrince45(integratorOptions),
        };
        IOdeSystem integrated = (name, representation) switch
        {
            (Rosenbrock, EigenRepresentation eigen) => new GroupLinearization(system, eigen, setup),
            (Exponential, DenseRepresentation dense) => new DiagonalSplitDynamics(system, dense),
            _ => system,
        };
        // The integrator keeps the state at every output time, and about a dozen working states.
        ResourceBudget.Require((double)system.Dimension * (setup.OutputTimes.Length + 16),
            $"{setup.OutputTimes.Length:N0} checkpoints (output.checkpoints) of an ODE state of {system.Dimension:N0} numbers ({representation.Description})");
        var solution = integrator.Integrate(integrated, 0.0, y0, setup.OutputTimes, monitor);

        var blocks = setup.Blocks.Count > 0 ? new Mixtures.BlockOverlaps(setup.Blocks, setup.Classes.Count, setup.StateSize) : null;
        var powers = columns.Select(StatisticsCatalog.MomentPower).Where(j => j > 0).Distinct().ToArray();
        // z^j as coefficient vectors of p in W p(K) W^T.
        var monomials = powers.ToDictionary(j => j, j => Enumerable.Range(0, j + 1).Select(k => k == j ? 1.0 : 0.0).ToArray());
        var kernel = new double[setup.StateSize * setup.StateSize];
        var rows = new double[solution.Count][];
        var errorRule = representation is EigenRepresentation { HasErrorRule: true } compressed ? new CompressionErrorEstimate(setup, compressed) : null;
        var quadratureCheck = new QuadratureCheck(setup, options.Quadrature);
        var checkedStates = new HashSet<int> { 0, solution.Count / 2, solution.Count - 1 };
        for (var i = 0; i < solution.Count; i++)
        {
            system.Evaluate(solution.Times[i], solution.State(i));
            foreach (var j in powers)
            {
                // W K^j W^T through the representation (contour: -(1/2 pi i) oint z^j S dz); the student block's trace.
                representation.PolynomialOverlap(solution.State(i), monomials[j], kernel);
                double trace = 0;
                for (var a = 0; a < setup.StudentDirections; a++) trace += kernel[a * setup.StateSize + a];
                system.Evaluator.Parameters.StudentKernelMoments[j] = trace;
            }
            if (blocks is not null) ((EigenRepresentation)representation).BlockOverlaps(solution.State(i), blocks);
            rows[i] = new double[columns.Length];
            StatisticsCatalog.Compute(columns, system.Evaluator, system.Rate, rows[i], blocks);
            errorRule?.Add(solution.State(i), system.Evaluator);
            if (checkedStates.Contains(i)) quadratureCheck.Add(system.Evaluator);
        }
        return new TheoryResult([.. solution.Times], columns, rows, representation.Method, representation.Description,
            name, $"{reason}; {integratorReason}", errorRule?.Estimate, quadratureCheck.Estimate, solution.Status, solution.StopTime, solution.StopReason,
            solution.Statistics, TimeSpan.Zero);
    }
}
