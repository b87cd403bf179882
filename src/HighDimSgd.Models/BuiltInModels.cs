using HighDimSgd.Core.Models;
using HighDimSgd.Models.Generated;
using HighDimSgd.Symbolic;

namespace HighDimSgd.Models;

/// <summary>The models generated from derivations/models/*.toml, by name.</summary>
public static class BuiltInModels
{
    // A card with parameters (c1..) has a class that takes their values; null: the card's own.
    private static readonly IReadOnlyDictionary<string, Func<IReadOnlyList<double>?, LossModel>> Factories =
        new Dictionary<string, Func<IReadOnlyList<double>?, LossModel>>(StringComparer.Ordinal)
        {
            ["least-squares"] = p => new LeastSquaresModel(p ?? LeastSquaresModel.DefaultParameters),
            ["logistic"] = p => new LogisticModel(p ?? LogisticModel.DefaultParameters),
            ["logistic-hard"] = _ => new LogisticHardModel(),
            ["phase-retrieval"] = _ => new PhaseRetrievalModel(),
            ["smooth-phase-retrieval"] = _ => new SmoothPhaseRetrievalModel(),
            ["erf-committee-2"] = _ => new ErfCommittee2Model(),
            ["cross-entropy-3"] = _ => new CrossEntropy3Model(),
            ["cross-entropy-hard-3"] = _ => new CrossEntropyHard3Model(),
        };

    /// <summary>Names of the built-in models, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>True when a built-in model has this name (also <c>cross-entropy-hard-L</c>, hand-written for any L).</summary>
    public static bool Contains(string name) => Factories.ContainsKey(name) || HardCrossEntropy(name) is not null;

    /// <summary>A new instance of the named model.</summary>
    /// <exception cref="KeyNotFoundException">No built-in model has this name (the message lists the known ones).</exception>
    public static LossModel Create(string name) => Create(name, null);

    /// <summary>A new instance of the named model with its parameters c1.. bound to <paramref name="parameters"/> (null: the card's values).</summary>
    /// <exception cref="KeyNotFoundException">No built-in model has this name (the message lists the known ones).</exception>
    /// <exception cref="ArgumentException">The model takes another number of parameters.</exception>
    public static LossModel Create(string name, IReadOnlyList<double>? parameters) =>
        Factories.TryGetValue(name, out var factory)
            ? factory(parameters)
            : HardCrossEntropy(name) ?? throw new KeyNotFoundException($"unknown model '{name}'; built-in models: {string.Join(", ", Names)}");

    private const string HardCrossEntropyPrefix = "cross-entropy-hard-";

    /// <summary>The hand-written cross-entropy for a name <c>cross-entropy-hard-L</c> (L >= 2) that no card has, else null.</summary>
    private static CrossEntropyHardModel? HardCrossEntropy(string name) =>
        name.StartsWith(HardCrossEntropyPrefix, StringComparison.Ordinal) &&
        int.TryParse(name.AsSpan(HardCrossEntropyPrefix.Length), System.Globalization.NumberStyles.None, null, out var classes) &&
        classes >= 2 && !Factories.ContainsKey(name)
            ? new CrossEntropyHardModel(classes)
            : null;

    /// <summary>
    /// The built-in model that computes what <paramref name="derivation"/> (a problem's derived model) computes, or null:
    /// same counts and the same derived loss, up to the values of the card's parameters (a noise scale), which the
    /// instance is given. Lets a problem written with a built-in model's formulas use its checked-in code: a
    /// generated card, or the hand-written <see cref="CrossEntropyHardModel"/> for hard-label cross-entropy of any class count.
    /// </summary>
    public static LossModel? Find(Derivation derivation)
    {
        ArgumentNullException.ThrowIfNull(derivation);
        foreach (var model in Instances.Value)
        {
            if (model.Formula is not { } formula || model.StudentDirections != derivation.StudentDirections ||
                model.TeacherDirections != derivation.TeacherDirections || model.NoiseCount != derivation.NoiseCount ||
                model.LabelCount != derivation.LabelCount)
            {
                continue;
            }

            if (model.Parameters.Count == 0)
            {
                if (formula == derivation.Loss) return Create(model.Name);
            }
            else if (ModelDerivation.BindParameters(formula, model.Parameters.Count, derivation) is { } values)
            {
                return Create(model.Name, values);
            }
        }

        return CrossEntropyHardModel.Find(derivation.Loss, derivation.StudentDirections, derivation.TeacherDirections,
            derivation.NoiseCount, derivation.LabelCount);
    }

    private static readonly Lazy<LossModel[]> Instances = new(() => [.. Factories.Values.Select(f => f(null))]);
}
