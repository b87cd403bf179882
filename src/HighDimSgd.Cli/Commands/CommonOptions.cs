using System.CommandLine;

namespace HighDimSgd.Cli.Commands;

/// <summary>Arguments and options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Argument<string> Problem(string description = "Problem file (TOML).") =>
        new("problem") { Description = description };

    public static Option<string> Out(string fallback) =>
        new("--out", "-o") { Description = "Output folder (created if missing).", DefaultValueFactory = _ => fallback };

    public static Option<string[]> Set() =>
        new("--set")
        {
            Description = "Override a key of the problem file: --set KEY=VALUE with a dotted key (optimizer.learning-rate=1.5, " +
                          "data.spectrum.q=4); the value is TOML, or a string. Repeatable; validated like the file.",
            Arity = ArgumentArity.ZeroOrMore,
        };

    public static Option<int?> Dimension() =>
        new("--dimension", "-d") { Description = "Override [data] dimension (d), for finite-size studies." };

    public static Option<string?> Method() =>
        new("--method") { Description = "ODE representation: auto (default), eigen (per eigen-group), compressed (interpolated spectrum, cost independent of d) or contour (resolvents)." };

    public static Option<int?> Runs() =>
        new("--runs", "-n") { Description = "Number of independent SGD runs (default: [simulation] runs, or 20)." };

    public static Option<long?> Seed() =>
        new("--seed") { Description = "Base seed; run i uses a seed derived from (seed, i) (default: [simulation] seed, or 1)." };
}
