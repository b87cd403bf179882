using System.Buffers.Binary;

namespace HighDimSgd.Cli.Tests.Plotting;

/// <summary>Checks on written figures that do not depend on the plotting library's own code.</summary>
internal static class ImageFileAssertions
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Asserts the PNG signature and returns the size recorded in its IHDR chunk.</summary>
    public static (int Width, int Height) AssertPng(string path)
    {
        Assert.True(File.Exists(path), $"missing {path}");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} is suspiciously small ({bytes.Length} bytes)");
        Assert.Equal(PngSignature, bytes[..8]);
        // The first chunk is IHDR: length (4), type (4), then width and height as big-endian int32.
        Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    public static string AssertSvg(string path)
    {
        Assert.True(File.Exists(path), $"missing {path}");
        string text = File.ReadAllText(path);
        Assert.Contains("<svg", text);
        Assert.EndsWith("</svg>", text.TrimEnd());
        return text;
    }
}

/// <summary>A scratch directory removed after the test.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory() =>
        Path = Directory.CreateTempSubdirectory("hdsgd-plot-tests-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
