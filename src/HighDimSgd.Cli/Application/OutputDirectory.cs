using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace HighDimSgd.Cli.Application;

/// <summary>
/// Writes a command's outputs into a hidden staging folder and moves them into place only when the command
/// succeeds, so a failed or interrupted run never leaves half-written files behind.
/// </summary>
/// <remarks>
/// The folder is held exclusively while the command runs: <c>.hdsgd.lock</c> inside it is opened with
/// <see cref="FileShare.None"/> (an advisory <c>flock</c> on Unix, released by the kernel when the process dies), so a
/// second run into the same folder is refused. Staging folders are named <c>.staging-PID-GUID</c>; whoever holds the
/// lock removes those a killed run left behind. SIGINT, SIGTERM and SIGHUP remove the staging folder and end the
/// process with 130, 143 or 129.
/// </remarks>
public sealed partial class OutputDirectory : IDisposable
{
    /// <summary>Name of the lock file inside the output folder.</summary>
    public const string LockFileName = ".hdsgd.lock";

    /// <summary>Test seam: wraps every output stream (to simulate a full disk); null in normal use.</summary>
    internal static readonly AsyncLocal<Func<Stream, Stream>?> StreamFilter = new();

    private static readonly object Registry = new();
    private static readonly List<OutputDirectory> Active = [];
    private static PosixSignalRegistration[]? _signals;

    private readonly object _gate = new();
    private readonly string _staging = "";
    private readonly bool _created;
    private FileStream? _lock;
    private bool _committed;
    private bool _abandoned;

