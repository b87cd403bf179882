using System.CommandLine;
using HighDimSgd.Cli.Application;
using HighDimSgd.Core.Problems;

namespace HighDimSgd.Cli.Commands;

/// <summary><c>hdsgd derive PROBLEM</c>: the substituted loss, gradient, Hessian and closed-form expectations.</summary>
internal static class DeriveCommand
{
    public static Command Create()
    {
        var problem = CommonOptions.Problem("Problem file; only [teacher], [student] and [loss] are read.");
        var set = CommonOptions.Set();
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output format: text, json or latex.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json", "latex");
        var command = new Command("derive", "Print the derived per-sample loss f(r; r*, eps), its gradient and Hessian in r, and the closed-form Gaussian expectations.")
        {
            problem, format, set,
        };
        command.SetAction(result =>
        {
            var path = result.GetValue(problem)!;
            var text = ProblemContext.ReadText(path);
            ModelSections parsed;
            var overrides = ProblemContext.ParseOverrides(result.GetValue(set));
            try
            {
                parsed = ProblemLoader.ParseModelSections(text, path, overrides);
            }
            catch (ProblemFileException e)
            {
                throw new UserErrorException(e.Message);
            }
            var derivation = ModelResolver.Derive(parsed);
            Console.Out.WriteLine(result.GetValue(format) switch
            {
                "json" => derivation.ToJson(),
                "latex" => derivation.ToLatex(),
                _ => derivation.ToText(),
            });
            return 0;
        });
        return command;
    }
}
