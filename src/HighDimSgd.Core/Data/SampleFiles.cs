using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace HighDimSgd.Core.Data;

/// <summary>Samples as read from disk: <c>Count</c> rows of <c>Dimension</c> features (row-major) and an integer label per row.</summary>
public sealed record RawSamples(float[] Features, int[] Labels, int Count, int Dimension);

/// <summary>A data file that cannot be read: the message says what is wrong with it (the caller adds the problem file and key).</summary>
public sealed class DataFileException(string message) : Exception(message);

/// <summary>
/// Readers for the three data formats of <c>[data.source]</c>: IDX (raw or gzip), NPY (numpy's format, version 1-3) and CSV
/// (one label column, the other columns features). Every reader checks what it can and names the file in its error.
/// </summary>
public static partial class SampleFiles
{
    /// <summary>The bytes of a file, gunzipped when it starts with the gzip magic number.</summary>
    internal static byte[] ReadBytes(string path)
    {
        // The samples are held in memory (then as doubles, 8 bytes per byte for IDX): a file past half the budget cannot be used.
        var limit = ResourceBudget.AvailableBytes / 2;
        var bytes = BoundedFile.ReadAllBytes(path, limit);
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b) return bytes;
        try
        {
            using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            return BoundedFile.ReadAll(input, path + " (decompressed)", limit);
        }
        catch (InvalidDataException e)
        {
            throw new DataFileException($"{path}: damaged gzip data ({e.Message})");
        }
    }

    /// <summary>An IDX images file (any element type, two or more dimensions: rows, then features) and its labels file.</summary>
    public static RawSamples Idx(string imagesPath, string labelsPath)
    {
        var (images, imageShape) = IdxArray(imagesPath);
        if (imageShape.Length < 2)
            throw new DataFileException($"{imagesPath}: an images file needs at least two dimensions (samples and features), it has {imageShape.Length}");
        var (labels, labelShape) = IdxArray(labelsPath);
        if (labelShape.Length != 1)
            throw new DataFileException($"{labelsPath}: a labels file has one dimension, it has {labelShape.Length}");
        return Combine(imagesPath, images, imageShape, labelsPath, labels, labelShape[0]);
    }

    /// <summary>An NPY features array (two or more dimensions, C order) and an NPY labels array (one dimension, integral values).</summary>
    public static RawSamples Npy(string featuresPath, string labelsPath)
    {
        var (features, shape) = NpyArray(featuresPath);
        if (shape.Length < 2)
            throw new DataFileException($"{featuresPath}: a features array needs at least two dimensions (samples and features), it has {shape.Length}");
        var (labels, labelShape) = NpyArray(labelsPath);
        if (labelShape.Length != 1)
            throw new DataFileException($"{labelsPath}: a labels array has one dimension, it has shape ({string.Join(", ", labelShape)})");
        return Combine(featuresPath, features, shape, labelsPath, labels, labelShape[0]);
    }

    private static RawSamples Combine(string featuresPath, float[] features, int[] shape, string labelsPath, float[] labels, int labelCount)
    {
        var count = shape[0];
        if (labelCount != count)
            throw new DataFileException($"{labelsPath}: {labelCount} labels for {count} samples in {featuresPath}");
        var dimension = features.Length / Math.Max(count, 1);
        if (count == 0 || dimension == 0)
            throw new DataFileException($"{featuresPath}: no samples");
        return new RawSamples(features, Labels(labelsPath, labels), count, dimension);
    }

    private static int[] Labels(string path, IReadOnlyList<float> values)
    {
        var labels = new int[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            if (v != MathF.Round(v) || MathF.Abs(v) > 1 << 24)
                throw new DataFileException($"{path}: label {i + 1} is {v.ToString("G", CultureInfo.InvariantCulture)}, not an integer");
            labels[i] = (int)v;
        }
        return labels;
    }

    /// <summary>The values and shape of an IDX file: magic 0x00 0x00 type ndims, big-endian sizes, big-endian data.</summary>
    private static (float[] Values, int[] Shape) IdxArray(string path)
    {
        var bytes = ReadBytes(path);
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || !IdxTypes.TryGetValue(bytes[2], out var size) || bytes[3] == 0)
            throw new DataFileException($"{path}: not an IDX file (magic number {Magic(bytes)}; expected 0x0000TTNN with type TT in 08, 09, 0B, 0C, 0D, 0E)");
        var dims = bytes[3];
        var header = 4 + 4 * dims;
        if (bytes.Length < header) throw new DataFileException($"{path}: truncated IDX header");
        var shape = new int[dims];
        long total = 1;
        for (var k = 0; k < dims; k++)
        {
            shape[k] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * k));
            if (shape[k] < 0) throw new DataFileException($"{path}: negative size in the IDX header");
            total *= shape[k];
        }
        if (bytes.Length - header < total * size)
            throw new DataFileException($"{path}: truncated: the header announces {total} values ({total * size} bytes), the file holds {bytes.Length - header} bytes of data");
        var values = new float[total];
        var data = bytes.AsSpan(header);
        for (var i = 0; i < values.Length; i++)
        {
            var at = data.Slice(i * size, size);
            values[i] = (float)(bytes[2] switch
            {
                0x08 => at[0],
                0x09 => (sbyte)at[0],
                0x0B => BinaryPrimitives.ReadInt16BigEndian(at),
                0x0C => BinaryPrimitives.ReadInt32BigEndian(at),
                0x0D => BinaryPrimitives.ReadSingleBigEndian(at),
                _ => BinaryPrimitives.ReadDoubleBigEndian(at),
            });
        }
        return (values, shape);
    }

    private static readonly Dictionary<byte, int> IdxTypes = new() { [0x08] = 1, [0x09] = 1, [0x0B] = 2, [0x0C] = 4, [0x0D] = 4, [0x0E] = 8 };

    private static string Magic(byte[] bytes) =>
        "0x" + Convert.ToHexString(bytes, 0, Math.Min(4, bytes.Length)).PadRight(8, '?');

    [GeneratedRegex(@"'descr'\s*:\s*'([<>|=])([a-z])(\d+)'")]
    private static partial Regex NpyDescr();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex NpyOrder();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex NpyShape();

    /// <summary>The values and shape of an NPY file (little- or big-endian bool, integer or float arrays in C order).</summary>
    private static (float[] Values, int[] Shape) NpyArray(string path)
    {
        var bytes = ReadBytes(path);
        ReadOnlySpan<byte> magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(magic))
            throw new DataFileException($"{path}: not an NPY file (it does not start with \\x93NUMPY)");
        var major = bytes[6];
        var (headerLength, start) = major == 1
            ? (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)), 10)
            : bytes.Length >= 12 ? ((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)), 12) : (-1, 12);
        if (headerLength < 0 || bytes.Length < start + headerLength) throw new DataFileException($"{path}: truncated NPY header");
        var header = System.Text.Encoding.Latin1.GetString(bytes, start, headerLength);
        var descr = NpyDescr().Match(header);
        var order = NpyOrder().Match(header);
        var shapeText = NpyShape().Match(header);
        if (!descr.Success || !order.Success || !shapeText.Success)
            throw new DataFileException($"{path}: NPY header without descr, fortran_order or shape: {header.Trim()}");
        if (order.Groups[1].Value == "True")
            throw new DataFileException($"{path}: Fortran-ordered arrays are not supported; save it with numpy.ascontiguousarray");
        var kind = descr.Groups[2].Value[0];
        var size = int.Parse(descr.Groups[3].Value, CultureInfo.InvariantCulture);
        var bigEndian = descr.Groups[1].Value == ">";
        if (!(kind switch { 'f' => size is 4 or 8, 'i' or 'u' => size is 1 or 2 or 4 or 8, 'b' => size == 1, _ => false }))
            throw new DataFileException($"{path}: element type '{descr.Groups[1].Value}{kind}{size}' is not supported (use float32, float64 or an integer type)");
        var shape = shapeText.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
                : throw new DataFileException($"{path}: bad NPY shape ({shapeText.Groups[1].Value})")).ToArray();
        long total = shape.Aggregate(1L, (a, b) => a * b);
        var data = bytes.AsSpan(start + headerLength);
        if (data.Length < total * size)
            throw new DataFileException($"{path}: truncated: the header announces {total} values ({total * size} bytes), the file holds {data.Length} bytes of data");
        var values = new float[total];
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)NpyValue(data.Slice(i * size, size), kind, bigEndian);
        return (values, shape);
    }

    private static double NpyValue(ReadOnlySpan<byte> at, char kind, bool bigEndian) => (kind, at.Length, bigEndian) switch
    {
        ('f', 4, false) => BinaryPrimitives.ReadSingleLittleEndian(at),
        ('f', 4, true) => BinaryPrimitives.ReadSingleBigEndian(at),
        ('f', 8, false) => BinaryPrimitives.ReadDoubleLittleEndian(at),
        ('f', 8, true) => BinaryPrimitives.ReadDoubleBigEndian(at),
        ('u' or 'b', 1, _) => at[0],
        ('i', 1, _) => (sbyte)at[0],
        ('u', 2, false) => BinaryPrimitives.ReadUInt16LittleEndian(at),
        ('u', 2, true) => BinaryPrimitives.ReadUInt16BigEndian(at),
        ('i', 2, false) => BinaryPrimitives.ReadInt16LittleEndian(at),
        ('i', 2, true) => BinaryPrimitives.ReadInt16BigEndian(at),
        ('u', 4, false) => BinaryPrimitives.ReadUInt32LittleEndian(at),
        ('u', 4, true) => BinaryPrimitives.ReadUInt32BigEndian(at),
        ('i', 4, false) => BinaryPrimitives.ReadInt32LittleEndian(at),
        ('i', 4, true) => BinaryPrimitives.ReadInt32BigEndian(at),
        ('u', 8, false) => BinaryPrimitives.ReadUInt64LittleEndian(at),
        ('u', 8, true) => BinaryPrimitives.ReadUInt64BigEndian(at),
        ('i', 8, false) => BinaryPrimitives.ReadInt64LittleEndian(at),
        _ => BinaryPrimitives.ReadInt64BigEndian(at),
    };

    /// <summary>
    /// A CSV file (optionally gzipped) with one label column and numeric feature columns. A first row that is not all
    /// numbers is a header. <paramref name="labelColumn"/> is a header name or a 0-based index; null: the column named
    /// "label" when there is a header with one, else column 0.
    /// </summary>
    public static RawSamples Csv(string path, string? labelColumn)
    {
        try
        {
            return ReadCsv(path, labelColumn);
        }
        catch (CsvHelper.CsvHelperException e)
        {
            throw new DataFileException($"{path}: not a well-formed CSV file ({e.Message.Split('\n')[0].Trim()})");
        }
    }

    private static RawSamples ReadCsv(string path, string? labelColumn)
    {
        // A StreamReader drops a byte-order mark, which would otherwise stick to the first field.
        using var reader = new StreamReader(new MemoryStream(ReadBytes(path)), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        using var csv = new CsvHelper.CsvParser(reader, CultureInfo.InvariantCulture);
        if (!csv.Read()) throw new DataFileException($"{path}: empty CSV file");
        var first = csv.Record ?? [];
        var hasHeader = first.Any(field => !double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        var width = first.Length;
        if (width < 2) throw new DataFileException($"{path}: a CSV file needs a label column and at least one feature column");
        var label = LabelIndex(path, hasHeader ? first : null, labelColumn, width);
        var features = new List<float>();
        var labels = new List<float>();
        var row = hasHeader ? 1 : 0;
        var record = hasHeader ? null : first;
        while (record is not null || csv.Read())
        {
            record ??= csv.Record ?? [];
            row++;
            if (record.Length == 1 && record[0].Length == 0) { record = null; continue; }
            if (record.Length != width)
                throw new DataFileException($"{path}: row {row} has {record.Length} fields, the first row has {width}");
            for (var k = 0; k < width; k++)
            {
                if (!double.TryParse(record[k], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                    throw new DataFileException($"{path}: row {row}, column {k + 1}: '{record[k]}' is not a finite number");
                if (k == label) labels.Add((float)v);
                else features.Add((float)v);
            }
            record = null;
        }
        if (labels.Count == 0) throw new DataFileException($"{path}: no samples");
        return new RawSamples([.. features], Labels(path, [.. labels]), labels.Count, width - 1);
    }

    private static int LabelIndex(string path, string[]? header, string? labelColumn, int width)
    {
        if (labelColumn is null)
            return header is not null && Array.IndexOf(header, "label") is >= 0 and var named ? named : 0;
        if (header is not null && Array.IndexOf(header, labelColumn) is >= 0 and var index) return index;
        if (int.TryParse(labelColumn, NumberStyles.None, CultureInfo.InvariantCulture, out var column) && column < width) return column;
        throw new DataFileException(header is null
            ? $"{path}: no column '{labelColumn}': the file has no header and {width} columns (give a 0-based index)"
            : $"{path}: no column '{labelColumn}'; the header has {string.Join(", ", header)}");
    }
}
