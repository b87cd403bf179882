using System.Globalization;
using Tomlyn.Model;
using Tomlyn.Serialization;

namespace HighDimSgd.Core.Problems;

/// <summary>
/// Typed, validating access to one TOML table of a problem file. Every failure is a
/// <see cref="ProblemFileException"/> naming the file, the dotted key and, when Tomlyn recorded it, the line.
/// </summary>
internal sealed class TomlSection
{
    private readonly TomlTable _table;
    private readonly TomlMetadataStore _metadata;

    public TomlSection(TomlTable table, string filePath, string path, int? line, TomlMetadataStore metadata)
    {
        _table = table;
        FilePath = filePath;
        Path = path;
        Line = line;
        _metadata = metadata;
    }

    public string FilePath { get; }

    /// <summary>Dotted path of this table; empty for the document root.</summary>
    public string Path { get; }

    /// <summary>Line of the table header or first key, when known.</summary>
    public int? Line { get; }

    public string KeyPath(string key) => ProblemFileException.Join(Path, key);

    public bool Has(string key) => _table.ContainsKey(key);

    public SpecLocation Location(string key) => new(FilePath, KeyPath(key), LineOf(key) ?? Line);

    public SpecLocation SelfLocation => new(FilePath, Path, Line);

    public int? LineOf(string key)
    {
        if (_metadata.TryGetProperties(_table, out var properties) && properties is not null
            && properties.TryGetProperty(key, out var property) && property?.Span is { } span)
        {
            return span.Start.Line + 1;
        }

        return null;
    }

    public ProblemFileException Error(string key, string detail) =>
        new(FilePath, KeyPath(key), key.Length == 0 ? Line : LineOf(key) ?? Line, detail);

    /// <summary>Rejects every key not in <paramref name="known"/>, suggesting the closest known key.</summary>
    public void RequireKnownKeys(IReadOnlyCollection<string> known, string? context = null)
    {
        foreach (var key in _table.Keys)
        {
            if (known.Contains(key))
            {
                continue;
            }

            var suggestion = KeySuggestions.Closest(key, known);
            var hint = suggestion is null ? "" : $" (did you mean '{suggestion}'?)";
            var where = context is null ? "" : $" for {context}";
            throw Error(key, $"unknown key{where}{hint}; known keys: {string.Join(", ", known)}");
        }
    }

    public object Required(string key) =>
        _table.TryGetValue(key, out var value) && value is not null ? value : throw Error(key, "missing required key");

    public double RequiredNumber(string key) => ToNumber(key, Required(key));

    public double Number(string key, double fallback) => Has(key) ? RequiredNumber(key) : fallback;

    public double? OptionalNumber(string key) => Has(key) ? RequiredNumber(key) : null;

    public int RequiredInteger(string key) => ToInteger(key, Required(key));

    public int Integer(string key, int fallback) => Has(key) ? RequiredInteger(key) : fallback;

    public int? OptionalInteger(string key) => Has(key) ? RequiredInteger(key) : null;

    public long Long(string key, long fallback) => Has(key) ? ToLong(key, Required(key)) : fallback;

    public string RequiredString(string key) =>
        Required(key) is string text ? text : throw Error(key, $"expected a string, got {Describe(_table[key])}");

    public string? OptionalString(string key) => Has(key) ? RequiredString(key) : null;

    public bool Boolean(string key, bool fallback)
    {
        if (!Has(key))
        {
            return fallback;
        }

        return Required(key) is bool flag ? flag : throw Error(key, $"expected true or false, got {Describe(_table[key])}");
    }

    /// <summary>A string that must be one of <paramref name="choices"/>; returns its index.</summary>
    public int Choice(string key, IReadOnlyList<string> choices, string? fallback)
    {
        if (!Has(key) && fallback is not null)
        {
            return IndexOf(choices, fallback);
        }

        var text = RequiredString(key);
        var index = IndexOf(choices, text);
        if (index >= 0)
        {
            return index;
        }

        var suggestion = KeySuggestions.Closest(text, choices);
        var hint = suggestion is null ? "" : $" (did you mean \"{suggestion}\"?)";
        throw Error(key, $"unknown value \"{text}\"{hint}; expected one of: {string.Join(", ", choices)}");
    }

    public TomlSection RequiredTable(string key) =>
        Required(key) is TomlTable table
            ? Child(table, KeyPath(key), LineOf(key))
            : throw Error(key, $"expected a table, got {Describe(_table[key])}");

    public TomlSection? OptionalTable(string key) => Has(key) ? RequiredTable(key) : null;

    /// <summary>A list of tables, written as <c>[[key]]</c> or as an inline array <c>key = [ {...}, {...} ]</c>.</summary>
    public IReadOnlyList<TomlSection> TableList(string key)
    {
        var value = Required(key);
        var items = value switch
        {
            TomlTableArray tables => tables.Cast<object?>().ToList(),
            TomlArray array => array.ToList(),
            TomlTable => throw Error(key, "expected a list of tables, got a single table (write [[...]] or [ {...} ])"),
            _ => throw Error(key, $"expected a list of tables, got {Describe(value)}"),
        };

        var sections = new List<TomlSection>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{KeyPath(key)}[{i + 1}]";
            if (items[i] is not TomlTable table)
            {
                throw new ProblemFileException(FilePath, path, LineOf(key), $"expected a table, got {Describe(items[i])}");
            }

            sections.Add(Child(table, path, null, LineOf(key)));
        }

