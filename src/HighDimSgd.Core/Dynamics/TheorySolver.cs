using System.Diagnostics;
using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Ode;

namespace HighDimSgd.Core.Dynamics;

/// <summary>How to solve the limiting ODE.</summary>
/// <param name="Method">"auto", "eigen" or "contour".</param>
/// <param name="RelativeTolerance">Integrator relative tolerance.</param>
/// <param name="AbsoluteTolerance">Integrator absolute tolerance.</param>
/// <param name="ContourNodes">Nodes on the contour (total; half are stored).</param>
/// <param name="Stiff">Use the Rosenbrock (Rodas4) integrator instead of Dormand-Prince 5(4).</param>
/// <param name="DivergenceFactor">The solve stops as diverged when a state entry exceeds this times (1 + the largest initial entry).</param>
public sealed record SolverOptions(
    string Method = "auto",
    double RelativeTolerance = 1e-7,
    double AbsoluteTolerance = 1e-10,
    int ContourNodes = 128,
    bool Stiff = false,
    double DivergenceFactor = 1e8)
{
    /// <summary>Above this many eigen-groups, "auto" takes the contour form when it applies.</summary>
    public int EigenGroupLimit { get; init; } = 4096;

    /// <summary>Gaussian expectation rule (null: defaults).</summary>
    public QuadratureOptions? Quadrature { get; init; }
}

/// <summary>The deterministic curves: one row of statistics per output time reached.</summary>
public sealed record TheoryResult(
    double[] Times,
    string[] Columns,
    double[][] Rows,
    string Method,
    string Description,
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
        setup.Classes.Count == 1 && setup.ZeroMeans && setup.Blocks.Count == 0;

    /// <summary>Picks the representation: eigen-groups when they are few or the data is a mixture, else the contour.</summary>
    public static SpectralRepresentation ChooseRepresentation(DynamicsSetup setup, SolverOptions options)
    {
        var contourApplies = ContourApplies(setup);
        switch (options.Method)
        {
            case "eigen":
                return new EigenRepresentation(setup, setup.Blocks);
            case "contour":
                if (!contourApplies)
                    throw new ArgumentException("The contour method needs a single zero-mean Gaussian and no index blocks; use 'eigen'.");
                return new ContourRepresentation(setup, options.ContourNodes);
            case "auto":
                var eigen = new EigenRepresentation(setup, setup.Blocks);
                return contourApplies && eigen.GroupCount > options.EigenGroupLimit
                    ? new ContourRepresentation(setup, options.ContourNodes)
                    : eigen;
            default:
                throw new ArgumentException($"Unknown method '{options.Method}': expected auto, eigen or contour.");
        }
    }

    /// <summary>Solves and reports <paramref name="statistics"/> at <see cref="DynamicsSetup.OutputTimes"/>.</summary>
    public static TheoryResult Solve(DynamicsSetup setup, IEnumerable<string> statistics,
        SolverOptions? options = null, IProgress<double>? progress = null)
    {
        options ??= new SolverOptions();
        setup.Validate();
        var clock = Stopwatch.StartNew();
        var representation = ChooseRepresentation(setup, options);
        var system = new LimitingDynamics(setup, representation, options.Quadrature);
        var y0 = system.InitialState();
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
        IOdeIntegrator integrator = options.Stiff ? new Rodas4(integratorOptions) : new DormandPrince45(integratorOptions);
        var solution = integrator.Integrate(system, 0.0, y0, setup.OutputTimes, monitor);

        var columns = StatisticsCatalog.Columns(statistics, setup);
        var blocks = setup.Blocks.Count > 0 ? new Mixtures.BlockOverlaps(setup.Blocks, setup.Classes.Count, setup.StateSize) : null;
        var powers = columns.Select(StatisticsCatalog.MomentPower).Where(j => j > 0).Distinct().ToArray();
        // z^j as coefficient vectors of p in W p(K) W^T.
        var monomials = powers.ToDictionary(j => j, j => Enumerable.Range(0, j + 1).Select(k => k == j ? 1.0 : 0.0).ToArray());
        var kernel = new double[setup.StateSize * setup.StateSize];
        var rows = new double[solution.Count][];
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
        }
        progress?.Report(1.0);
        return new TheoryResult([.. solution.Times], columns, rows, representation.Method, representation.Description,
            solution.Status, solution.StopTime, solution.StopReason, solution.Statistics, clock.Elapsed);
    }
}
