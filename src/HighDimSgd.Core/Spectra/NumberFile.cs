using System.Globalization;
using HighDimSgd.Core.Problems;

namespace HighDimSgd.Core.Spectra;

/// <summary>Reads a column of numbers (one per line; blank lines and <c>#</c> comments skipped) for <c>file =</c> keys.</summary>
internal static class NumberFile
{
    public static double[] Read(string relativePath, string baseDirectory, SpecLocation? location)
    {
        var path = Path.GetFullPath(Path.Combine(baseDirectory, relativePath));
        var numbers = new List<double>();
        try
        {
            using var reader = BoundedFile.OpenText(path, Limits.MaxNumberFileBytes);
            var buffer = new System.Text.StringBuilder();
            var lineNumber = 0;
            while (ReadLine(reader, buffer, relativePath, lineNumber + 1, location) is { } line)
            {
                lineNumber++;
                var text = line.Split('#')[0].Trim().TrimEnd(',');
                if (text.Length == 0)
                {
                    continue;
                }

                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    throw ProblemFileException.At(location, "file", $"{relativePath} line {lineNumber}: expected one finite number, got \"{Shorten(text)}\"");
                }

                if (numbers.Count == Limits.MaxDimension)
                {
                    throw ProblemFileException.At(location, "file", $"{relativePath} has more than {Limits.MaxDimension:N0} numbers, the largest dimension");
                }

                numbers.Add(value);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var detail = e is FileNotFoundException or DirectoryNotFoundException ? $"file not found: {path}" : $"cannot read {path}: {e.Message}";
            throw ProblemFileException.At(location, "file", detail);
        }

        return [.. numbers];
    }

    // A line of a binary file can be megabytes long; the error quotes its start.
    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    // A number with its comment fits in far less; a longer line means the file is not a number column (a binary file, or
    // a device such as /dev/zero), and reading it whole could take gigabytes.
    private const int MaxLineLength = 4096;

    /// <summary>The next line, or null at the end; throws past <see cref="MaxLineLength"/> characters.</summary>
    private static string? ReadLine(TextReader reader, System.Text.StringBuilder line, string relativePath, int lineNumber, SpecLocation? location)
    {
        line.Clear();
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n') return line.ToString();
            if (c == '\r') continue;
            if (line.Length == MaxLineLength)
                throw ProblemFileException.At(location, "file", $"{relativePath} line {lineNumber} is longer than {MaxLineLength} characters: not one number per line");
            line.Append((char)c);
        }
        return line.Length > 0 ? line.ToString() : null;
    }

    public static double[] RequireLength(double[] values, int dimension, SpecLocation? location, string key, string what)
    {
        return values.Length == dimension
            ? values
            : throw ProblemFileException.At(location, key, $"{what} has {values.Length} numbers but the dimension is {dimension}");
    }
}
