namespace HighDimSgd.Core.Problems;

/// <summary>
/// One row of the teacher <c>X*</c>, of the initial student <c>X0</c>, or a class mean, written in the eigenbasis
/// of the data covariance. Built into numbers by <c>HighDimSgd.Core.Spectra.WeightBuilder</c>.
/// </summary>
public abstract record WeightSpec
{
    /// <summary>The <c>kind</c> string of the problem file.</summary>
    public abstract string Kind { get; }

    /// <summary>Where it was written; used in error messages.</summary>
    public SpecLocation? Location { get; init; }

    /// <summary>The <c>kind</c> strings in the order the documentation lists them.</summary>
    public static IReadOnlyList<string> KnownKinds { get; } =
        ["zero", "constant", "alternating", "gaussian", "power-law", "blocks", "mix", "file"];
}

/// <summary>The zero vector.</summary>
public sealed record ZeroWeights : WeightSpec
{
    public override string Kind => "zero";
}

/// <summary>Every coordinate <c>Norm / sqrt(d)</c>.</summary>
public sealed record ConstantWeights(double Norm) : WeightSpec
{
    public override string Kind => "constant";
}

/// <summary>Coordinate <c>i = 1..d</c> is <c>(-1)^i Norm / sqrt(d)</c>.</summary>
public sealed record AlternatingWeights(double Norm) : WeightSpec
{
    public override string Kind => "alternating";
}

/// <summary>I.i.d. standard normal coordinates from <c>Seed</c>, rescaled to exactly <c>Norm</c>.</summary>
public sealed record GaussianWeights(int Seed, double Norm) : WeightSpec
{
    public override string Kind => "gaussian";
}

/// <summary>Coordinate <c>i</c> proportional to <c>lambda_i^(Exponent/2)</c>, rescaled to exactly <c>Norm</c>.</summary>
public sealed record PowerLawWeights(double Exponent, double Norm) : WeightSpec
{
    public override string Kind => "power-law";
}

/// <summary>
/// Consecutive index blocks (as in the <c>blocks</c> spectrum): coordinates of block k proportional to
/// <c>Values[k]</c>, rescaled to exactly <c>Norm</c>. Puts a mean or a teacher in chosen eigen-directions.
/// </summary>
public sealed record BlockWeights(IReadOnlyList<double> Values, IReadOnlyList<double> Fractions, double Norm) : WeightSpec
{
    public override string Kind => "blocks";
}

/// <summary>A weighted sum of teacher rows and other vectors (weights may be negative).</summary>
public sealed record MixWeights(IReadOnlyList<MixTerm> Terms) : WeightSpec
{
    public override string Kind => "mix";
}

/// <summary>One term of a <see cref="MixWeights"/>: either a teacher row (1-based) or a vector, times <c>Weight</c>.</summary>
public sealed record MixTerm(int? TeacherIndex, WeightSpec? Vector, double Weight);

/// <summary>Coordinates read from a file (one number per line, relative to the problem file).</summary>
public sealed record FileWeights(string File) : WeightSpec
{
    public override string Kind => "file";
}
