using HighDimSgd.Core.Models;
using HighDimSgd.Symbolic;

namespace HighDimSgd.Models;

/// <summary>
/// Compiles a model given as formulas (a problem file's teacher, student and loss) into a
/// <see cref="LossModel"/>: symbolic derivation, C# emission, Roslyn compilation, instantiation.
/// Compiled types are cached by source text, in the process and on disk (<see cref="CompiledModelCache.Default"/>),
/// so the 1-2 s compile is paid once per model, not once per process.
/// </summary>
public static class RuntimeModelCompiler
{
    private const string Namespace = "HighDimSgd.Models.RuntimeCompiled";
    private const string ClassName = "CompiledModel";

    /// <summary>Derives, emits, compiles and instantiates a model.</summary>
    /// <exception cref="FormulaException">A formula does not parse or uses a variable it may not.</exception>
    /// <exception cref="InvalidOperationException">The generated code does not compile (a bug; the message has the first diagnostics, Data["source"] the source).</exception>
    public static LossModel Compile(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Compile(ModelDerivation.Derive(spec));
    }

    /// <summary>
    /// The model of <paramref name="spec"/>: the checked-in class of a built-in model when the derived loss is its formula
    /// (up to the card's parameters, which the instance is given), otherwise compiled. What a spec resolved to is
    /// remembered in <see cref="CompiledModelCache.Default"/>, so a later process neither derives nor compiles it again.
    /// </summary>
    /// <exception cref="FormulaException">A formula does not parse or uses a variable it may not.</exception>
    public static LossModel Resolve(ModelSpec spec) => Resolve(spec, CompiledModelCache.Default);

    /// <summary>As <see cref="Resolve(ModelSpec)"/>, through a given cache.</summary>
    public static LossModel Resolve(ModelSpec spec, CompiledModelCache cache)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(cache);
        switch (cache.Recall(spec))
        {
            // A foreign file's parameter count (its checksum was valid) makes Create refuse it: then derive again.
            case { BuiltIn: { } name } known when BuiltInModels.Create(name).Parameters.Count == known.Parameters.Count:
                return BuiltInModels.Create(name, known.Parameters);
            case { ImageKey: { } key } when cache.RecallType(key, Namespace, ClassName) is { } type:
                return (LossModel)Activator.CreateInstance(type)!;
        }

        var derivation = ModelDerivation.Derive(spec);
        if (BuiltInModels.Find(derivation) is { } builtIn)
        {
            cache.Remember(spec, Resolution.ForBuiltIn(builtIn.Name, builtIn.Parameters));
            return builtIn;
        }

        var compiled = cache.TypeOf(derivation.EmitCSharp(Namespace, ClassName), Namespace, ClassName, out var imageKey);
        cache.Remember(spec, Resolution.ForImage(imageKey));
        return (LossModel)Activator.CreateInstance(compiled)!;
    }

    /// <summary>Compiles a derivation already made (emits its C# and compiles it; cached by source).</summary>
    public static LossModel Compile(Derivation derivation) => Compile(derivation, CompiledModelCache.Default);

    /// <summary>As <see cref="Compile(Derivation)"/>, through a given cache (a test's folder, or memory only).</summary>
    public static LossModel Compile(Derivation derivation, CompiledModelCache cache)
    {
        ArgumentNullException.ThrowIfNull(derivation);
        ArgumentNullException.ThrowIfNull(cache);
        return Instantiate(derivation.EmitCSharp(Namespace, ClassName), cache);
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

    /// <summary>Compiles C# source holding <c>{Namespace}.{ClassName}</c> (or loads it from the cache) and returns a new instance.</summary>
    internal static LossModel CompileSource(string source) => Instantiate(source, CompiledModelCache.Default);

    private static LossModel Instantiate(string source, CompiledModelCache cache) =>
        (LossModel)Activator.CreateInstance(cache.TypeOf(source, Namespace, ClassName))!;
}
