using System.Collections.Concurrent;
using MathNet.Numerics.LinearAlgebra;

namespace HighDimSgd.Core.Expectations;

/// <summary>
/// An n-point Gauss-Hermite rule for the standard normal weight: <c>E g(Z) ~ sum_i w_i g(x_i)</c>,
/// exact for polynomials of degree up to <c>2n - 1</c>. Nodes ascend and are exactly symmetric; weights sum to 1.
/// </summary>
public sealed class GaussHermiteRule
{
    internal GaussHermiteRule(double[] nodes, double[] weights)
    {
        Nodes = nodes;
        Weights = weights;
    }

    /// <summary>Number of nodes.</summary>
    public int Order => Nodes.Count;

    /// <summary>Nodes, ascending.</summary>
    public IReadOnlyList<double> Nodes { get; }

    /// <summary>Weights (positive, summing to 1).</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>Applies the rule to <paramref name="g"/>.</summary>
    public double Integrate(Func<double, double> g)
    {
        var sum = 0.0;
        for (var i = 0; i < Order; i++) sum += Weights[i] * g(Nodes[i]);
        return sum;
    }
}

/// <summary>Gauss-Hermite rules (probabilists' weight) by Golub-Welsch, cached per order and thread-safe.</summary>
public static class GaussHermite
{
    private static readonly ConcurrentDictionary<int, GaussHermiteRule> Cache = new();

    static GaussHermite() => MathNet.Numerics.Control.UseManaged();

    /// <summary>Largest supported order: beyond it the tail weights underflow.</summary>
    public const int MaxOrder = 400;

    /// <summary>The rule with <paramref name="order"/> nodes.</summary>
    public static GaussHermiteRule Rule(int order)
    {
        if (order < 1 || order > MaxOrder)
            throw new ArgumentOutOfRangeException(nameof(order), $"Gauss-Hermite order must be in 1..{MaxOrder}.");
        return Cache.GetOrAdd(order, Build);
    }

    /// <summary>
    /// Golub-Welsch: the monic probabilists' Hermite polynomials satisfy
    /// <c>He_{k+1} = x He_k - k He_{k-1}</c>, so the Jacobi matrix has zero diagonal and off-diagonal
    /// <c>sqrt(k)</c>; its eigenvalues are the nodes and the squared first eigenvector components the weights.
    /// </summary>
    private static GaussHermiteRule Build(int order)
    {
        var jacobi = Matrix<double>.Build.Dense(order, order);
        for (var k = 1; k < order; k++)
        {
            jacobi[k - 1, k] = Math.Sqrt(k);
            jacobi[k, k - 1] = Math.Sqrt(k);
        }
        var evd = jacobi.Evd(Symmetricity.Symmetric);
        var pairs = new (double Node, double Weight)[order];
        for (var i = 0; i < order; i++)
        {
            var first = evd.EigenVectors[0, i];
            pairs[i] = (evd.EigenValues[i].Real, first * first);
        }
        Array.Sort(pairs, (a, b) => a.Node.CompareTo(b.Node));

        // Impose the exact symmetry of the rule, which the eigen solver only reproduces to round-off.
        var nodes = new double[order];
        var weights = new double[order];
        for (var i = 0; i < order; i++)
        {
            var mirror = pairs[order - 1 - i];
            nodes[i] = 0.5 * (pairs[i].Node - mirror.Node);
            weights[i] = 0.5 * (pairs[i].Weight + mirror.Weight);
        }
        if (order % 2 == 1) nodes[order / 2] = 0.0;
        var total = weights.Sum();
        for (var i = 0; i < order; i++) weights[i] /= total;
        return new GaussHermiteRule(nodes, weights);
    }
}
