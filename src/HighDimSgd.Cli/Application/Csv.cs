using System.Globalization;
using System.Text;

namespace HighDimSgd.Cli.Application;

/// <summary>
/// CSV text in the RFC 4180 form: fields with a comma, a quote or a line break are quoted, quotes doubled; numbers
/// round-trip in invariant culture. Reading takes the same form back (for cached sweep results).
/// </summary>
public static class Csv
{
    /// <summary>A number as a field.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A text field, quoted when it must be.</summary>
    public static string Field(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A whole file: header and rows, one line each.</summary>
    public static string Format(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', header.Select(Field))).Append('\n');
        foreach (var row in rows) sb.Append(string.Join(',', row.Select(Field))).Append('\n');
        return sb.ToString();
    }

    /// <summary>Splits CSV text into records of fields (quoted fields may hold commas, quotes and line breaks).</summary>
    public static List<List<string>> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var any = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') field.Append(text[++i]);
                else quoted = false;
                continue;
            }
            switch (c)
            {
                case '"':
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    record.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    record.Add(field.ToString());
                    field.Clear();
                    records.Add(record);
                    record = [];
                    any = false;
                    break;
                default:
                    field.Append(c);
                    any = true;
                    break;
            }
        }
        if (any || field.Length > 0)
        {
            record.Add(field.ToString());
            records.Add(record);
        }
        return records;
    }
}
