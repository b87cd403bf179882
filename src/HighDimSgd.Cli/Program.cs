using System.CommandLine;
using HighDimSgd.Cli.Application;
using HighDimSgd.Cli.Commands;

namespace HighDimSgd.Cli;

/// <summary>Entry point of <c>hdsgd</c>.</summary>
public static class Program
{
    /// <summary>Exit code for a user mistake (bad file, bad option).</summary>
    public const int UserErrorExit = 2;

    /// <summary>Runs the command line; user mistakes print one line and return <see cref="UserErrorExit"/>.</summary>
    public static int Main(string[] args)
    {
        MathNet.Numerics.Control.UseManaged();
        var root = BuildRoot();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            // The first mistake is the one to fix; later ones often follow from it.
            return UserError($"{CommandLineMessages.Plain(parsed.Errors[0].Message)} (run 'hdsgd --help' for usage)");
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UserErrorException or Core.ResourceLimitException)
        {
            return UserError(e.Message);
        }
    }

    /// <summary>Prints <paramref name="message"/> as the one <c>error:</c> line of a user mistake.</summary>
    private static int UserError(string message)
    {
        Console.Error.WriteLine($"error: {CommandLineMessages.OneLine(message)}");
        return UserErrorExit;
    }

    /// <summary>The command tree (also used by tests to check the documented commands exist).</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "hdsgd: derive, solve and check the exact high-dimensional dynamics of one-pass SGD.\n" +
            "Declare a problem in a TOML file (see docs/problem-files.md), then derive, solve, simulate or compare it.");
        root.Subcommands.Add(DeriveCommand.Create());
        root.Subcommands.Add(SolveCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(CriticalLrCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(SweepCommand.Create());
        root.Subcommands.Add(SweepTaskCommand.Create());
        return root;
    }
}
