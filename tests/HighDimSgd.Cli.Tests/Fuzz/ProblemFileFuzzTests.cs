using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using HighDimSgd.Cli.Tests.Commands;

namespace HighDimSgd.Cli.Tests.Fuzz;

/// <summary>
/// Mutations of the example problem files (values replaced by hostile numbers and strings, lines dropped or repeated,
/// junk inserted, the file cut short), run through <c>solve</c> and <c>derive</c>. Whatever the mutation, the command
/// must hold the contract of docs/commands.md: exit 0, or exit 2 with exactly one <c>error:</c> line and no stack trace;
/// no staging folder left behind; and an answer within a bounded time. Seeded, so a failure replays.
/// </summary>
[Collection("console")]
public sealed partial class ProblemFileFuzzTests
{
    // d is overridden so that every accepted mutation solves in well under a second.
    private const string Dimension = "40";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    // CI runs a few dozen cases; HDSGD_FUZZ_CASES=2000 ./test.sh --filter FullyQualifiedName~Fuzz searches on purpose.
    private static int Cases(int ci) =>
        int.TryParse(Environment.GetEnvironmentVariable("HDSGD_FUZZ_CASES"), out var n) && n > 0 ? n : ci;

    private static readonly string[] HostileNumbers =
    [
        "0", "-1", "-0.0", "1e308", "-1e308", "1.7976931348623157e308", "5e-324", "nan", "inf", "-inf", "2147483648",
        "9223372036854775807", "-9223372036854775808", "3.5", "1e6", "1e-13", "0x7fffffff", "1_000_000", "[]", "[1e308]", "{}",
        "\"12\"", "true",
    ];

    private static readonly string[] HostileStrings =
    [
        "", " ", "\\n", "a\\u2028b", "r\u0661", "r\u0967 + rstar", "((((((((((r))))))))))", "0/0", "rstar + 0/0", "0*log(-1)",
        "log(-1)", "1/0", "tanh(tanh(tanh(tanh(tanh(tanh(r))))))", "\\\"; System.Environment.Exit(7); //", "*/ #error x /*",
        "eps99999", "r^r^r^r", "exp(exp(exp(r)))", "-----r", "sign(r)^2", "relu(r) - abs(r)", "max(r, rstar, eps, 0)",
        "unknown", "power-law", "constant", "zero", "risk", "log", "linear", "auto", "dense", "gaussian",
    ];

    private static readonly string[] Junk = ["[", "]", "{", "}", "=", "\"", "'''", "\\", "#", ",", "\u0000", "\uFEFF", "[[data.classes]]", "x = 1"];

    /// <summary>One mutation: which example, what to do, where (an index into candidates), and with what.</summary>
    public sealed record Mutation(int Example, int Kind, int Where, int Payload)
    {
        public override string ToString() => $"example {Example}, kind {Kind}, where {Where}, payload {Payload}";
    }

    private static readonly string[] Examples = LoadExamples();

