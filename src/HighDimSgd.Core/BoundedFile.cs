using System.Text;

namespace HighDimSgd.Core;

/// <summary>A file too large for what reads it (or one that never ends, such as <c>/dev/zero</c>).</summary>
public sealed class FileTooLargeException(string path, long limit)
    : IOException($"{path} is larger than {ResourceBudget.Format(limit)}, the most this reader takes");

/// <summary>
/// Reads files with a size limit, counting the bytes as they arrive rather than trusting the reported length, so that a
/// device or pipe that never ends is refused instead of filling memory.
/// </summary>
public static class BoundedFile
{
    /// <summary>The bytes of <paramref name="path"/>; throws <see cref="FileTooLargeException"/> past <paramref name="limit"/>.</summary>
    public static byte[] ReadAllBytes(string path, long limit)
    {
        using var stream = Open(path, limit);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>All of <paramref name="stream"/>, at most <paramref name="limit"/> bytes (<paramref name="name"/> names it in the error).</summary>
    public static byte[] ReadAll(Stream stream, string name, long limit)
    {
        using var limited = new LimitedStream(stream, name, Math.Min(limit, Array.MaxLength));
        using var buffer = new MemoryStream();
        limited.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>The text of <paramref name="path"/> (UTF-8, a byte-order mark honoured); at most <paramref name="limit"/> bytes.</summary>
    public static string ReadAllText(string path, long limit)
    {
        using var reader = OpenText(path, limit);
        return reader.ReadToEnd();
    }

    /// <summary>A reader of <paramref name="path"/> that throws <see cref="FileTooLargeException"/> once <paramref name="limit"/> bytes are passed.</summary>
    public static StreamReader OpenText(string path, long limit) =>
        new(Open(path, limit), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);

    private static LimitedStream Open(string path, long limit) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), path, Math.Min(limit, Array.MaxLength));

    /// <summary>A read-only view of a stream that fails past a byte count.</summary>
    private sealed class LimitedStream(Stream inner, string name, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, (int)Math.Min(count, limit - _read + 1));
            _read += n;
            return _read > limit ? throw new FileTooLargeException(name, limit) : n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
