using System.Globalization;

namespace HighDimSgd.Cli.Tests.Commands;

/// <summary><c>--set KEY=VALUE</c> on every command: a valid override changes the run, a wrong key or value is the usual one-line error.</summary>
[Collection("console")]
public class SetOptionTests
{
    private const string Problem = """
        title = "least squares for --set"
        [data]
        dimension = 60
        spectrum = { kind = "identity" }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = "rstar + 0.3*eps"
        [student]
        directions = 1
        output = "r"
        [loss]
        preset = "least-squares"
        [optimizer]
        learning-rate = 0.8
        horizon = 2.0
        [output]
        checkpoints = 5
        statistics = ["risk"]
        [simulation]
        runs = 3
        """;

    /// <summary>Arguments of each command before the --set options; OUT is replaced by a fresh folder.</summary>
    public static TheoryData<string, string[]> Commands => new()
    {
        { "derive", ["derive", "PROBLEM"] },
        { "solve", ["solve", "PROBLEM", "--out", "OUT"] },
        { "simulate", ["simulate", "PROBLEM", "--out", "OUT"] },
        { "compare", ["compare", "PROBLEM", "--out", "OUT"] },
        { "critical-lr", ["critical-lr", "PROBLEM", "--horizon", "5", "--tolerance", "0.05"] },
        { "bench", ["bench", "PROBLEM", "--methods", "eigen", "--repeats", "1"] },
        { "sweep", ["sweep", "PROBLEM", "--out", "OUT", "--no-cache", "--grid", "optimizer.learning-rate=0.5,0.6"] },
    };

    private static (int Exit, string Out, string Error, string OutFolder) Run(string[] command, params string[] set)
    {
        var folder = CliRunner.TempFolder();
        var path = CliRunner.WriteProblem(folder, Problem);
        var outFolder = Path.Combine(folder, "out");
        var args = command.Select(a => a switch { "PROBLEM" => path, "OUT" => outFolder, _ => a })
            .Concat(set.SelectMany(s => new[] { "--set", s })).ToArray();
        var (exit, output, error) = CliRunner.Run(args);
        return (exit, output, error, outFolder);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void AValidOverrideIsApplied(string name, string[] command)
    {
        // derive reads only the model sections: a different student output changes what it prints; critical-lr and
        // bench print the dimension.
        var set = name switch
        {
            "derive" => "student.output=\"tanh(r)\"",
            "critical-lr" or "bench" => "data.dimension=40",
            _ => "optimizer.horizon=1.25",
        };
        var (exit, output, error, outFolder) = Run(command, set);
        Assert.True(exit == 0, error);
        switch (name)
        {
            case "derive":
                Assert.Contains("tanh", output);
                break;
            case "solve" or "simulate" or "compare":
                var file = name == "simulate" ? "sgd.csv" : "theory.csv";
                var last = File.ReadAllLines(Path.Combine(outFolder, file))[^1].Split(',')[0];
                Assert.Equal(1.25, double.Parse(last, CultureInfo.InvariantCulture));
                Assert.Contains("optimizer.horizon=1.25", File.ReadAllText(Path.Combine(outFolder, "run.json")));
                break;
            case "sweep":
                var summary = File.ReadAllLines(Path.Combine(outFolder, "summary.csv"));
                Assert.Equal(3, summary.Length);
                var finalT = Array.IndexOf(summary[0].Split(','), "final_t");
                Assert.All(summary.Skip(1), row => Assert.Equal("1.25", row.Split(',')[finalT]));
                break;
            default:
                Assert.Contains("d = 40", output);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void AnUnknownKeyIsOneErrorLineNamingTheOverride(string name, string[] command)
    {
        var key = name == "derive" ? "student.outptu" : "optimizer.learnig-rate";
        var (exit, _, error, outFolder) = Run(command, key + "=1");
        Assert.Equal(2, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"(--set {key}=1): {key}: unknown key", line);
        Assert.False(Directory.Exists(outFolder));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void ABadValueIsOneErrorLineNamingTheKey(string name, string[] command)
    {
        var (set, key, detail) = name == "derive"
            ? ("student.directions=two", "student.directions", "expected an integer")
            : ("optimizer.horizon=-1", "optimizer.horizon", "must be positive");
        var (exit, _, error, outFolder) = Run(command, set);
        Assert.Equal(2, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{key}: {detail}", line);
        Assert.False(Directory.Exists(outFolder));
    }

    [Fact]
    public void AMalformedOverrideIsAnError()
    {
        var (exit, _, error, _) = Run(["solve", "PROBLEM", "--out", "OUT"], "no-equals-sign");
        Assert.Equal(2, exit);
        Assert.Contains("--set: 'no-equals-sign': expected KEY=VALUE", error);
    }
}
