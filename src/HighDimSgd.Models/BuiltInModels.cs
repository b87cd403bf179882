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
}
