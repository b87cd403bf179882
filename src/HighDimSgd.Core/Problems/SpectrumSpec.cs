namespace HighDimSgd.Core.Problems;

/// <summary>How raw eigenvalues are rescaled before <see cref="SpectrumSpec.Scale"/> is applied.</summary>
public enum SpectrumNormalization
{
    /// <summary>Keep the raw eigenvalues.</summary>
    None,

    /// <summary>Divide by their mean, so that <c>Tr K / d = 1</c>.</summary>
    Mean,
}

/// <summary>
/// The eigenvalues of a covariance <c>K = diag(lambda_i)</c> in its eigenbasis (index order = eigenbasis order),
/// as written in a problem file. Built into numbers by <c>HighDimSgd.Core.Spectra.SpectrumBuilder</c>.
/// </summary>
public abstract record SpectrumSpec
{
    /// <summary>The <c>kind</c> string of the problem file.</summary>
    public abstract string Kind { get; }

    /// <summary>Applied first (key <c>normalize</c>, default none).</summary>
    public SpectrumNormalization Normalize { get; init; } = SpectrumNormalization.None;

    /// <summary>Multiplies every eigenvalue after normalisation (key <c>scale</c>, default 1).</summary>
    public double Scale { get; init; } = 1.0;

    /// <summary>Where it was written; used in error messages.</summary>
    public SpecLocation? Location { get; init; }

    /// <summary>The <c>kind</c> strings in the order the documentation lists them.</summary>
    public static IReadOnlyList<string> KnownKinds { get; } =
        ["identity", "power-law", "sigma-power", "marchenko-pastur", "blocks", "values"];
}

/// <summary><c>lambda_i = 1</c>.</summary>
public sealed record IdentitySpectrum : SpectrumSpec
{
    public override string Kind => "identity";
}

/// <summary><c>lambda_i = (i/d)^Exponent</c>, <c>i = 1..d</c>.</summary>
public sealed record PowerLawSpectrum(double Exponent) : SpectrumSpec
{
    public override string Kind => "power-law";
}

/// <summary><c>lambda_i = sigma_i^(2q)</c>, <c>sigma_i = lo + (hi - lo)(i - 1/2)/d</c>.</summary>
public sealed record SigmaPowerSpectrum(double Q, double Lo, double Hi) : SpectrumSpec
{
    public override string Kind => "sigma-power";
}

/// <summary>The <c>d</c> midpoint quantiles of the unit-variance Marchenko-Pastur law with aspect ratio <c>Ratio</c>.</summary>
public sealed record MarchenkoPasturSpectrum(double Ratio) : SpectrumSpec
{
    public override string Kind => "marchenko-pastur";
}

/// <summary>Consecutive index blocks: a fraction <c>Fractions[k]</c> of the coordinates has eigenvalue <c>Values[k]</c>.</summary>
public sealed record BlockSpectrum(IReadOnlyList<double> Values, IReadOnlyList<double> Fractions) : SpectrumSpec
{
    public override string Kind => "blocks";
}

/// <summary>Explicit eigenvalues: an inline list (<c>values</c>) or a file (<c>file</c>, relative to the problem file).</summary>
public sealed record ExplicitSpectrum(IReadOnlyList<double>? Values, string? File) : SpectrumSpec
{
    public override string Kind => "values";
}
