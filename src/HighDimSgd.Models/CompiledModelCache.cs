using System.Collections.Concurrent;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using System.Globalization;
using HighDimSgd.Core.Models;
using HighDimSgd.Symbolic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace HighDimSgd.Models;

/// <summary>
/// The run-time models' compiled assemblies: in memory for the process, and on disk under <see cref="Folder"/>, so
/// that a later process loads the assembly instead of running Roslyn again (1-2 s). Two kinds of file:
/// <c>KEY.model</c>, a compiled image, KEY a hash of the emitted source and of what the image depends on (the Roslyn,
/// Core and Models assemblies and the runtime); and <c>KEY.spec</c>, what a model spec resolved to (a built-in model
/// with its parameters, or the key of a compiled image), KEY a hash of the spec and of the Symbolic, Models and Core
/// assemblies, which lets a later process skip the derivation and the emission too. An upgrade changes the keys, so
/// it never loads a stale file. A file is written to a temporary name and moved into place, and holds a SHA-256 of
/// its content: one that is damaged, truncated or not ours is a miss (derived or compiled again and replaced), never
/// an error; a folder that cannot be written only costs the next process the work.
/// </summary>
public sealed class CompiledModelCache
{
    private const long ModelMagic = 0x3144_4f4d_4453_4448; // "HDSDMOD1"
    private const long SpecMagic = 0x3143_5053_4453_4448; // "HDSDSPC1"
    private const int HashBytes = 32;

    // By image key: a model recalled through its spec and one compiled from its source share the type.
    private readonly ConcurrentDictionary<string, Lazy<Type>> types = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Resolution> resolutions = new(StringComparer.Ordinal);
    private int compilations;

    /// <summary>A cache whose files live in <paramref name="folder"/> (created when first written); null: in memory only.</summary>
    public CompiledModelCache(string? folder) => Folder = folder;

    /// <summary>The process-wide cache, in <c>models</c> under <see cref="Core.CacheFolder.Default"/>.</summary>
    public static CompiledModelCache Default { get; } = new(Path.Combine(Core.CacheFolder.Default(), "models"));

    /// <summary>Where compiled models are stored; null when only in memory.</summary>
    public string? Folder { get; }

    /// <summary>How many times this cache has run Roslyn (neither memory nor disk had the model).</summary>
    public int Compilations => Volatile.Read(ref compilations);

    /// <summary>The type <paramref name="className"/> in <paramref name="ns"/> that <paramref name="source"/> defines, compiled at most once.</summary>
    /// <exception cref="InvalidOperationException">The source does not compile (the message has the first diagnostics, Data["source"] the source).</exception>
    public Type TypeOf(string source, string ns, string className) => TypeOf(source, ns, className, out _);

    /// <summary>As <see cref="TypeOf(string, string, string)"/>; <paramref name="key"/> names the image for <see cref="RecallType"/>.</summary>
    public Type TypeOf(string source, string ns, string className, out string key)
    {
        var typeName = $"{ns}.{className}";
        var imageKey = ImageKey(source, typeName);
        key = imageKey;
        return types.GetOrAdd(imageKey, _ => new Lazy<Type>(() => Obtain(source, typeName, imageKey))).Value;
    }

    /// <summary>The type of the image <paramref name="key"/> from memory or disk, or null when neither has it (never compiles).</summary>
    public Type? RecallType(string key, string ns, string className)
    {
        if (types.TryGetValue(key, out var known)) return known.Value;
        var typeName = $"{ns}.{className}";
        if (Folder is null || !IsKey(key) || TryRead(Path.Combine(Folder, key + ".model"), ModelMagic) is not { } image ||
            TryLoad(image, AssemblyName(key), typeName) is not { } type)
        {
            return null;
        }

        return types.GetOrAdd(key, new Lazy<Type>(type)).Value;
    }

