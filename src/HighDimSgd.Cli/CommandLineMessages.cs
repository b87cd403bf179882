using System.Text;
using System.Text.RegularExpressions;

namespace HighDimSgd.Cli;

/// <summary>Error text as a user reads it: one line, and no .NET type names.</summary>
internal static partial class CommandLineMessages
{
    /// <summary>
    /// <paramref name="message"/> on one line: user text quoted in a message (a title, a key, a formula) may hold line breaks
    /// or other control characters, which are written as escapes so that the error stays one line.
    /// </summary>
    public static string OneLine(string message)
    {
        var builder = new StringBuilder(message.Length);
        foreach (var c in message)
        {
            if (c == '\n') builder.Append("\\n");
            else if (c == '\r') builder.Append("\\r");
            else if (c == '\t') builder.Append("\\t");
            else if (char.IsControl(c) || c is '\u2028' or '\u2029') builder.Append($"\\u{(int)c:X4}");
            else builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>A System.CommandLine parse error with the expected .NET type written as what to type.</summary>
    public static string Plain(string message) => ExpectedType().Replace(message, m => ": expected " + Describe(m.Groups["type"].Value));

    private static string Describe(string type) => type switch
    {
        _ when type.Contains("Int32") || type.Contains("Int64") || type.Contains("UInt") => "an integer",
        _ when type.Contains("Double") || type.Contains("Single") || type.Contains("Decimal") => "a number",
        _ when type.Contains("Boolean") => "true or false",
        _ => "a value of another form",
    };

    [GeneratedRegex(@"\s*as expected type '(?<type>[^']+)'")]
    private static partial Regex ExpectedType();
}
