using System.Runtime.CompilerServices;

namespace HighDimSgd.Core.Expectations;

/// <summary>
/// E g(z), z ~ N(0, I_D), for g smooth except for a steep but smooth change of width <c>w</c> across <c>z_1 = c</c>: the
/// transition a noisy jump leaves once its noise is averaged in closed form (<c>step(r* + s eps)</c> becomes
/// <c>Phi(r* / s)</c>). A Gauss-Hermite rule resolves such a change only at order ~ (1/w)^2 (96 nodes leave 4e-4 on the
/// 0.15-wide transition of the logistic example); here z_1 is split at <c>c + w {0, +-1, +-2, +-4, +-8}</c> (the
/// change is flat to 1e-15 beyond 8 w) into Gauss-Legendre pieces, and the other variables, on which g is smooth, take a
/// tensor Gauss-Hermite rule.
/// </summary>
/// <remarks>Not thread-safe: the points are rebuilt for each expectation in reused buffers.</remarks>
public sealed class TransitionGaussianRule : IQuadratureRule
{
    /// <summary>Offsets of the split points from the centre, in widths.</summary>
    private static readonly double[] Offsets = [0, -1, 1, -2, 2, -4, 4, -8, 8];

    private readonly SplitGaussianRule _axis;
    private readonly StandardNormalRule[] _across;
    private readonly double[] _forms = new double[2 * Offsets.Length];
    private double[] _points, _weights;
    private int _dimension, _count;

    /// <summary>Rules for up to <paramref name="maxDimension"/> variables.</summary>
    /// <param name="maxDimension">Largest D.</param>
    /// <param name="pieceOrder">Gauss-Legendre nodes per piece of z_1 (its two tails take a half-range rule of the same order).</param>
    /// <param name="acrossOrder">Gauss-Hermite order of each other variable for a total dimension D.</param>
    public TransitionGaussianRule(int maxDimension, int pieceOrder, Func<int, int> acrossOrder)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDimension, 1);
        ArgumentNullException.ThrowIfNull(acrossOrder);
        _axis = new SplitGaussianRule(1, pieceOrder, pieceOrder);
        _across = [.. Enumerable.Range(0, maxDimension).Select(k => StandardNormalRule.Tensor(k, acrossOrder(k + 1)))];
        _points = new double[1024 * maxDimension];
        _weights = new double[1024];
    }

    /// <inheritdoc />
    public int Count => _count;

    /// <inheritdoc />
    public ReadOnlySpan<double> Point(int index) => _points.AsSpan(index * _dimension, _dimension);

    /// <inheritdoc />
    public double Weight(int index) => _weights[index];

    /// <summary>Builds the points for <paramref name="dimension"/> variables, the transition at z_1 = <paramref name="centre"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Build(int dimension, double centre, double width)
    {
        if (dimension < 1 || dimension > _across.Length) throw new ArgumentOutOfRangeException(nameof(dimension));
        if (!(width > 0) || !double.IsFinite(centre)) throw new ArgumentOutOfRangeException(nameof(width));
        for (var i = 0; i < Offsets.Length; i++)
        {
            _forms[2 * i] = 1;
            _forms[2 * i + 1] = -(centre + Offsets[i] * width);
        }
        _axis.Build(1, _forms, Offsets.Length);
        var across = _across[dimension - 1];
        var needed = _axis.Count * across.Count;
        if (_weights.Length < needed)
        {
            _weights = new double[needed];
            _points = new double[needed * _across.Length];
        }
        _dimension = dimension;
        var largest = 0.0;
        for (var p = 0; p < _axis.Count; p++) largest = Math.Max(largest, _axis.Weight(p));
        var acrossLargest = 0.0;
        for (var q = 0; q < across.Count; q++) acrossLargest = Math.Max(acrossLargest, across.Weight(q));
        var cutoff = StandardNormalRule.NegligibleWeight * largest * acrossLargest;
        _count = 0;
        for (var p = 0; p < _axis.Count; p++)
        {
            var z1 = _axis.Point(p)[0];
            var w1 = _axis.Weight(p);
            for (var q = 0; q < across.Count; q++)
            {
                var weight = w1 * across.Weight(q);
                if (weight < cutoff) continue;
                var point = _points.AsSpan(_count * dimension, dimension);
                point[0] = z1;
                across.Point(q).CopyTo(point[1..]);
                _weights[_count++] = weight;
            }
        }
    }
}
