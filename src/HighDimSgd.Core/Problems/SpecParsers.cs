namespace HighDimSgd.Core.Problems;

/// <summary>What a weight vector written at some place may refer to.</summary>
/// <param name="TeacherRows">Number of teacher rows a <c>mix</c> may reference (1-based).</param>
/// <param name="NoTeacherReason">Why teacher references are not allowed here, when they are not.</param>
internal sealed record WeightContext(int TeacherRows, string? NoTeacherReason);

/// <summary>Parses <c>{ kind = ... }</c> tables for spectra and weight vectors.</summary>
internal sealed class SpecParsers(string baseDirectory)
{
    private static readonly string[] SpectrumCommonKeys = ["kind", "normalize", "scale"];
    private static readonly string[] NormalizationNames = ["none", "mean"];

    public SpectrumSpec Spectrum(TomlSection section)
    {
        var kind = Kind(section, SpectrumSpec.KnownKinds, "spectrum");
        SpectrumSpec spectrum = kind switch
        {
            "identity" => Identity(section),
            "power-law" => PowerLaw(section),
            "sigma-power" => SigmaPower(section),
            "marchenko-pastur" => MarchenkoPastur(section),
            "blocks" => Blocks(section),
            _ => Explicit(section),
        };

        var scale = section.Number("scale", 1.0);
        if (scale <= 0)
        {
            throw section.Error("scale", $"must be positive, got {TomlSection.Describe(scale)}");
        }

        return spectrum with
        {
            Normalize = (SpectrumNormalization)section.Choice("normalize", NormalizationNames, "none"),
            Scale = scale,
            Location = section.SelfLocation,
        };
    }

    public WeightSpec Weight(TomlSection section, WeightContext context)
    {
        var kind = Kind(section, WeightSpec.KnownKinds, "weight vector");
        WeightSpec weight = kind switch
        {
            "zero" => Zero(section),
            "constant" => new ConstantWeights(NormOnly(section, kind)),
            "alternating" => new AlternatingWeights(NormOnly(section, kind)),
            "gaussian" => Gaussian(section),
            "power-law" => PowerLawWeights(section),
            "blocks" => BlockWeights(section),
            "mix" => Mix(section, context),
            _ => FileWeights(section),
        };
        return weight with { Location = section.SelfLocation };
    }

    /// <summary>Resolves <paramref name="key"/> relative to the problem file and checks the file exists.</summary>
    public string ExistingFile(TomlSection section, string key)
    {
        ExistingFullPath(section, key);
        return section.RequiredString(key);
    }

    /// <summary>The full path of an existing file named by <paramref name="key"/>; a missing file under
    /// /usr/share/datasets/NAME names the Debian package that installs it.</summary>
    public string ExistingFullPath(TomlSection section, string key)
    {
        var full = Path.GetFullPath(Path.Combine(baseDirectory, section.RequiredString(key)));
        if (File.Exists(full)) return full;
        // Only when the data set's folder is missing: a wrong name inside an installed one is a typo, not a missing package.
        var hint = full.StartsWith("/usr/share/datasets/", StringComparison.Ordinal) && full.Split('/') is { Length: > 5 } parts
                   && !Directory.Exists(Path.Combine("/usr/share/datasets", parts[4]))
            ? $"; install it with: sudo apt-get install dataset-{parts[4]}"
            : "";
        throw section.Error(key, $"file not found: {full}{hint}");
    }

    private static string Kind(TomlSection section, IReadOnlyList<string> known, string what)
    {
        var kind = section.RequiredString("kind");
        if (known.Contains(kind))
        {
            return kind;
        }

        var suggestion = KeySuggestions.Closest(kind, known);
        var hint = suggestion is null ? "" : $" (did you mean \"{suggestion}\"?)";
        throw section.Error("kind", $"unknown {what} kind \"{kind}\"{hint}; known kinds: {string.Join(", ", known)}");
    }

    /// <summary>Rejects keys that a spectrum kind does not take.</summary>
    private static void SpectrumKeys(TomlSection section, string kind, string[] specific) =>
        section.RequireKnownKeys([.. SpectrumCommonKeys, .. specific], $"spectrum kind \"{kind}\"");

    /// <summary>Rejects keys that a weight kind does not take.</summary>
    private static void WeightKeys(TomlSection section, string kind, string[] specific) =>
        section.RequireKnownKeys(["kind", .. specific], $"weight kind \"{kind}\"");

    private static IdentitySpectrum Identity(TomlSection section)
    {
        SpectrumKeys(section, "identity", []);
        return new IdentitySpectrum();
    }

    private static PowerLawSpectrum PowerLaw(TomlSection section)
    {
        SpectrumKeys(section, "power-law", ["exponent"]);
        return new PowerLawSpectrum(section.RequiredNumber("exponent"));
    }

    private static SigmaPowerSpectrum SigmaPower(TomlSection section)
    {
        SpectrumKeys(section, "sigma-power", ["q", "lo", "hi"]);
        var q = section.RequiredNumber("q");
        var lo = section.Number("lo", 0.0);
        var hi = section.Number("hi", 1.0);
        if (lo < 0)
        {
            throw section.Error("lo", $"must be at least 0, got {TomlSection.Describe(lo)}");
        }

        if (hi <= lo)
        {
            throw section.Error("hi", $"must be larger than lo = {TomlSection.Describe(lo)}, got {TomlSection.Describe(hi)}");
        }

        return new SigmaPowerSpectrum(q, lo, hi);
    }

