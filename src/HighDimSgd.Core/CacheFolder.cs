namespace HighDimSgd.Core;

/// <summary>Where HighDimSgd keeps what it can recompute (sweep results, data statistics).</summary>
public static class CacheFolder
{
    /// <summary>
    /// $HDSGD_CACHE, else $XDG_CACHE_HOME/hdsgd, else ~/.cache/hdsgd. A Slurm sweep needs one that the compute nodes share.
    /// </summary>
    public static string Default()
    {
        if (Environment.GetEnvironmentVariable("HDSGD_CACHE") is { Length: > 0 } explicitPath) return explicitPath;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "hdsgd");
    }
}
