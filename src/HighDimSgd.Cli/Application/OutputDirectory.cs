namespace HighDimSgd.Cli.Application;

/// <summary>
/// Writes a command's outputs into a hidden staging folder and moves them into place only when the command
/// succeeds, so a failed or interrupted run never leaves half-written files behind.
/// </summary>
public sealed class OutputDirectory : IDisposable
{
    private readonly string _staging;
    private readonly bool _created;
    private bool _committed;

    /// <summary>Prepares <paramref name="path"/> (created if missing).</summary>
    public OutputDirectory(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        try
        {
            _created = !Directory.Exists(Path);
            Directory.CreateDirectory(Path);
            _staging = System.IO.Path.Combine(Path, $".staging-{Guid.NewGuid():N}");
            Directory.CreateDirectory(_staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"{path}: cannot create the output folder: {e.Message}");
        }
    }

    /// <summary>The final folder.</summary>
    public string Path { get; }

    /// <summary>Full staging path of a file to write.</summary>
    public string File(string name) => System.IO.Path.Combine(_staging, name);

    /// <summary>Path the file will have once committed.</summary>
    public string FinalPath(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes a CSV with a header row; numbers in invariant culture, round-trippable.</summary>
    public void WriteCsv(string name, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<double>> rows) =>
        WriteTextCsv(name, header, rows.Select(row => (IReadOnlyList<string>)[.. row.Select(Csv.Number)]));

    /// <summary>Writes a table as CSV.</summary>
    public void WriteCsv(string name, ResultTable table) => WriteCsv(name, table.Columns, table.Rows);

    /// <summary>Writes a CSV of text fields (quoted where they need it, RFC 4180) with a header row.</summary>
    public void WriteTextCsv(string name, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) =>
        System.IO.File.WriteAllText(File(name), Csv.Format(header, rows));

    /// <summary>Moves every staged file into the folder (replacing older ones).</summary>
    public void Commit()
    {
        foreach (var file in Directory.GetFiles(_staging))
            System.IO.File.Move(file, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(file)), overwrite: true);
        Directory.Delete(_staging, recursive: true);
        _committed = true;
    }

    /// <summary>Removes the staging folder when the command did not commit.</summary>
    public void Dispose()
    {
        if (_committed || !Directory.Exists(_staging)) return;
        try
        {
            Directory.Delete(_staging, recursive: true);
            if (_created && !Directory.EnumerateFileSystemEntries(Path).Any()) Directory.Delete(Path);
        }
        catch (IOException)
        {
            // Best effort: a leftover hidden folder is harmless.
        }
    }
}
