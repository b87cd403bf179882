namespace HighDimSgd.Core;

/// <summary>A computation would need more memory than this process may use; its message names the setting to change.</summary>
public sealed class ResourceLimitException(string message) : Exception(message);

/// <summary>
/// Memory estimates checked before the large arrays are allocated, so that a problem too large for the machine is an
/// error naming its cause rather than an out-of-memory abort.
/// </summary>
public static class ResourceBudget
{
    /// <summary>Bytes one computation may claim: 80 % of what the GC may use (the machine's memory, or a heap limit).</summary>
    public static long AvailableBytes => (long)(0.8 * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>Throws when <paramref name="doubles"/> numbers exceed <see cref="AvailableBytes"/>; <paramref name="what"/> says what they are for.</summary>
    public static void Require(double doubles, string what)
    {
        var bytes = 8 * doubles;
        var available = AvailableBytes;
        if (bytes > available)
            throw new ResourceLimitException($"{what} need about {Format(bytes)}, more than the {Format(available)} this process may use");
    }

    /// <summary>Bytes in binary units, e.g. "3.2 GiB".</summary>
    public static string Format(double bytes) =>
        bytes >= 1 << 30 ? $"{bytes / (1 << 30):G3} GiB" : bytes >= 1 << 20 ? $"{bytes / (1 << 20):G3} MiB" : $"{bytes / 1024:G3} KiB";
}