    /// <summary>What <paramref name="spec"/> resolved to in this process or an earlier one, or null.</summary>
    public Resolution? Recall(ModelSpec spec)
    {
        var key = SpecKey(spec);
        if (resolutions.TryGetValue(key, out var known)) return known;
        if (Folder is null || TryRead(Path.Combine(Folder, key + ".spec"), SpecMagic) is not { } bytes ||
            Resolution.Parse(Encoding.UTF8.GetString(bytes)) is not { } found)
        {
            return null;
        }

        return resolutions.GetOrAdd(key, found);
    }

    /// <summary>Stores what <paramref name="spec"/> resolved to, for this process and later ones.</summary>
    public void Remember(ModelSpec spec, Resolution resolution)
    {
        var key = SpecKey(spec);
        resolutions[key] = resolution;
        if (Folder is not null) Write(Path.Combine(Folder, key + ".spec"), SpecMagic, Encoding.UTF8.GetBytes(resolution.ToString()));
    }

    private Type Obtain(string source, string typeName, string key)
    {
        var assemblyName = AssemblyName(key);
        var path = Folder is null ? null : Path.Combine(Folder, key + ".model");
        if (path is not null && TryRead(path, ModelMagic) is { } cached && TryLoad(cached, assemblyName, typeName) is { } type) return type;
        var image = Compile(source, assemblyName);
        if (path is not null) Write(path, ModelMagic, image);
        return TryLoad(image, assemblyName, typeName)
               ?? throw new InvalidOperationException($"the compiled model lacks the type {typeName} (a bug in the code generator)");
    }

    private static string AssemblyName(string key) => $"HighDimSgd.RuntimeModel.{key}";

    private static bool IsKey(string key) => key.Length == 2 * HashBytes && key.All(char.IsAsciiHexDigitLower);

    /// <summary>SHA-256 (hex) of the spec and the identities of the code that derives, matches and emits it.</summary>
    private static string SpecKey(ModelSpec spec)
    {
        var text = new StringBuilder("hdsgd model spec 1\n")
            .Append(typeof(ModelDerivation).Assembly.ManifestModule.ModuleVersionId).Append('\n')
            .Append(typeof(CompiledModelCache).Assembly.ManifestModule.ModuleVersionId).Append('\n')
            .Append(typeof(LossModel).Assembly.ManifestModule.ModuleVersionId).Append('\n');
        // Every field length-prefixed, so that no two specs give the same text.
        void Field(string? value) => text.Append(value?.Length ?? -1).Append(':').Append(value).Append('\n');
        Field(spec.Name);
        Field(spec.TeacherDirections.ToString(CultureInfo.InvariantCulture));
        Field(spec.StudentDirections.ToString(CultureInfo.InvariantCulture));
        Field(spec.NoiseCount?.ToString(CultureInfo.InvariantCulture));
        Field(spec.LabelCount.ToString(CultureInfo.InvariantCulture));
        foreach (var list in new[] { spec.TeacherOutputs ?? [], spec.StudentOutputs ?? [] })
        {
            Field(list.Length.ToString(CultureInfo.InvariantCulture));
            foreach (var formula in list) Field(formula);
        }

        Field(spec.LossExpression);
        foreach (var p in spec.Parameters ?? []) Field(p.ToString("R", CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>SHA-256 (hex) of the source, the type's name and the identities of what the compiled image depends on.</summary>
    private static string ImageKey(string source, string typeName)
    {
        // The Roslyn version as Models was built against it: reading it from the reference does not load Roslyn.
        var roslyn = typeof(CompiledModelCache).Assembly.GetReferencedAssemblies()
            .FirstOrDefault(a => a.Name == "Microsoft.CodeAnalysis.CSharp")?.FullName;
        var text = string.Join("\n",
            "hdsgd compiled model 1",
            roslyn,
            typeof(LossModel).Assembly.ManifestModule.ModuleVersionId,
            typeof(CompiledModelCache).Assembly.ManifestModule.ModuleVersionId,
            Environment.Version,
            typeName,
            source);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The content stored in <paramref name="path"/>, or null when there is none or it is not whole.</summary>
    private static byte[]? TryRead(string path, long magic)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length <= sizeof(long) + HashBytes || BitConverter.ToInt64(bytes, 0) != magic) return null;
            var image = bytes.AsSpan(sizeof(long) + HashBytes);
            return SHA256.HashData(image).AsSpan().SequenceEqual(bytes.AsSpan(sizeof(long), HashBytes)) ? image.ToArray() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Write(string path, long magic, byte[] content) =>
        Core.CacheFolder.WriteAtomically(path, stream =>
        {
            stream.Write(BitConverter.GetBytes(magic));
            stream.Write(SHA256.HashData(content));
            stream.Write(content);
        });

    /// <summary>The model type from an image, or null when the image is not the assembly expected.</summary>
    private static Type? TryLoad(byte[] image, string assemblyName, string typeName)
    {
        try
        {
            // A context of its own per image: a rejected image cannot block the compiled one that replaces it (same
            // name); Core and Models resolve from the default context, so the type is a LossModel there.
            var context = new AssemblyLoadContext(assemblyName);
            var assembly = context.LoadFromStream(new MemoryStream(image));
            if (assembly.GetName().Name != assemblyName) return null;
            var type = assembly.GetType(typeName, throwOnError: false);
            return type is not null && type.IsSubclassOf(typeof(LossModel)) ? type : null;
        }
        catch (Exception e) when (e is BadImageFormatException or IOException)
        {
            return null;
        }
    }

    private byte[] Compile(string source, string assemblyName)
    {
        Interlocked.Increment(ref compilations);
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [tree],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable, deterministic: true));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
        {
            // The first few diagnostics only; the source (large, and holding the model's escaped name) goes in Data.
            var diagnostics = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5).Select(d => d.ToString());
            throw new InvalidOperationException(
                "generated model code failed to compile (a bug in the code generator): " + string.Join("; ", diagnostics))
            {
                Data = { ["source"] = source },
            };
        }

        return image.ToArray();
    }

