using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace HighDimSgd.Core.Tests.Data;

/// <summary>Small data files in the three formats, written by the tests themselves, in a scratch folder.</summary>
internal sealed class DataFiles : IDisposable
{
    public DataFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), "hdsgd-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>An IDX file of unsigned bytes with the given shape (optionally gzipped).</summary>
    public string IdxBytes(string name, int[] shape, byte[] values, bool gzip = false)
    {
        var header = new byte[4 + 4 * shape.Length];
        header[2] = 0x08;
        header[3] = (byte)shape.Length;
        for (var k = 0; k < shape.Length; k++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * k), shape[k]);
        return Write(name, [.. header, .. values], gzip);
    }

    /// <summary>An IDX file of big-endian doubles.</summary>
    public string IdxDoubles(string name, int[] shape, double[] values)
    {
        var bytes = new byte[4 + 4 * shape.Length + 8 * values.Length];
        bytes[2] = 0x0E;
        bytes[3] = (byte)shape.Length;
        for (var k = 0; k < shape.Length; k++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * k), shape[k]);
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(4 + 4 * shape.Length + 8 * i), values[i]);
        return Write(name, bytes, gzip: false);
    }

    /// <summary>An NPY (version 1) file with descr <paramref name="descr"/> ("&lt;f4", "&lt;f8", "|u1", "&lt;i8").</summary>
    public string Npy(string name, string descr, int[] shape, double[] values)
    {
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        var length = 10 + dict.Length + 1;
        var padded = dict + new string(' ', (64 - length % 64) % 64) + "\n";
        var header = new List<byte> { 0x93 };
        header.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        header.AddRange([1, 0]);
        header.AddRange(BitConverter.GetBytes((ushort)padded.Length));
        header.AddRange(Encoding.ASCII.GetBytes(padded));
        foreach (var v in values)
        {
            header.AddRange(descr switch
            {
                "<f4" => BitConverter.GetBytes((float)v),
                "<f8" => BitConverter.GetBytes(v),
                "|u1" => [(byte)v],
                "<i8" => BitConverter.GetBytes((long)v),
                _ => throw new ArgumentException(descr),
            });
        }
        return Write(name, [.. header], gzip: false);
    }

    public string Text(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text), gzip: false);

    public string Write(string name, byte[] bytes, bool gzip)
    {
        var path = PathOf(name);
        if (gzip)
        {
            using var file = File.Create(path);
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
