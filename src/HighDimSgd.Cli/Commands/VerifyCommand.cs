using System.CommandLine;
using System.Globalization;
using HighDimSgd.Cli.Application;

namespace HighDimSgd.Cli.Commands;

/// <summary>
/// <c>hdsgd verify PROBLEM</c>: the checks of <see cref="Verification"/> as a verdict table; exit code 0 when every check
/// holds, 1 when one does not (the failed checks are named).
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var problem = CommonOptions.Problem();
        var runs = CommonOptions.Runs();
        var seed = CommonOptions.Seed();
        var set = CommonOptions.Set();
        var dimensions = new Option<string?>("--dimensions")
        {
            Description = "The two (or more) dimensions SGD is compared with the theory at, e.g. 250,1000 (default: d/4 and d, d at most 2000).",
        };
        var testSamples = new Option<int?>("--test-samples") { Description = "Inputs in the test sample SGD's risk is measured on (default 20000)." };
        var command = new Command("verify",
            "Check a problem's model and theory: gradient against finite differences, closed forms against Monte Carlo, the quadrature " +
            "against rules of twice the order, the theory against SGD's test-sample risk at two dimensions. Exit code 1 when a check fails.")
        {
            problem, dimensions, runs, seed, testSamples, set,
        };
        command.SetAction(result =>
        {
            var path = result.GetValue(problem)!;
            var overrides = result.GetValue(set) ?? [];
            ProblemContext Load(int? d, IReadOnlyList<string> extra) => ProblemContext.Load(path, d, [.. overrides, .. extra]);
            var defaults = new VerificationOptions();
            var samples = result.GetValue(testSamples) ?? defaults.TestSamples;
            if (samples < 2) throw new UserErrorException($"--test-samples must be at least 2, got {samples}");
            var options = defaults with
            {
                Dimensions = CompareCommand.ParseDimensions(result.GetValue(dimensions)),
                Runs = result.GetValue(runs) ?? defaults.Runs,
                Seed = (ulong)(result.GetValue(seed) ?? (long)defaults.Seed),
                TestSamples = samples,
            };
            if (options.Runs < 2) throw new UserErrorException($"--runs must be at least 2 to estimate a standard error, got {options.Runs}");
            var context = Load(null, []);
            var report = ConsoleProgress.Run(p => Verification.Run(Load, options, p));
            var output = Console.Out;
            output.WriteLine($"{context.Problem.Title}: verify");
            output.WriteLine($"{"check",-62} {"value",10} {"bound",10}  verdict");
            foreach (var check in report.Checks)
            {
                output.WriteLine($"{check.Name,-62} {F(check.Value),10} {F(check.Bound),10}  {(check.Passed ? "pass" : "FAIL")}");
                output.WriteLine($"    {check.Detail}");
            }
            var failed = report.Checks.Where(c => !c.Passed).Select(c => c.Name).ToArray();
            output.WriteLine(failed.Length == 0 ? "verified: every check holds" : $"NOT verified: {string.Join("; ", failed)}");
            return failed.Length == 0 ? 0 : 1;
        });
        return command;
    }

    private static string F(double x) => x.ToString("G3", CultureInfo.InvariantCulture);
}
