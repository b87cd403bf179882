using System.Reflection;
using System.Text.Json.Nodes;

namespace HighDimSgd.Cli.Application;

/// <summary>
/// run.json: what was run, with which versions, seeds and wall times, so a result can be reproduced. Non-finite numbers
/// (a NaN gap, an infinite ratio) are written as null.
/// </summary>
public static class RunRecord
{
    /// <summary>Writes run.json with the common fields plus <paramref name="details"/>.</summary>
    public static void Write(OutputDirectory output, string command, ProblemContext context, JsonObject details)
    {
        var record = new JsonObject
        {
            ["command"] = command,
            ["problem"] = new JsonObject
            {
                ["path"] = Path.GetFullPath(context.Problem.SourcePath),
                ["title"] = context.Problem.Title,
                ["dimension"] = context.Dimension,
                ["text"] = context.ProblemText,
                ["overrides"] = new JsonArray([.. context.Overrides.Select(o => (JsonNode)$"{o.Key}={o.Value}")]),
            },
            ["versions"] = new JsonObject
            {
                ["hdsgd"] = Version,
                ["dotnet"] = Environment.Version.ToString(),
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            },
            ["model"] = context.Model.Name,
            ["created"] = DateTimeOffset.UtcNow.ToString("O"),
        };
        foreach (var (key, value) in details) record[key] = value?.DeepClone();
        output.WriteText("run.json", JsonOutput.Format(record));
    }

    /// <summary>The tool's informational version.</summary>
    public static string Version =>
        typeof(RunRecord).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
