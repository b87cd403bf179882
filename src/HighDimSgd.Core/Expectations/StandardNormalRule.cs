namespace HighDimSgd.Core.Expectations;

/// <summary>
/// A cubature rule for <c>E g(Z)</c>, <c>Z ~ N(0, I_d)</c>: points (row-major, d per point) and weights.
/// Immutable once built.
/// </summary>
public sealed class StandardNormalRule : IQuadratureRule
{
    private readonly double[] _points;
    private readonly double[] _weights;

    private StandardNormalRule(int dimension, double[] points, double[] weights)
    {
        Dimension = dimension;
        _points = points;
        _weights = weights;
    }

    /// <summary>d.</summary>
    public int Dimension { get; }

    /// <summary>Number of points.</summary>
    public int Count => _weights.Length;

    /// <summary>Coordinates of point <paramref name="index"/>.</summary>
    public ReadOnlySpan<double> Point(int index) => _points.AsSpan(index * Dimension, Dimension);

    /// <summary>Weight of point <paramref name="index"/> (sparse grids have negative weights).</summary>
    public double Weight(int index) => _weights[index];

    /// <summary>Applies the rule to <paramref name="g"/>.</summary>
    public double Integrate(Func<double[], double> g)
    {
        var sum = 0.0;
        var z = new double[Dimension];
        for (var p = 0; p < Count; p++)
        {
            Point(p).CopyTo(z);
            sum += _weights[p] * g(z);
        }
        return sum;
    }

    /// <summary>The trivial rule for d = 0: one point, weight 1.</summary>
    public static StandardNormalRule Point0 { get; } = new(0, [], [1.0]);

    /// <summary>
    /// Relative weight below which a tensor point is left out: a product of tail weights (the corners of the grid) carries
    /// less than 1e-30 of the mass in all, and the high orders used in one and two dimensions spend most of their points
    /// there (96 x 96: 9216 points, 3852 kept).
    /// </summary>
    public const double NegligibleWeight = 1e-30;

    /// <summary>
    /// Tensor product of the <paramref name="order"/>-point Gauss-Hermite rule in <paramref name="dimension"/> dimensions,
    /// without the points of weight below <see cref="NegligibleWeight"/> times the largest.
    /// </summary>
    public static StandardNormalRule Tensor(int dimension, int order)
    {
        if (dimension == 0) return Point0;
        var rule = GaussHermite.Rule(order);
        var count = checked((int)Math.Pow(order, dimension));
        var cutoff = NegligibleWeight * Math.Pow(rule.Weights.Max(), dimension);
        var points = new List<double>();
        var weights = new List<double>();
        var digits = new int[dimension];
        for (var p = 0; p < count; p++)
        {
            var weight = 1.0;
            for (var k = 0; k < dimension; k++) weight *= rule.Weights[digits[k]];
            if (weight >= cutoff)
            {
                for (var k = 0; k < dimension; k++) points.Add(rule.Nodes[digits[k]]);
                weights.Add(weight);
            }
            for (var k = 0; k < dimension && ++digits[k] == order; k++) digits[k] = 0;
        }
        return new StandardNormalRule(dimension, [.. points], [.. weights]);
    }

    /// <summary>
    /// Smolyak sparse grid (combination technique) on Gauss-Hermite rules of orders <c>2i - 1</c>,
    /// <c>i = 1..level</c>; coinciding points are merged. Level 1 is the centre point.
    /// </summary>
    public static StandardNormalRule Smolyak(int dimension, int level)
    {
        if (dimension == 0) return Point0;
        if (level < 1) throw new ArgumentOutOfRangeException(nameof(level), "Smolyak level must be at least 1.");
        var q = level + dimension - 1;
        var merged = new Dictionary<string, int>();
        var points = new List<double>();
        var weights = new List<double>();
        var index = new int[dimension];
        var point = new double[dimension];

        // Multi-indices i >= 1 with q - d + 1 <= |i| <= q, coefficient (-1)^(q - |i|) C(d - 1, q - |i|).
        void Visit(int k, int remaining)
        {
            if (k == dimension)
            {
                var total = q - remaining;
                if (total < q - dimension + 1) return;
                var coefficient = ((q - total) % 2 == 0 ? 1 : -1) * Binomial(dimension - 1, q - total);
                AddTensor(coefficient);
                return;
            }
            for (var i = 1; i <= remaining - (dimension - k - 1); i++)
            {
                index[k] = i;
                Visit(k + 1, remaining - i);
            }
        }

        void AddTensor(double coefficient)
        {
            var rules = new GaussHermiteRule[dimension];
            for (var k = 0; k < dimension; k++) rules[k] = GaussHermite.Rule(2 * index[k] - 1);
            var digits = new int[dimension];
            while (true)
            {
                var weight = coefficient;
                for (var k = 0; k < dimension; k++)
                {
                    point[k] = rules[k].Nodes[digits[k]];
                    weight *= rules[k].Weights[digits[k]];
                }
                var key = string.Join(',', point.Select(x => (Math.Round(x, 12) + 0.0).ToString("R")));
                if (merged.TryGetValue(key, out var existing)) weights[existing] += weight;
                else
                {
                    merged[key] = weights.Count;
                    weights.Add(weight);
                    points.AddRange(point);
                }
                var k2 = 0;
                for (; k2 < dimension && ++digits[k2] == rules[k2].Order; k2++) digits[k2] = 0;
                if (k2 == dimension) break;
            }
        }

        Visit(0, q);
        return new StandardNormalRule(dimension, points.ToArray(), weights.ToArray());
    }

    private static double Binomial(int n, int k)
    {
        if (k < 0 || k > n) return 0;
        var result = 1.0;
        for (var i = 1; i <= k; i++) result = result * (n - k + i) / i;
        return result;
    }
}
