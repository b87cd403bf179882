using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace HighDimSgd.Cli.Application;

/// <summary>
/// Every CSV the tool writes or reads back, through CsvHelper: RFC 4180 quoting (a field with a comma, a quote or a
/// line break is quoted, quotes doubled), '\n' line ends, numbers that round-trip in invariant culture.
/// </summary>
public static class Csv
{
    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture)
    {
        NewLine = "\n",
        HasHeaderRecord = false,
    };

    /// <summary>
    /// A number as a field: shortest round-trip form in invariant culture; the non-finite values as <c>NaN</c>,
    /// <c>Infinity</c> and <c>-Infinity</c> (what .NET's double.Parse, Python's float and numpy read back).
    /// </summary>
    public static string Number(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Infinity"
        : double.IsNegativeInfinity(value) ? "-Infinity"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A whole file: header and rows, one record each.</summary>
    public static string Format(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var writer = new CsvWriter(text, Configuration))
        {
            foreach (var field in header) writer.WriteField(field);
            writer.NextRecord();
            foreach (var row in rows)
            {
                foreach (var field in row) writer.WriteField(field);
                writer.NextRecord();
            }
        }
        return text.ToString();
    }

    /// <summary>Splits CSV text into records of fields (quoted fields may hold commas, quotes and line breaks).</summary>
    public static List<List<string>> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<List<string>>();
        using var reader = new StringReader(text);
        using var parser = new CsvParser(reader, Configuration);
        while (parser.Read()) records.Add([.. parser.Record ?? []]);
        return records;
    }
}
