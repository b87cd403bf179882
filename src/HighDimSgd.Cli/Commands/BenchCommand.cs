using System.CommandLine;
using System.Diagnostics;
using HighDimSgd.Cli.Application;
using HighDimSgd.Core.Dynamics;
using HighDimSgd.Simulation;

namespace HighDimSgd.Cli.Commands;

/// <summary>
/// <c>hdsgd bench [PROBLEM]</c>: wall time of the ODE solve and of one SGD run of the same problem, measured in one
/// process (best of a few repetitions), reported with their ratio.
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
        var command = new Command("bench", "Time the ODE solve against one SGD run of the same problem (best of --repeats).")
        {
            problem, dimension, repeats,
        };
        command.SetAction(result =>
        {
            var path = result.GetValue(problem);
            var d = result.GetValue(dimension) ?? (path is null ? 1000 : null);
            var context = path is null
                ? ProblemContext.FromText(CompareCommand.DefaultProblemText(), "built-in:" + CompareCommand.DefaultProblemName, d)
                : ProblemContext.Load(path, d);
            var n = Math.Max(1, result.GetValue(repeats));
            var options = context.SolverOptions();
            TheoryResult? theory = null;
            var ode = Best(n, () => theory = TheorySolver.Solve(context.Dynamics, ["risk"], options));
            // One run, recording only the start and the end, so the time is the SGD steps themselves.
            var setup = SimulationFactory.Sgd(context) with { CheckpointTimes = [0, context.Dynamics.OutputTimes[^1]] };
            var simulator = new SgdSimulator(setup);
            var sgd = Best(n, () => simulator.Run(1));
            var steps = setup.StepCount;
            Console.Out.WriteLine($"problem: {context.Problem.Title}; d = {context.Dimension}, T = {setup.Horizon:G4}, {steps} SGD steps");
            Console.Out.WriteLine($"ODE  ({theory!.Description}, {theory.Steps.Accepted} steps): {ode * 1e3:F1} ms");
            Console.Out.WriteLine($"SGD  (one run, one thread): {sgd * 1e3:F1} ms = {steps / sgd / 1e6:F2} M steps/s = " +
                                  $"{sgd / steps / context.Dimension * 1e9:F2} ns per step and coordinate");
            Console.Out.WriteLine($"ratio ODE / SGD run: {ode / sgd:F3}");
            return 0;
        });
        return command;
    }

    private static double Best(int repeats, Action action)
    {
        var best = double.PositiveInfinity;
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