        return sections;
    }

    public IReadOnlyList<double> NumberList(string key)
    {
        var array = Array(key);
        var numbers = new double[array.Count];
        for (var i = 0; i < numbers.Length; i++)
        {
            numbers[i] = ToNumber($"{key}[{i + 1}]", array[i], LineOf(key));
        }

        return numbers;
    }

    public IReadOnlyList<int> IntegerList(string key)
    {
        var array = Array(key);
        var numbers = new int[array.Count];
        for (var i = 0; i < numbers.Length; i++)
        {
            numbers[i] = ToInteger($"{key}[{i + 1}]", array[i], LineOf(key));
        }

        return numbers;
    }

    /// <summary>One string or a non-empty list of strings.</summary>
    public IReadOnlyList<string> StringOrStringList(string key)
    {
        var value = Required(key);
        if (value is string single)
        {
            return [single];
        }

        if (value is not TomlArray array)
        {
            throw Error(key, $"expected a string or a list of strings, got {Describe(value)}");
        }

        if (array.Count == 0)
        {
            throw Error(key, "expected at least one string, got an empty list");
        }

        var strings = new string[array.Count];
        for (var i = 0; i < strings.Length; i++)
        {
            strings[i] = array[i] as string
                ?? throw new ProblemFileException(FilePath, $"{KeyPath(key)}[{i + 1}]", LineOf(key), $"expected a string, got {Describe(array[i])}");
        }

        return strings;
    }

    public IReadOnlyList<string> StringList(string key)
    {
        var value = Required(key);
        if (value is not TomlArray array)
        {
            throw Error(key, $"expected a list of strings, got {Describe(value)}");
        }

        var strings = new string[array.Count];
        for (var i = 0; i < strings.Length; i++)
        {
            strings[i] = array[i] as string
                ?? throw new ProblemFileException(FilePath, $"{KeyPath(key)}[{i + 1}]", LineOf(key), $"expected a string, got {Describe(array[i])}");
        }

        return strings;
    }

    /// <summary>The keys of this table in file order, with a section for each table-valued entry.</summary>
    public IEnumerable<string> Keys => _table.Keys;

    public static string Describe(object? value) => value switch
    {
        null => "nothing",
        string text => $"\"{text}\"",
        bool flag => flag ? "true" : "false",
        long integer => integer.ToString(CultureInfo.InvariantCulture),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        TomlTable => "a table",
        TomlTableArray => "a list of tables",
        TomlArray => "a list",
        _ => value.ToString() ?? value.GetType().Name,
    };

    private TomlArray Array(string key) =>
        Required(key) as TomlArray ?? throw Error(key, $"expected a list of numbers, got {Describe(_table[key])}");

    private TomlSection Child(TomlTable table, string path, int? line, int? fallbackLine = null) =>
        new(table, FilePath, path, line ?? FirstLine(table) ?? fallbackLine, _metadata);

    private int? FirstLine(TomlTable table)
    {
        if (!_metadata.TryGetProperties(table, out var properties) || properties is null)
        {
            return null;
        }

        int? first = null;
        foreach (var key in table.Keys)
        {
            if (properties.TryGetProperty(key, out var property) && property?.Span is { } span)
            {
                var line = span.Start.Line + 1;
                first = first is int f ? Math.Min(f, line) : line;
            }
        }

        return first;
    }

    private double ToNumber(string key, object? value, int? line = null)
    {
        var number = value switch
        {
            long integer => integer,
            double real => real,
            _ => throw At(key, line, $"expected a number, got {Describe(value)}"),
        };
        return double.IsFinite(number) ? number : throw At(key, line, $"expected a finite number, got {Describe(value)}");
    }

    private int ToInteger(string key, object? value, int? line = null)
    {
        var integer = ToLong(key, value, line);
        return integer is >= int.MinValue and <= int.MaxValue
            ? (int)integer
            : throw At(key, line, $"integer {integer} is out of range");
    }

    private long ToLong(string key, object? value, int? line = null) =>
        value is long integer ? integer : throw At(key, line, $"expected an integer, got {Describe(value)}");

    private ProblemFileException At(string key, int? line, string detail) =>
        new(FilePath, KeyPath(key), line ?? LineOf(key) ?? Line, detail);

    private static int IndexOf(IReadOnlyList<string> choices, string text)
    {
        for (var i = 0; i < choices.Count; i++)
        {
            if (choices[i] == text)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>Suggests the known key closest to a misspelt one.</summary>
internal static class KeySuggestions
{
    public static string? Closest(string key, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = EditDistance(key, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        // Beyond a third of the word the "suggestion" is just another key, which misleads more than it helps.
        return best is not null && bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
