using System.CommandLine;
using HighDimSgd.Core.Problems;

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
        Bounded(new Option<int?>("--dimension", "-d") { Description = "Override [data] dimension (d), for finite-size studies." }, 1, Limits.MaxDimension);

    public static Option<string?> Method() =>
        new("--method") { Description = "ODE representation: auto (default), eigen (per eigen-group), compressed (interpolated spectrum, cost independent of d) or contour (resolvents)." };

    public static Option<int?> Runs() =>
        Bounded(new Option<int?>("--runs", "-n") { Description = "Number of independent SGD runs (default: [simulation] runs, or 20)." }, 1, Limits.MaxRuns);

    public static Option<long?> Seed() =>
        Bounded(new Option<long?>("--seed") { Description = "Base seed; run i uses a seed derived from (seed, i) (default: [simulation] seed, or 1)." }, 0, long.MaxValue);

    /// <summary>
    /// <paramref name="option"/> refusing values outside [<paramref name="min"/>, <paramref name="max"/>] at parse time, with the
    /// same bounds as the problem file's key.
    /// </summary>
    public static Option<T?> Bounded<T>(Option<T?> option, long min, long max) where T : struct, System.Numerics.IBinaryInteger<T>
    {
        option.Validators.Add(result =>
        {
            T? parsed;
            try
            {
                parsed = result.GetValueOrDefault<T?>();
            }
            catch (InvalidOperationException)
            {
                return; // not a number: the parser reports that itself
            }
            if (parsed is not { } value) return;
            var number = long.CreateSaturating(value);
            if (number < min || number > max)
                result.AddError(max == long.MaxValue
                    ? $"{option.Name} must be at least {min}, got {value}"
                    : $"{option.Name} must be between {min} and {max:N0}, got {value}");
        });
        return option;
    }
}
