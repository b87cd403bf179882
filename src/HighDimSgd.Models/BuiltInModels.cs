using HighDimSgd.Core.Models;
using HighDimSgd.Models.Generated;

namespace HighDimSgd.Models;

/// <summary>The models generated from derivations/models/*.toml, by name.</summary>
public static class BuiltInModels
{
    private static readonly IReadOnlyDictionary<string, Func<LossModel>> Factories =
        new Dictionary<string, Func<LossModel>>(StringComparer.Ordinal)
        {
            ["least-squares"] = () => new LeastSquaresModel(),
            ["logistic"] = () => new LogisticModel(),
            ["logistic-hard"] = () => new LogisticHardModel(),
            ["phase-retrieval"] = () => new PhaseRetrievalModel(),
            ["smooth-phase-retrieval"] = () => new SmoothPhaseRetrievalModel(),
            ["erf-committee-2"] = () => new ErfCommittee2Model(),
            ["cross-entropy-3"] = () => new CrossEntropy3Model(),
            ["cross-entropy-hard-3"] = () => new CrossEntropyHard3Model(),
        };

    /// <summary>Names of the built-in models, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>True when a built-in model has this name.</summary>
    public static bool Contains(string name) => Factories.ContainsKey(name);

    /// <summary>A new instance of the named model.</summary>
    /// <exception cref="KeyNotFoundException">No built-in model has this name (the message lists the known ones).</exception>
    public static LossModel Create(string name) =>
        Factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new KeyNotFoundException($"unknown model '{name}'; built-in models: {string.Join(", ", Names)}");

    /// <summary>
    /// The built-in model that computes exactly what <paramref name="formula"/> (a derived loss in infix) with these
    /// counts computes, or null. Lets a problem written with a built-in model's formulas use its checked-in code: a
    /// generated card, or the hand-written <see cref="CrossEntropyHardModel"/> for hard-label cross-entropy of any class count.
    /// </summary>
    public static LossModel? Find(string formula, int studentDirections, int teacherDirections, int noiseCount, int labelCount) =>
        Instances.Value.FirstOrDefault(m => m.Formula == formula && m.StudentDirections == studentDirections &&
            m.TeacherDirections == teacherDirections && m.NoiseCount == noiseCount && m.LabelCount == labelCount) is { } found
            ? Create(found.Name)
            : CrossEntropyHardModel.Find(formula, studentDirections, teacherDirections, noiseCount, labelCount);

    private static readonly Lazy<LossModel[]> Instances = new(() => [.. Factories.Values.Select(f => f())]);
}
