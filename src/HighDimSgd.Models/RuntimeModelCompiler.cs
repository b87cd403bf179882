using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using HighDimSgd.Core.Models;
using HighDimSgd.Symbolic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace HighDimSgd.Models;

/// <summary>
/// Compiles a model given as formulas (a problem file's teacher, student and loss) into a
/// <see cref="LossModel"/>: symbolic derivation, C# emission, Roslyn compilation, instantiation.
/// Compiled types are cached by source text, so the ~1 s first compile is paid once per model per process.
/// </summary>
public static class RuntimeModelCompiler
{
    private const string Namespace = "HighDimSgd.Models.RuntimeCompiled";
    private const string ClassName = "CompiledModel";

    private static readonly ConcurrentDictionary<string, Lazy<Type>> Cache = new(StringComparer.Ordinal);
    private static readonly Lazy<MetadataReference[]> References = new(LoadReferences);

    /// <summary>Derives, emits, compiles and instantiates a model.</summary>
    /// <exception cref="FormulaException">A formula does not parse or uses a variable it may not.</exception>
    /// <exception cref="InvalidOperationException">The generated code does not compile (a bug; the message has the first diagnostics, Data["source"] the source).</exception>
    public static LossModel Compile(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Compile(ModelDerivation.Derive(spec));
    }

    /// <summary>Compiles a derivation already made (emits its C# and compiles it; cached by source).</summary>
    public static LossModel Compile(Derivation derivation)
    {
        ArgumentNullException.ThrowIfNull(derivation);
        return CompileSource(derivation.EmitCSharp(Namespace, ClassName));
    }

    /// <summary>Convenience overload with the <see cref="ModelSpec"/> fields as arguments.</summary>
    public static LossModel Compile(
        string name,
        int teacherDirections,
        int studentDirections,
        int? noiseCount,
        int labelCount,
        IReadOnlyList<string> teacherOutputs,
        IReadOnlyList<string> studentOutputs,
        string lossExpression) =>
        Compile(new ModelSpec(name, teacherDirections, studentDirections, noiseCount, labelCount, teacherOutputs.ToArray(), studentOutputs.ToArray(), lossExpression));

    /// <summary>Compiles C# source holding <c>{Namespace}.{ClassName}</c> and returns a new instance.</summary>
    internal static LossModel CompileSource(string source)
    {
        var type = Cache.GetOrAdd(source, s => new Lazy<Type>(() => CompileType(s))).Value;
        return (LossModel)Activator.CreateInstance(type)!;
    }

    private static Type CompileType(string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create(
            $"HighDimSgd.RuntimeModel.{Guid.NewGuid():N}",
            [tree],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));
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

        image.Position = 0;
        var assembly = AssemblyLoadContext.Default.LoadFromStream(image);
        return assembly.GetType($"{Namespace}.{ClassName}", throwOnError: true)!;
    }

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
