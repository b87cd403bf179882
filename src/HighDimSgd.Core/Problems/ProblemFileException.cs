namespace HighDimSgd.Core.Problems;

/// <summary>
/// A mistake in a problem file (or in a file it refers to). The message always names the problem file and
/// the dotted key, e.g. <c>examples/x.toml: data.spectrum.exponent: expected a number, got "abc" (line 7)</c>,
/// so that the CLI can print it as is.
/// </summary>
public sealed class ProblemFileException : Exception
{
    public ProblemFileException(string filePath, string key, int? line, string detail)
        : base(Compose(filePath, key, line, detail))
    {
        FilePath = filePath;
        Key = key;
        Line = line;
        Detail = detail;
    }

    /// <summary>The problem file as the user named it.</summary>
    public string FilePath { get; }

    /// <summary>Dotted key path, e.g. <c>data.classes[2].spectrum.kind</c> (list items are 1-based); empty for whole-file errors.</summary>
    public string Key { get; }

    /// <summary>1-based line in the problem file, when known.</summary>
    public int? Line { get; }

    /// <summary>What was wrong, without the file, key and line.</summary>
    public string Detail { get; }

    internal static ProblemFileException At(SpecLocation? location, string suffix, string detail) =>
        location is null
            ? new ProblemFileException("(problem)", suffix, null, detail)
            : new ProblemFileException(location.FilePath, Join(location.Key, suffix), location.Line, detail);

    internal static string Join(string prefix, string key) =>
        prefix.Length == 0 ? key : key.Length == 0 ? prefix : key.StartsWith('[') ? prefix + key : prefix + "." + key;

    private static string Compose(string filePath, string key, int? line, string detail)
    {
        var where = key.Length == 0 ? filePath : $"{filePath}: {key}";
        return line is int l ? $"{where}: {detail} (line {l})" : $"{where}: {detail}";
    }
}

/// <summary>Where a spectrum or weight specification was written, so that errors found while building it can name it.</summary>
public sealed record SpecLocation(string FilePath, string Key, int? Line);
