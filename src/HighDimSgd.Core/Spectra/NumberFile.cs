using System.Globalization;
using HighDimSgd.Core.Problems;

namespace HighDimSgd.Core.Spectra;

/// <summary>Reads a column of numbers (one per line; blank lines and <c>#</c> comments skipped) for <c>file =</c> keys.</summary>
internal static class NumberFile
{
    public static double[] Read(string relativePath, string baseDirectory, SpecLocation? location)
    {
        var path = Path.GetFullPath(Path.Combine(baseDirectory, relativePath));
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var detail = e is FileNotFoundException or DirectoryNotFoundException ? $"file not found: {path}" : $"cannot read {path}: {e.Message}";
            throw ProblemFileException.At(location, "file", detail);
        }

        var numbers = new List<double>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].Split('#')[0].Trim().TrimEnd(',');
            if (text.Length == 0)
            {
                continue;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                throw ProblemFileException.At(location, "file", $"{relativePath} line {i + 1}: expected one finite number, got \"{text}\"");
            }

            numbers.Add(value);
        }

        return [.. numbers];
    }

    public static double[] RequireLength(double[] values, int dimension, SpecLocation? location, string key, string what)
    {
        return values.Length == dimension
            ? values
            : throw ProblemFileException.At(location, key, $"{what} has {values.Length} numbers but the dimension is {dimension}");
    }
}
