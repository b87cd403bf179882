using HighDimSgd.Core.Ode;
using System.CommandLine;
using System.Text.Json.Nodes;
using HighDimSgd.Cli.Application;
using HighDimSgd.Core.Dynamics;

namespace HighDimSgd.Cli.Commands;

/// <summary><c>hdsgd solve PROBLEM --out DIR</c>: the deterministic curves of the limiting ODE.</summary>
internal static class SolveCommand
{
    public static Command Create()
    {
        var problem = CommonOptions.Problem();
        var output = CommonOptions.Out("out/solve");
        var dimension = CommonOptions.Dimension();
        var method = CommonOptions.Method();
        var set = CommonOptions.Set();
        var command = new Command("solve", "Integrate the limiting ODE and write theory.csv and run.json.")
        {
            problem, output, dimension, method, set,
        };
        command.SetAction(result =>
        {
            var context = ProblemContext.Load(result.GetValue(problem)!, result.GetValue(dimension), result.GetValue(set));
            var options = context.SolverOptions(result.GetValue(method));
            using var folder = new OutputDirectory(result.GetValue(output)!);
            var theory = ConsoleProgress.Run(progress => TheorySolver.Solve(context.Dynamics, context.Statistics, options,
                progress is null ? null : new Reporter<double>(f => progress.Report(("ODE", f)))));
            folder.WriteAndCommit(() =>
            {
                OutputTables.WriteTheory(folder, theory);
                RunRecord.Write(folder, "solve", context, Describe(theory));
            });
            Console.Out.WriteLine(Summary(theory, folder.FinalPath("theory.csv")));
            return 0;
        });
        return command;
    }

    public static JsonObject Describe(TheoryResult theory) => new()
    {
        ["ode"] = new JsonObject
        {
            ["method"] = theory.Method,
            ["representation"] = theory.Description,
            ["integrator"] = theory.Integrator,
            ["choice"] = theory.Choice,
            ["compression_error_estimate"] = theory.CompressionError,
            ["quadrature_error_estimate"] = theory.QuadratureError,
            ["status"] = theory.Status.ToString(),
            ["stop_time"] = theory.StopTime,
            ["stop_reason"] = theory.StopReason,
            ["accepted_steps"] = theory.Steps.Accepted,
            ["rejected_steps"] = theory.Steps.Rejected,
            ["rhs_evaluations"] = theory.Steps.DerivativeEvaluations,
            ["wall_seconds"] = theory.WallTime.TotalSeconds,
        },
    };

    public static string Summary(TheoryResult theory, string path)
    {
        var risk = theory.Column("risk");
        var status = theory.Status switch
        {
            OdeStatus.Diverged => $"DIVERGED at t = {theory.StopTime:G4}: {theory.StopReason}",
            OdeStatus.StepLimit => $"STOPPED at t = {theory.StopTime:G4}: {theory.StopReason}",
            _ => "completed",
        };
        var compression = theory.CompressionError is { } e ? $", compression error <= {e:G2}" : "";
        return $"ODE {status}; {theory.Description}, {theory.Integrator}, {theory.Steps.Accepted} steps{compression}, {theory.WallTime.TotalSeconds:F3} s; " +
               $"risk {risk[0]:G5} -> {risk[^1]:G5} at t = {theory.Times[^1]:G4}. Wrote {path}" +
               Environment.NewLine + $"  why: {theory.Choice}";
    }
}