    private static readonly Lazy<MetadataReference[]> References = new(LoadReferences);

    /// <summary>The framework (trusted platform assemblies) plus Core and Models, which generated code uses.</summary>
    private static MetadataReference[] LoadReferences()
    {
        var platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var own = new[] { typeof(LossModel).Assembly.Location, typeof(SpecialFunctions).Assembly.Location };
        return platform.Concat(own)
            .Where(path => path.Length > 0 && File.Exists(path))
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();
    }
}

/// <summary>What a model spec resolved to: a built-in model with its parameters, or a compiled image's key.</summary>
public sealed record Resolution(string? BuiltIn, IReadOnlyList<double> Parameters, string? ImageKey)
{
    /// <summary>A built-in model with these parameter values.</summary>
    public static Resolution ForBuiltIn(string name, IReadOnlyList<double> parameters) => new(name, parameters, null);

    /// <summary>A model compiled at run time, stored under this key.</summary>
    public static Resolution ForImage(string key) => new(null, [], key);

    /// <summary>One line per field: "built-in", the name and the parameters (round-trip format), or "compiled" and the key.</summary>
    public override string ToString() =>
        BuiltIn is { } name
            ? string.Join("\n", ["built-in", name, .. Parameters.Select(p => p.ToString("R", CultureInfo.InvariantCulture))])
            : "compiled\n" + ImageKey;

    /// <summary>The resolution that <see cref="ToString"/> wrote, or null for any other text.</summary>
    public static Resolution? Parse(string text)
    {
        var lines = text.Split('\n');
        if (lines is ["compiled", var key]) return ForImage(key);
        if (lines.Length < 2 || lines[0] != "built-in" || !BuiltInModels.Contains(lines[1])) return null;
        var values = new List<double>();
        foreach (var line in lines.Skip(2))
        {
            if (!double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v)) return null;
            values.Add(v);
        }

        return ForBuiltIn(lines[1], values);
    }
}
