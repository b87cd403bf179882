namespace HighDimSgd.Core.Expectations;

/// <summary>Points and weights of a rule for E g(z), z ~ N(0, I): what <see cref="GaussianQuadrature"/> sums over.</summary>
public interface IQuadratureRule
{
    /// <summary>Number of points.</summary>
    int Count { get; }

    /// <summary>Point <paramref name="index"/>.</summary>
    ReadOnlySpan<double> Point(int index);

    /// <summary>Weight of point <paramref name="index"/>.</summary>
    double Weight(int index);
}
