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

    /// <summary>
    /// Writes a cache file through a temporary name (unique per writer: processes on several machines may share the
    /// folder) moved into place, so a reader sees a whole file or none. A file that cannot be written only costs a later
    /// run the recomputation: the failure is swallowed and the temporary file removed.
    /// </summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var stream = File.Create(temporary)) write(stream);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do: a stray temporary file is never read.
            }
        }
    }
}