    /// <summary>Prepares <paramref name="path"/> (created if missing), locks it and opens a staging folder in it.</summary>
    public OutputDirectory(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new UserErrorException("--out: the output folder name is empty");
        try
        {
            Path = System.IO.Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UserErrorException($"--out '{path}': not a usable folder name: {e.Message}");
        }
        try
        {
            _created = !Directory.Exists(Path);
            Directory.CreateDirectory(Path);
            _lock = Lock(Path);
            RemoveStaleStaging();
            lock (Registry)
            {
                Active.Add(this);
                _signals ??= RegisterSignals();
            }
            _staging = System.IO.Path.Combine(Path, $".staging-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(_staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Dispose();
            throw new UserErrorException($"{path}: cannot create the output folder: {e.Message}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The final folder.</summary>
    public string Path { get; }

    /// <summary>Full staging path of a file to write.</summary>
    public string File(string name) => System.IO.Path.Combine(_staging, name);

    /// <summary>Path the file will have once committed.</summary>
    public string FinalPath(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates a staged file for writing.</summary>
    public Stream Create(string name)
    {
        Stream stream = new FileStream(File(name), FileMode.Create, FileAccess.Write, FileShare.None);
        return StreamFilter.Value is { } filter ? filter(stream) : stream;
    }

    /// <summary>Writes a staged text file (UTF-8, no byte-order mark).</summary>
    public void WriteText(string name, string text)
    {
        using var stream = Create(name);
        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
        writer.Write(text);
    }

    /// <summary>Writes a CSV with a header row; numbers in invariant culture, round-trippable.</summary>
    public void WriteCsv(string name, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<double>> rows) =>
        WriteTextCsv(name, header, rows.Select(row => (IReadOnlyList<string>)[.. row.Select(Csv.Number)]));

    /// <summary>Writes a table as CSV.</summary>
    public void WriteCsv(string name, ResultTable table) => WriteCsv(name, table.Columns, table.Rows);

    /// <summary>Writes a CSV of text fields (quoted where they need it, RFC 4180) with a header row.</summary>
    public void WriteTextCsv(string name, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) =>
        WriteText(name, Csv.Format(header, rows));

    /// <summary>
    /// Runs <paramref name="write"/> (which writes the staged files) and commits. A failure to write (a full disk, a
    /// folder that went away) is reported as <c>cannot write DIR: reason</c>, with the staging folder removed. A signal
    /// that arrives meanwhile waits until the files are in place.
    /// </summary>
    public void WriteAndCommit(Action write)
    {
        ArgumentNullException.ThrowIfNull(write);
        lock (_gate)
        {
            try
            {
                write();
                CommitLocked();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                RemoveStaging();
                throw new UserErrorException($"cannot write {Path}: {e.Message}");
            }
        }
    }

    /// <summary>Moves every staged file into the folder (replacing older ones).</summary>
    public void Commit() => WriteAndCommit(() => { });

    private void CommitLocked()
    {
        foreach (var file in Directory.GetFiles(_staging))
            System.IO.File.Move(file, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(file)), overwrite: true);
        Directory.Delete(_staging, recursive: true);
        _committed = true;
    }

    /// <summary>Removes the staging folder when the command did not commit, and releases the folder.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            RemoveStaging();
            Release();
        }
    }

    private void RemoveStaging()
    {
        if (_committed || _staging.Length == 0 || !Directory.Exists(_staging)) return;
        try
        {
            Directory.Delete(_staging, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next run into this folder removes it.
        }
    }

    private void Release()
    {
        lock (Registry) Active.Remove(this);
        if (_lock is null) return;
        try
        {
            // A folder this run created and leaves empty goes too (the lock file with it, while still held).
            if (!_committed && _created && Directory.EnumerateFileSystemEntries(Path).All(e => System.IO.Path.GetFileName(e) == LockFileName))
            {
                System.IO.File.Delete(System.IO.Path.Combine(Path, LockFileName));
                Directory.Delete(Path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: an empty folder is harmless.
        }
        _lock.Dispose();
        _lock = null;
    }

    private static FileStream Lock(string folder)
    {
        var path = System.IO.Path.Combine(folder, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException) && System.IO.File.Exists(path))
        {
            var owner = Owner(folder);
            throw new UserErrorException($"output folder {folder} is in use by another hdsgd run{(owner is { } pid ? $" (pid {pid})" : "")}");
        }
    }

    /// <summary>The process whose staging folder is in <paramref name="folder"/> and still alive, when one is.</summary>
    private static int? Owner(string folder)
    {
        try
        {
            foreach (var directory in Directory.EnumerateDirectories(folder, ".staging-*"))
                if (StagingName().Match(System.IO.Path.GetFileName(directory)) is { Success: true } match &&
                    match.Groups[1].Success && int.TryParse(match.Groups[1].Value, out var pid) && Alive(pid))
                    return pid;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Holding the lock, every staging folder here is a leftover of a run that was killed: removed.</summary>
    private void RemoveStaleStaging()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path, ".staging-*"))
        {
            if (!StagingName().IsMatch(System.IO.Path.GetFileName(directory))) continue;
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for a later run.
            }
        }
    }

    /// <summary>A staging folder: <c>.staging-PID-GUID</c> (or <c>.staging-GUID</c>, from older versions).</summary>
    [GeneratedRegex("^\\.staging-(?:([0-9]+)-)?[0-9a-f]{32}$")]
    private static partial Regex StagingName();

    private static PosixSignalRegistration[] RegisterSignals()
    {
        try
        {
            return
            [
                PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, "SIGINT", 130)),
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, "SIGTERM", 143)),
                PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => OnSignal(c, "SIGHUP", 129)),
            ];
        }
        catch (Exception e) when (e is PlatformNotSupportedException or IOException)
        {
            return [];
        }
    }

    /// <summary>Removes the unfinished outputs of every open folder and ends the process with 128 + the signal.</summary>
    private static void OnSignal(PosixSignalContext context, string name, int exitCode)
    {
        OutputDirectory[] open;
        lock (Registry) open = [.. Active];
        if (open.Length == 0) return; // nothing staged: the default handling
        context.Cancel = true;
        var removed = new List<string>();
        foreach (var folder in open)
        {
            // Taken and never released: the command's thread cannot write or commit any more while the process exits.
            Monitor.Enter(folder._gate);
            if (folder._abandoned) continue;
            folder._abandoned = true;
            if (!folder._committed) removed.Add(folder.Path);
            folder.RemoveStaging();
            folder.Release();
        }
        // A progress bar may have hidden the cursor and left the line unfinished.
        if (!Console.IsErrorRedirected) Console.Error.Write("\u001b[?25h\n");
        if (removed.Count > 0) Console.Error.WriteLine($"hdsgd: interrupted by {name}; nothing was written to {string.Join(", ", removed)}");
        Environment.Exit(exitCode);
    }
}
