using HighDimSgd.Cli;

namespace HighDimSgd.Cli.Tests.Commands;

/// <summary>Runs <c>hdsgd</c> in process with captured stdout and stderr (serialised: the console is global).</summary>
internal static class CliRunner
{
    private static readonly object Gate = new();

    public static (int Exit, string Out, string Error) Run(params string[] args)
    {
        lock (Gate)
        {
            var (oldOut, oldError) = (Console.Out, Console.Error);
            using var output = new StringWriter();
            using var error = new StringWriter();
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                var exit = Program.Main(args);
                return (exit, output.ToString(), error.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldError);
            }
        }
    }

    /// <summary>The contract for a user mistake: exit code 2, one <c>error:</c> line holding every fragment, no stack trace.</summary>
    public static void AssertOneLineUserError(int exit, string error, params string[] fragments)
    {
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", error);
        Assert.Single(error.TrimEnd('\n', '\r').Split('\n'));
        Assert.DoesNotContain("   at ", error);
        foreach (var fragment in fragments) Assert.Contains(fragment, error);
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HighDimSgd.Hybrid.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public static string TempFolder()
    {
        var path = Path.Combine(Path.GetTempPath(), "hdsgd-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static string WriteProblem(string folder, string text, string name = "problem.toml")
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
