using System.Globalization;
using Tomlyn;
using Tomlyn.Model;

namespace HighDimSgd.Core.Problems;

/// <summary>
/// One <c>--set KEY=VALUE</c>: a dotted key of the problem file (list items as <c>name[N]</c>, 1-based, as in error
/// messages) and a value written as in TOML (<c>1.5</c>, <c>true</c>, <c>"text"</c>, <c>[1, 2]</c>,
/// <c>{ kind = "identity" }</c>); a value that is not TOML is taken as a string, so <c>schedule=adagrad-norm</c>
/// needs no quotes. It replaces the key's value (or adds the key, and any missing table on its path) before the
/// file is validated, so a wrong key or value gets the usual error.
/// </summary>
public sealed record ProblemOverride(string Key, string Value)
{
    /// <summary>The key as error messages write it (<c>data.classes[2].label</c>).</summary>
    public string Path => string.Join(".", Segments.Select(s => s.Index is int i ? $"{s.Name}[{i}]" : s.Name));

    private IReadOnlyList<(string Name, int? Index)> Segments { get; } = ParseKey(Key);

    /// <summary>Reads <c>KEY=VALUE</c>; a malformed one is a <see cref="ProblemFileException"/> naming the option.</summary>
    public static ProblemOverride Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0) throw Malformed(text, "expected KEY=VALUE");
        var key = text[..equals].Trim();
        try
        {
            return new ProblemOverride(key, text[(equals + 1)..].Trim());
        }
        catch (FormatException e)
        {
            throw Malformed(text, e.Message);
        }
    }

    private static ProblemFileException Malformed(string text, string detail) =>
        new("--set", "", null, $"'{Printable(text)}': {detail}");

    private static string Printable(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    private static List<(string Name, int? Index)> ParseKey(string key)
    {
        var segments = new List<(string, int?)>();
        foreach (var part in key.Split('.'))
        {
            var name = part;
            int? index = null;
            var open = part.IndexOf('[', StringComparison.Ordinal);
            if (open >= 0)
            {
                if (!part.EndsWith(']') || !int.TryParse(part[(open + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var i) || i < 1)
                    throw new FormatException($"'{part}': a list item is written name[N] with N >= 1");
                name = part[..open];
                index = i;
            }
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                throw new FormatException($"'{part}' is not a key (letters, digits, '-' and '_', joined by '.')");
            segments.Add((name, index));
        }
        return segments;
    }

    /// <summary>The value as a TOML value: parsed when it is TOML, a string otherwise.</summary>
    private object TomlValue()
    {
        try
        {
            var table = TomlSerializer.Deserialize<TomlTable>("value = " + Value);
            if (table is not null && table.TryGetValue("value", out var parsed)) return parsed;
        }
        catch (TomlException)
        {
            // Not TOML: a bare word such as adagrad-norm is meant as a string.
        }
        return Value;
    }

    /// <summary>Writes the override into <paramref name="root"/>, creating missing tables on the way.</summary>
    internal void ApplyTo(TomlTable root, string sourcePath)
    {
        var table = root;
        for (var k = 0; k < Segments.Count; k++)
        {
            var (name, index) = Segments[k];
            var last = k == Segments.Count - 1;
            if (last && index is null)
            {
                table[name] = TomlValue();
                return;
            }
            if (!table.TryGetValue(name, out var next))
            {
                if (index is not null) throw Error(sourcePath, $"there is no list '{name}' to take item {index} of");
                var created = new TomlTable();
                table[name] = created;
                table = created;
                continue;
            }
            if (index is int i)
            {
                var items = next switch
                {
                    TomlTableArray tables => tables.Cast<object?>().ToList(),
                    TomlArray array => [.. array],
                    _ => throw Error(sourcePath, $"'{name}' is not a list"),
                };
                if (i > items.Count) throw Error(sourcePath, $"'{name}' has {items.Count} item{(items.Count == 1 ? "" : "s")}, not {i}");
                if (last)
                {
                    if (next is TomlArray array) array[i - 1] = TomlValue();
                    else throw Error(sourcePath, $"an item of the list of tables '{name}' must be a table; set its keys instead");
                    return;
                }
                next = items[i - 1];
            }
            table = next as TomlTable ?? throw Error(sourcePath, $"'{string.Join(".", Segments.Take(k + 1).Select(s => s.Name))}' is a value, not a table");
        }
    }

    private ProblemFileException Error(string sourcePath, string detail) => new($"{sourcePath} (--set)", Path, null, detail);

    /// <summary>True when an error at <paramref name="key"/> concerns what this override wrote.</summary>
    internal bool Covers(string key) =>
        key == Path || key.StartsWith(Path + ".", StringComparison.Ordinal) || key.StartsWith(Path + "[", StringComparison.Ordinal);
}
