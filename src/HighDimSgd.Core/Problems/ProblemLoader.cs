using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;
using Tomlyn.Serialization;

namespace HighDimSgd.Core.Problems;

/// <summary>Reads a problem file (TOML) into a validated <see cref="Problem"/>; every mistake is a <see cref="ProblemFileException"/>.</summary>
public static class ProblemLoader
{
    /// <summary>Reads and validates the problem file at <paramref name="path"/>, with <paramref name="overrides"/> applied.</summary>
    public static Problem Load(string path, IReadOnlyList<ProblemOverride>? overrides = null)
    {
        string text;
        try
        {
            text = BoundedFile.ReadAllText(path, Limits.MaxProblemFileBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var detail = e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : $"cannot read the file: {e.Message}";
            throw new ProblemFileException(path, "", null, detail);
        }

        return Parse(text, path, overrides);
    }

    /// <summary>
    /// Validates problem-file text. <paramref name="sourcePath"/> names the file in messages and is the base for
    /// relative <c>file</c> paths.
    /// </summary>
    public static Problem Parse(string toml, string sourcePath, IReadOnlyList<ProblemOverride>? overrides = null) =>
        WithOverrides(toml, sourcePath, overrides, parser => parser.Problem());

    /// <summary>
    /// Reads only the sections a model derivation needs ([teacher], [student], [loss]; [data] classes for labels),
    /// so <c>hdsgd derive</c> works on a file that declares just the model.
    /// </summary>
    public static ModelSections ParseModelSections(string toml, string sourcePath, IReadOnlyList<ProblemOverride>? overrides = null) =>
        WithOverrides(toml, sourcePath, overrides, parser => parser.ModelSections());

    /// <summary>
    /// Reads the TOML, writes the overrides into it, then validates. An error at a key an override wrote names the
    /// override instead of a line of the file.
    /// </summary>
    private static T WithOverrides<T>(string toml, string sourcePath, IReadOnlyList<ProblemOverride>? overrides, Func<ProblemParser, T> parse)
    {
        var metadata = new TomlMetadataStore();
        var root = ReadToml(toml, sourcePath, metadata);
        overrides ??= [];
        foreach (var o in overrides) o.ApplyTo(root, sourcePath);
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(sourcePath)) ?? Directory.GetCurrentDirectory();
        try
        {
            return parse(new ProblemParser(new TomlSection(root, sourcePath, "", 1, metadata), baseDirectory));
        }
        catch (ProblemFileException e) when (overrides.LastOrDefault(o => o.Covers(e.Key)) is { } o)
        {
            throw new ProblemFileException($"{e.FilePath} (--set {o.Key}={o.Value.ReplaceLineEndings(" ")})", e.Key, null, e.Detail);
        }
    }

    private static TomlTable ReadToml(string toml, string sourcePath, TomlMetadataStore metadata)
    {
        // The syntax pass validates the document (duplicate keys included, which deserialisation alone accepts). Both
        // passes refuse nesting past Tomlyn's depth limit with a TomlException.
        Tomlyn.Syntax.DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(toml, sourcePath, true);
        }
        catch (TomlException e)
        {
            throw SyntaxError(sourcePath, e);
        }

        var firstError = document.Diagnostics.FirstOrDefault(d => d.Kind == Tomlyn.Syntax.DiagnosticMessageKind.Error);
        if (firstError is not null)
        {
            throw new ProblemFileException(sourcePath, "", firstError.Span.Start.Line + 1, $"TOML syntax error: {firstError.Message}");
        }

        try
        {
            var options = new TomlSerializerOptions
            {
                MetadataStore = metadata,
                SourceName = sourcePath,
                DuplicateKeyHandling = TomlDuplicateKeyHandling.Error,
            };
            return TomlSerializer.Deserialize<TomlTable>(toml, options)
                ?? throw new ProblemFileException(sourcePath, "", null, "the file is empty");
        }
        catch (TomlException e)
        {
            throw SyntaxError(sourcePath, e);
        }
    }

    private static ProblemFileException SyntaxError(string sourcePath, TomlException e)
    {
        // Tomlyn's depth message tells a programmer which option to raise; the user needs to know what is too deep.
        var detail = e.Message.Contains("maximum depth", StringComparison.OrdinalIgnoreCase)
            ? "arrays and tables are nested more than 64 levels deep"
            : e.Message;
        return new ProblemFileException(sourcePath, "", e.Line, $"TOML syntax error: {detail}");
    }
}