    private static MarchenkoPasturSpectrum MarchenkoPastur(TomlSection section)
    {
        SpectrumKeys(section, "marchenko-pastur", ["ratio"]);
        var ratio = section.RequiredNumber("ratio");
        return ratio > 0 ? new MarchenkoPasturSpectrum(ratio) : throw section.Error("ratio", $"must be positive, got {TomlSection.Describe(ratio)}");
    }

    private static BlockSpectrum Blocks(TomlSection section)
    {
        SpectrumKeys(section, "blocks", ["values", "fractions"]);
        var (values, fractions) = BlockLists(section);
        RequireNonNegative(section, "values", values);
        return new BlockSpectrum(values, fractions);
    }

    private static BlockWeights BlockWeights(TomlSection section)
    {
        WeightKeys(section, "blocks", ["values", "fractions", "norm"]);
        var (values, fractions) = BlockLists(section);
        return new BlockWeights(values, fractions, Norm(section));
    }

    /// <summary>Equal-length <c>values</c> and positive <c>fractions</c> summing to 1.</summary>
    private static (IReadOnlyList<double> Values, IReadOnlyList<double> Fractions) BlockLists(TomlSection section)
    {
        var values = section.NumberList("values");
        var fractions = section.NumberList("fractions");
        if (values.Count == 0)
        {
            throw section.Error("values", "expected at least one value");
        }

        if (fractions.Count != values.Count)
        {
            throw section.Error("fractions", $"has {fractions.Count} entries but values has {values.Count}; give one fraction per value");
        }

        for (var k = 0; k < fractions.Count; k++)
        {
            if (fractions[k] <= 0)
            {
                throw section.Error("fractions", $"entry {k + 1} must be positive, got {TomlSection.Describe(fractions[k])}");
            }
        }

        var total = fractions.Sum();
        if (Math.Abs(total - 1.0) > 1e-9)
        {
            throw section.Error("fractions", $"must sum to 1, got {TomlSection.Describe(total)}");
        }

        return (values, fractions);
    }

    private ExplicitSpectrum Explicit(TomlSection section)
    {
        SpectrumKeys(section, "values", ["values", "file"]);
        var hasValues = section.Has("values");
        if (hasValues == section.Has("file"))
        {
            throw section.Error("", "kind \"values\" needs exactly one of 'values' (a list) and 'file' (a CSV path)");
        }

        if (!hasValues)
        {
            return new ExplicitSpectrum(null, ExistingFile(section, "file"));
        }

        var values = section.NumberList("values");
        RequireNonNegative(section, "values", values);
        return new ExplicitSpectrum(values, null);
    }

    private static void RequireNonNegative(TomlSection section, string key, IReadOnlyList<double> values)
    {
        for (var k = 0; k < values.Count; k++)
        {
            if (values[k] < 0)
            {
                throw section.Error(key, $"entry {k + 1} is negative ({TomlSection.Describe(values[k])}); eigenvalues of a covariance are at least 0");
            }
        }
    }

    private static double Norm(TomlSection section)
    {
        var norm = section.Number("norm", 1.0);
        return norm >= 0 ? norm : throw section.Error("norm", $"must be at least 0, got {TomlSection.Describe(norm)}");
    }

    private static ZeroWeights Zero(TomlSection section)
    {
        WeightKeys(section, "zero", []);
        return new ZeroWeights();
    }

    private static double NormOnly(TomlSection section, string kind)
    {
        WeightKeys(section, kind, ["norm"]);
        return Norm(section);
    }

    private static PowerLawWeights PowerLawWeights(TomlSection section)
    {
        WeightKeys(section, "power-law", ["exponent", "norm"]);
        return new PowerLawWeights(section.RequiredNumber("exponent"), Norm(section));
    }

    private FileWeights FileWeights(TomlSection section)
    {
        WeightKeys(section, "file", ["file"]);
        return new FileWeights(ExistingFile(section, "file"));
    }

    private static GaussianWeights Gaussian(TomlSection section)
    {
        WeightKeys(section, "gaussian", ["seed", "norm"]);
        var seed = section.RequiredInteger("seed");
        return seed >= 0 ? new GaussianWeights(seed, Norm(section)) : throw section.Error("seed", $"must be at least 0, got {seed}");
    }

    private MixWeights Mix(TomlSection section, WeightContext context)
    {
        WeightKeys(section, "mix", ["of"]);
        var items = section.TableList("of");
        if (items.Count == 0)
        {
            throw section.Error("of", "expected at least one term");
        }

        var terms = new List<MixTerm>(items.Count);
        foreach (var item in items)
        {
            item.RequireKnownKeys(["teacher", "vector", "weight"], "a mix term");
            var weight = item.RequiredNumber("weight");
            var hasTeacher = item.Has("teacher");
            if (hasTeacher == item.Has("vector"))
            {
                throw item.Error("", "a mix term needs exactly one of 'teacher' (a teacher row, 1-based) and 'vector' (a weight table)");
            }

            terms.Add(hasTeacher
                ? new MixTerm(TeacherReference(item, context), null, weight)
                : new MixTerm(null, Weight(item.RequiredTable("vector"), context), weight));
        }

        return new MixWeights(terms);
    }

    private static int TeacherReference(TomlSection item, WeightContext context)
    {
        var index = item.RequiredInteger("teacher");
        if (context.NoTeacherReason is { } reason)
        {
            throw item.Error("teacher", reason);
        }

        return index >= 1 && index <= context.TeacherRows
            ? index
            : throw item.Error("teacher", $"teacher row {index} does not exist; the teacher has rows 1..{context.TeacherRows}");
    }
}
