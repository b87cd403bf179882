using System.Diagnostics;
using HighDimSgd.Cli.Tests.Commands;

namespace HighDimSgd.Cli.Tests.Packaging;

/// <summary>
/// What a user outside the checkout gets: dotnet pack of the solution (the libraries and the hdsgd tool), the tool
/// installed from that local folder into a scratch tool path, and its compare run on the built-in example.
/// </summary>
public class ToolPackageTests
{
    private static (int Exit, string Output) Run(string file, string arguments, string workingDirectory, int timeoutSeconds)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeoutSeconds} s: {file} {arguments}");
        }
        return (process.ExitCode, output.Result + error.Result);
    }

    [Fact]
    [Trait("Category", "Packaging")]
    public void PackedToolInstallsIntoAToolPathAndRunsCompare()
    {
        var root = CliRunner.RepositoryRoot();
        var folder = CliRunner.TempFolder();
        var packages = Path.Combine(folder, "packages");
        // The test run has built the solution in Release: pack what it built.
        var pack = Run("dotnet", $"pack HighDimSgd.Hybrid.sln -c Release --no-build -o \"{packages}\" --nologo -v q", root, 300);
        Assert.True(pack.Exit == 0, pack.Output);
        var names = Directory.GetFiles(packages, "*.nupkg").Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(["HighDimSgd.Core.0.1.0.nupkg", "HighDimSgd.Models.0.1.0.nupkg", "HighDimSgd.Simulation.0.1.0.nupkg",
            "HighDimSgd.Symbolic.0.1.0.nupkg", "HighDimSgd.Tool.0.1.0.nupkg"], names);

        var tools = Path.Combine(folder, "tools");
        var install = Run("dotnet", $"tool install HighDimSgd.Tool --version 0.1.0 --tool-path \"{tools}\" --add-source \"{packages}\" --ignore-failed-sources",
            folder, 300);
        Assert.True(install.Exit == 0, install.Output);

        var output = Path.Combine(folder, "compare");
        var compare = Run(Path.Combine(tools, "hdsgd"), $"compare --out \"{output}\"", folder, 300);
        Assert.True(compare.Exit == 0, compare.Output);
        Assert.Contains("agreement:", compare.Output);
        Assert.True(new FileInfo(Path.Combine(output, "compare.png")).Length > 10_000);
    }
}