    private static string[] LoadExamples()
    {
        var root = Path.Combine(CliRunner.RepositoryRoot(), "examples");
        // Real-data examples read Fashion-MNIST and solve a dense state for half a minute: they have their own tests.
        return [.. Directory.GetFiles(root, "*.toml", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}real{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    private static Arbitrary<Mutation> Mutations() =>
        Arb.From(
            from example in Gen.Choose(0, Examples.Length - 1)
            from kind in Gen.Choose(0, 5)
            from position in Gen.Choose(0, 1 << 20)
            from payload in Gen.Choose(0, 1 << 20)
            select new Mutation(example, kind, position, payload));

    /// <summary>The mutated text of the example.</summary>
    internal static string Apply(Mutation m, string text)
    {
        switch (m.Kind)
        {
            case 0: // a number replaced by a hostile one
            {
                var numbers = NumberValue().Matches(text);
                if (numbers.Count == 0) return text;
                var hit = numbers[m.Where % numbers.Count].Groups["value"];
                return text[..hit.Index] + HostileNumbers[m.Payload % HostileNumbers.Length] + text[(hit.Index + hit.Length)..];
            }
            case 1: // a string replaced by a hostile one
            {
                var strings = StringValue().Matches(text);
                if (strings.Count == 0) return text;
                var hit = strings[m.Where % strings.Count].Groups["value"];
                return text[..hit.Index] + HostileStrings[m.Payload % HostileStrings.Length] + text[(hit.Index + hit.Length)..];
            }
            case 2: // a line dropped
            {
                var lines = text.Split('\n').ToList();
                lines.RemoveAt(m.Where % lines.Count);
                return string.Join('\n', lines);
            }
            case 3: // a line repeated
            {
                var lines = text.Split('\n').ToList();
                var i = m.Where % lines.Count;
                lines.Insert(i, lines[i]);
                return string.Join('\n', lines);
            }
            case 4: // junk inserted
            {
                var at = m.Where % (text.Length + 1);
                return text[..at] + Junk[m.Payload % Junk.Length] + text[at..];
            }
            default: // cut short
                return text[..(m.Where % (text.Length + 1))];
        }
    }

    [GeneratedRegex(@"=\s*(?<value>-?[0-9][0-9eE.+\-_]*)")]
    private static partial Regex NumberValue();

    [GeneratedRegex("\"(?<value>[^\"\\n]*)\"")]
    private static partial Regex StringValue();

    [Fact]
    public void Mutated_examples_are_solved_or_refused_on_one_line()
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(Cases(80)).WithReplay(20261202UL, 7919UL);
        Prop.ForAll(Mutations(), m => AssertContract(m, "solve")).Check(config);
    }

    [Fact]
    public void Mutated_examples_are_derived_or_refused_on_one_line()
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(Cases(60)).WithReplay(1UL, 12345UL);
        Prop.ForAll(Mutations(), m => AssertContract(m, "derive")).Check(config);
    }

    [Fact]
    public void Every_mutation_kind_changes_the_text()
    {
        // Guards the fuzzing itself: a mutation that silently did nothing would test only the valid examples.
        var text = File.ReadAllText(Examples[0]);
        for (var kind = 0; kind < 6; kind++)
            Assert.NotEqual(text, Apply(new Mutation(0, kind, 3, 5), text));
    }

    private static void AssertContract(Mutation mutation, string command)
    {
        var folder = CliRunner.TempFolder();
        try
        {
            var source = Examples[mutation.Example];
            var path = CliRunner.WriteProblem(folder, Apply(mutation, File.ReadAllText(source)), Path.GetFileName(source));
            // Relative spectrum and weight files resolve against the problem file's folder.
            foreach (var data in Directory.GetFiles(Path.GetDirectoryName(source)!).Where(f => !f.EndsWith(".toml", StringComparison.Ordinal)))
                File.Copy(data, Path.Combine(folder, Path.GetFileName(data)), overwrite: true);
            var outFolder = Path.Combine(folder, "out");
            string[] args = command == "derive" ? ["derive", path] : [command, path, "--dimension", Dimension, "--out", outFolder];
            var run = Task.Run(() => CliRunner.Run(args));
            Assert.True(run.Wait(Bound), $"{mutation}: {command} took longer than {Bound.TotalSeconds} s");
            var (exit, _, error) = run.Result;
            var context = $"{mutation} ({Path.GetFileName(source)}): exit {exit}, stderr: {error}";
            Assert.True(exit is 0 or 2, context);
            Assert.DoesNotContain("   at ", error);
            Assert.DoesNotContain("Unhandled exception", error);
            if (exit == 2)
            {
                Assert.StartsWith("error: ", error);
                Assert.True(error.TrimEnd('\n').Split('\n').Length == 1, context);
            }
            if (Directory.Exists(outFolder))
                Assert.Empty(Directory.GetDirectories(outFolder, ".staging*"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
