using System.CommandLine;
using System.Diagnostics;
using HighDimSgd.Cli.Application;
using HighDimSgd.Core.Dynamics;
using HighDimSgd.Simulation;
using HighDimSgd.Simulation.Benchmarking;

namespace HighDimSgd.Cli.Commands;

/// <summary>
/// <c>hdsgd bench [PROBLEM]</c>: wall time of the ODE solve and of one SGD run of the same problem, measured in one
/// process (best of a few repetitions), reported with their ratio. With <c>--methods</c>, the ODE solved by each
/// method and integrator instead, with the time ratios and the largest gap between their risk curves.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var problem = new Argument<string?>("problem")
        {
            Description = "Problem file (TOML). Omitted: the built-in logistic example at d = 1000.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var dimension = CommonOptions.Dimension();
        var repeats = new Option<int>("--repeats") { Description = "Repetitions; the best time counts.", DefaultValueFactory = _ => 3 };
        var methods = new Option<string?>("--methods")
        {
            Description = "Compare ODE solvers instead of ODE and SGD: a comma-separated list of METHOD[:INTEGRATOR] " +
                          "(METHOD auto, eigen, compressed, contour or dense; INTEGRATOR auto, dopri5, rodas4 or, for dense, exprk4), e.g. auto,eigen:dopri5.",
        };
        var set = CommonOptions.Set();
        var command = new Command("bench", "Time the ODE solve against one SGD run of the same problem (best of --repeats).")
        {
            problem, dimension, repeats, methods, set,
        };
        command.SetAction(result =>
        {
            var path = result.GetValue(problem);
            var d = result.GetValue(dimension) ?? (path is null ? 1000 : null);
            var context = path is null
                ? ProblemContext.FromText(CompareCommand.DefaultProblemText(), "built-in:" + CompareCommand.DefaultProblemName, d, result.GetValue(set))
                : ProblemContext.Load(path, d, result.GetValue(set));
            var n = result.GetValue(repeats);
            if (n is < 1 or > MaxRepeats) throw new UserErrorException($"--repeats must be between 1 and {MaxRepeats}, got {n}");
            if (result.GetValue(methods) is { } list) return CompareSolvers(context, list, n);
            // Runtime start, parsing, derivation and model: what every process pays before any numerical work.
            var fixedCost = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
            var options = context.SolverOptions();
            TheoryResult? theory = null;
            var ode = Best(n, () => theory = TheorySolver.Solve(context.Dynamics, ["risk"], options), out var odeFirst);
            // One run, recording only the start and the end, so the time is the SGD steps themselves.
            var setup = SimulationFactory.Sgd(context, seed: 1) with { CheckpointTimes = [0, context.Dynamics.OutputTimes[^1]] };
            var simulator = new SgdSimulator(setup);
            var sgd = Best(n, () => simulator.Run(1), out var sgdFirst);
            var steps = setup.StepCount;
            var perCoordinate = sgd / steps / context.Dimension;
            var floor = new SgdFloor(context.Dimension).SecondsPerStepAndCoordinate(FloorSteps(context.Dimension), Math.Max(n, 3));
            Console.Out.WriteLine($"problem: {context.Problem.Title}; d = {context.Dimension}, T = {setup.Horizon:G4}, {steps} SGD steps");
            Console.Out.WriteLine($"fixed cost (process start to problem ready: runtime, parsing, derivation, model): {fixedCost * 1e3:F0} ms");
            Console.Out.WriteLine($"ODE  ({theory!.Description}, {theory.Steps.Accepted} steps): {ode * 1e3:F1} ms (first of {n}: {odeFirst * 1e3:F1} ms)");
            Console.Out.WriteLine($"SGD  (one run, one thread): {sgd * 1e3:F1} ms = {steps / sgd / 1e6:F2} M steps/s = " +
                                  $"{perCoordinate * 1e9:F2} ns per step and coordinate (first of {n}: {sgdFirst * 1e3:F1} ms)");
            Console.Out.WriteLine($"floor (fused least-squares step, no dispatch): {floor * 1e9:F2} ns per step and coordinate; SGD = {perCoordinate / floor:F2} x the floor");
            Console.Out.WriteLine($"ratio ODE / SGD run: {ode / sgd:F3}");
            return 0;
        });
        return command;
    }

    /// <summary>Each solver of <paramref name="list"/> on the problem: time, steps, ratio to the first, risk gap to the first.</summary>
    private const int MaxRepeats = 1000;

    private static int CompareSolvers(ProblemContext context, string list, int repeats)
    {
        var entries = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (entries.Length == 0) throw new UserErrorException("--methods: expected a comma-separated list such as auto,eigen:dopri5");
        var solvers = entries.Select(entry =>
        {
            var parts = entry.Split(':');
            bool? stiff = parts.Length < 2 ? null : parts[1] switch
            {
                "auto" => null,
                "dopri5" => false,
                "rodas4" or "exprk4" => true,
                _ => throw new UserErrorException($"--methods: '{entry}': the integrator must be auto, dopri5, rodas4 or exprk4"),
            };
            if (parts.Length > 2) throw new UserErrorException($"--methods: '{entry}': expected METHOD[:INTEGRATOR]");
            return (Name: entry, Options: context.WithIntegrator(context.SolverOptions(parts[0]), stiff, $"--methods: '{entry}'", parts.Length < 2 ? null : parts[1]));
        }).ToArray();
        Console.Out.WriteLine($"problem: {context.Problem.Title}; d = {context.Dimension}, T = {context.Dynamics.OutputTimes[^1]:G4}");
        var results = new List<(string Name, double Seconds, TheoryResult Theory)>();
        foreach (var (name, options) in solvers)
        {
            TheoryResult? theory = null;
            var seconds = Best(repeats, () => theory = TheorySolver.Solve(context.Dynamics, ["risk"], options));
            results.Add((name, seconds, theory!));
            var first = results[0];
            var ratio = results.Count == 1 ? "" : $"; {seconds / first.Seconds:G3} x the time of {first.Name}, risk within {Gap(theory!, first.Theory):G2} of it";
            var status = theory!.Diverged ? $", DIVERGED at t = {theory.StopTime:G4}" : "";
            Console.Out.WriteLine($"{name,-18} {seconds * 1e3,10:F1} ms  {theory.Description}, {theory.Integrator}, {theory.Steps.Accepted} steps{status}{ratio}");
        }
        return 0;
    }

    /// <summary>Largest relative gap between two risk curves over the output times both reached.</summary>
    private static double Gap(TheoryResult a, TheoryResult b)
    {
        var x = a.Column("risk");
        var y = b.Column("risk");
        var worst = 0.0;
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++) worst = Math.Max(worst, Math.Abs(x[i] - y[i]) / Math.Abs(y[i]));
        return worst;
    }

    private static double Best(int repeats, Action action) => Best(repeats, action, out _);

    /// <summary>The best of <paramref name="repeats"/> timings; <paramref name="first"/> is the first (cold: it includes the JIT).</summary>
    private static double Best(int repeats, Action action, out double first)
    {
        var best = double.PositiveInfinity;
        first = double.NaN;
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            var seconds = clock.Elapsed.TotalSeconds;
            if (i == 0) first = seconds;
            best = Math.Min(best, seconds);
        }
        return best;
    }

    /// <summary>About 2e7 coordinate updates per timing, at least 10 steps.</summary>
    private static long FloorSteps(int d) => Math.Max(10L, (long)(2e7 / d));
}
