namespace HighDimSgd.Core.Data;

/// <summary>
/// Class statistics on disk: one binary file per key (see <see cref="RealDataLoader"/>), written to a temporary name and
/// moved into place, so a reader sees a whole file or none. A file that cannot be read is a miss, never an error.
/// </summary>
internal static class StatisticsCache
{
    private const long Magic = 0x3156_5441_4453_4448; // "HDSDATV1"

    public static DataStatistics? TryRead(string path, int dimension, int classCount)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            if (reader.ReadInt64() != Magic || reader.ReadInt32() != dimension || reader.ReadInt32() != classCount) return null;
            var d = dimension;
            var labels = Ints(reader, classCount);
            var counts = Ints(reader, classCount);
            var center = Doubles(reader, d);
            var scale = reader.ReadDouble();
            var eigenvalues = Doubles(reader, d);
            var basis = Doubles(reader, d * d);
            var means = Enumerable.Range(0, classCount).Select(_ => Doubles(reader, d)).ToArray();
            var covariances = Enumerable.Range(0, classCount).Select(_ => Doubles(reader, d * d)).ToArray();
            return reader.BaseStream.Position == reader.BaseStream.Length
                ? new DataStatistics(d, labels, counts, center, scale, eigenvalues, basis, means, covariances)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Stores <paramref name="statistics"/>; a cache that cannot be written only costs the next run a recomputation.</summary>
    public static void Write(string path, DataStatistics statistics)
    {
        CacheFolder.WriteAtomically(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(statistics.Dimension);
            writer.Write(statistics.ClassCount);
            foreach (var v in statistics.ClassLabels) writer.Write(v);
            foreach (var v in statistics.Counts) writer.Write(v);
            Write(writer, statistics.Center);
            writer.Write(statistics.Scale);
            Write(writer, statistics.PooledEigenvalues);
            Write(writer, statistics.Basis);
            foreach (var m in statistics.Means) Write(writer, m);
            foreach (var k in statistics.Covariances) Write(writer, k);
        });
    }

    private static void Write(BinaryWriter writer, double[] values) =>
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));

    private static double[] Doubles(BinaryReader reader, int count)
    {
        var values = new double[count];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        reader.BaseStream.ReadExactly(bytes);
        return values;
    }

    private static int[] Ints(BinaryReader reader, int count) => [.. Enumerable.Range(0, count).Select(_ => reader.ReadInt32())];
}
