using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using MathNet.Numerics.Integration;
using MathNet.Numerics.LinearAlgebra;

namespace HighDimSgd.Core.Expectations;

/// <summary>
/// E g(z), z ~ N(0, I_D), for g smooth except across known hyperplanes <c>c . z + c0 = 0</c> (the kinks and jumps of
/// relu, abs, step, sign, max): iterated one-dimensional rules, z_1 outermost, each split at every point where its
/// integrand stops being smooth. The integral over z_k sees a hyperplane where the hyperplane's last variable is z_k;
/// integrating across it leaves a smooth function of z_1..z_{k-1}, except where two of its hyperplanes cross, which is
/// again a hyperplane in z_1..z_{k-1} and is split there one level up. Each piece then has an analytic integrand, and
/// Gaussian rules converge on it geometrically instead of at O(1/n) across a kink.
/// </summary>
/// <remarks>
/// Pieces: (-inf, a] and [b, inf) with a &lt;= 0 &lt;= b by the half-range Gauss rule of the normal density (times
/// exp(-b u - b^2/2), which decays), the finite pieces between the split points by Gauss-Legendre with the density in
/// the integrand; in one and two dimensions the bulk is also cut at the multiples of <see cref="MaxPieceLength"/> up to
/// twice it. Kinks beyond |z| = <see cref="Reach"/> (mass below 1e-19) are not split. The points depend on the hyperplanes, so they are built for each expectation.
/// Not thread-safe: buffers are reused.
/// </remarks>
public sealed class SplitGaussianRule : IQuadratureRule
{
    /// <summary>Length of the bulk pieces in one and two dimensions, for a variable of scale 1.</summary>
    public const double MaxPieceLength = 2.0;

    /// <summary>|z| beyond which the normal density carries no mass worth a node: P(|Z| > 9) = 2e-19.</summary>
    public const double Reach = 9.0;

    private static readonly double InverseSqrt2Pi = 1 / Math.Sqrt(2 * Math.PI);
    private static readonly double[] SweepPointsLow = [-3, -1, 1, 3], SweepPointsThree = [-2, 2];
    // In one and two dimensions the bulk |z| <= BulkReach is cut into pieces of MaxPieceLength / scale.
    private const double BulkReach = 4;
    private static readonly ConcurrentDictionary<int, (double[] Nodes, double[] Weights)> HalfRangeRules = new();

    private readonly int _dimension;
    private readonly (double[] Nodes, double[] Weights) _half;
    private readonly double[] _legendreNodes, _legendreWeights;
    private readonly List<double[]>[] _levels, _guides;
    private readonly double[] _z;
    private readonly double[][] _splits;
    private readonly List<double>[] _cuts;
    private readonly List<double[]> _pool = [];
    private int _rented;
    private double[] _points, _weights;
    private int _count;

    /// <summary>Rules for up to <paramref name="dimension"/> variables with the given orders per piece.</summary>
    public SplitGaussianRule(int dimension, int halfRangeOrder, int pieceOrder)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(halfRangeOrder, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pieceOrder, 1);
        _dimension = dimension;
        _half = HalfRange(halfRangeOrder);
        var legendre = new GaussLegendreRule(-1, 1, pieceOrder);
        _legendreNodes = legendre.Abscissas;
        _legendreWeights = legendre.Weights;
        _levels = [.. Enumerable.Range(0, dimension).Select(_ => new List<double[]>())];
        _guides = [.. Enumerable.Range(0, dimension).Select(_ => new List<double[]>())];
        _z = new double[dimension];
        _splits = [.. Enumerable.Range(0, dimension).Select(_ => new double[0])];
        _cuts = [.. Enumerable.Range(0, dimension).Select(_ => new List<double>())];
        _points = new double[1024 * dimension];
        _weights = new double[1024];
    }

    /// <summary>Points of the last <see cref="Build"/>.</summary>
    public int Count => _count;

    /// <summary>Point <paramref name="p"/> (the first D coordinates of its row).</summary>
    public ReadOnlySpan<double> Point(int p) => _points.AsSpan(p * _dimension, _dimension);

    /// <summary>Weight of point <paramref name="p"/> (the weights sum to 1 up to the mass beyond <see cref="Reach"/>).</summary>
    public double Weight(int p) => _weights[p];

    /// <summary>
    /// Builds the points for <paramref name="dimension"/> variables and the hyperplanes <paramref name="forms"/>: each
    /// a row of <paramref name="dimension"/> coefficients and an offset.
    /// </summary>
    /// <param name="scales">
    /// Per variable, how fast the integrand's smooth factors change along it (the largest standard deviation it carries
    /// into a coordinate): in one and two dimensions the bulk pieces are shortened by it. Empty: 1.
    /// </param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Build(int dimension, ReadOnlySpan<double> forms, int formCount, ReadOnlySpan<double> scales = default)
    {
        if (dimension < 1 || dimension > _dimension) throw new ArgumentOutOfRangeException(nameof(dimension));
        if (forms.Length < formCount * (dimension + 1)) throw new ArgumentException("Fewer numbers than forms x (dimension + 1).", nameof(forms));
        foreach (var level in _levels) level.Clear();
        foreach (var level in _guides) level.Clear();
        for (var k = 0; k < dimension; k++)
        {
            var scale = scales.IsEmpty ? 1 : Math.Max(1, scales[k]);
            var length = MaxPieceLength / scale;
            var cuts = dimension > 2 ? 0 : (int)Math.Floor(BulkReach / length);
            _cuts[k].Clear();
            for (var c = -cuts; c <= cuts; c++) _cuts[k].Add(c * length);
        }
        // Hyperplanes live in buffers reused by every Build: it runs once per expectation, inside the ODE's right-hand side.
        _rented = 0;
        for (var f = 0; f < formCount; f++)
        {
            var form = Rent();
            forms.Slice(f * (dimension + 1), dimension + 1).CopyTo(form);
            Add(form, dimension, _levels);
        }
        for (var k = dimension - 1; k > 0; k--)
        {
            var level = _levels[k];
            // Where two hyperplanes of level k cross, the integral over z_k has a kink: a hyperplane of the levels below.
            for (var a = 0; a < level.Count; a++)
                for (var b = a + 1; b < level.Count; b++)
                {
                    var crossing = Rent();
                    for (var j = 0; j <= dimension; j++) crossing[j] = level[a][j] / level[a][k] - level[b][j] / level[b][k];
                    crossing[k] = 0;
                    Add(crossing, dimension, _levels);
                }
            // A hyperplane nearly parallel to z_k (|c_k| below the rest of c) sweeps its split across the density of z_k
            // within a thin slab of the outer variables: the integral over z_k changes there on the slab's width
            // (sqrt(1 - rho^2) for two directions correlated at rho). Guides at the outer points where the split passes
            // z_k = +-1, +-3 (+-2 in three dimensions, where each guide multiplies the points) resolve that change; they only
            // place pieces and make no crossings of their own.
            foreach (var form in level)
            {
                double rest = 0;
                for (var j = 0; j < k; j++) rest += form[j] * form[j];
                if (!(form[k] * form[k] < rest)) continue;
                foreach (var t in dimension <= 2 ? SweepPointsLow : SweepPointsThree)
                {
                    var guide = Rent();
                    form.AsSpan(0, dimension + 1).CopyTo(guide);
                    guide[dimension] += t * form[k];
                    guide[k] = 0;
                    Add(guide, dimension, _guides);
                }
            }
        }
        _count = 0;
        Expand(0, dimension, 1.0);
    }

    /// <summary>A buffer of the widest row (only the first dimension + 1 entries are used), valid until the next Build.</summary>
    private double[] Rent()
    {
        if (_rented == _pool.Count) _pool.Add(new double[_dimension + 1]);
        return _pool[_rented++];
    }

    /// <summary>Files a hyperplane under its last variable, scaled to a largest coefficient of 1 (once: duplicates add no split).</summary>
    private static void Add(double[] form, int dimension, List<double[]>[] levels)
    {
        var largest = 0.0;
        for (var j = 0; j < dimension; j++) largest = Math.Max(largest, Math.Abs(form[j]));
        if (!(largest > 0) || !double.IsFinite(largest)) return;
        var last = -1;
        for (var j = 0; j < dimension; j++)
        {
            form[j] /= largest;
            if (Math.Abs(form[j]) > 1e-12) last = j;
            else form[j] = 0;
        }
        form[dimension] /= largest;
        if (last < 0) return;
        // One orientation per hyperplane: the last coefficient positive.
        if (form[last] < 0)
            for (var j = 0; j <= dimension; j++) form[j] = -form[j];
        foreach (var known in levels[last])
            if (known.AsSpan(0, dimension + 1).SequenceEqual(form.AsSpan(0, dimension + 1))) return;
        levels[last].Add(form);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Expand(int k, int dimension, double weight)
    {
        var level = _levels[k];
        var guides = _guides[k];
        var cuts = _cuts[k];
        if (_splits[k].Length < level.Count + guides.Count + cuts.Count) _splits[k] = new double[level.Count + guides.Count + cuts.Count];
        var splits = _splits[k];
        var count = 0;
        // In one and two dimensions the bulk is always cut into short pieces, so that the half-range rules take the tails
        // only, where a smooth factor that changes fast near 0 (tanh(r) with a large variance of r) cannot spoil them; in
        // three, where that would multiply the points by about 4, only at 0.
        foreach (var cut in cuts) splits[count++] = cut;
        foreach (var form in level) count = AddSplit(form, k, dimension, splits, count);
        foreach (var form in guides) count = AddSplit(form, k, dimension, splits, count);
        Array.Sort(splits, 0, count);
        // (-inf, splits[0]] with splits[0] <= 0.
        var a = splits[0];
        var densityA = Math.Exp(-0.5 * a * a);
        for (var i = 0; i < _half.Nodes.Length; i++)
        {
            var u = _half.Nodes[i];
            Node(k, dimension, a - u, weight * _half.Weights[i] * densityA * Math.Exp(a * u));
        }
        for (var p = 0; p + 1 < count; p++)
        {
            var from = splits[p];
            var to = splits[p + 1];
            if (!(to > from)) continue;
            Legendre(k, dimension, from, to, weight);
        }
        // [splits[^1], inf) with splits[^1] >= 0.
        var b = splits[count - 1];
        var densityB = Math.Exp(-0.5 * b * b);
        for (var i = 0; i < _half.Nodes.Length; i++)
        {
            var u = _half.Nodes[i];
            Node(k, dimension, b + u, weight * _half.Weights[i] * densityB * Math.Exp(-b * u));
        }
    }

    /// <summary>Where <paramref name="form"/> crosses z_k at the current outer variables, unless beyond Reach.</summary>
    private int AddSplit(double[] form, int k, int dimension, double[] splits, int count)
    {
        var s = form[dimension];
        for (var j = 0; j < k; j++) s += form[j] * _z[j];
        var split = -s / form[k];
        // A kink beyond Reach holds no mass worth a piece.
        if (Math.Abs(split) < Reach) splits[count++] = split;
        return count;
    }

    private void Legendre(int k, int dimension, double from, double to, double weight)
    {
        var half = 0.5 * (to - from);
        var middle = 0.5 * (to + from);
        for (var i = 0; i < _legendreNodes.Length; i++)
        {
            var x = middle + half * _legendreNodes[i];
            Node(k, dimension, x, weight * half * _legendreWeights[i] * InverseSqrt2Pi * Math.Exp(-0.5 * x * x));
        }
    }

    private void Node(int k, int dimension, double x, double weight)
    {
        if (!(weight > 0)) return;
        _z[k] = x;
        if (k + 1 < dimension)
        {
            Expand(k + 1, dimension, weight);
            return;
        }
        if (_count == _weights.Length)
        {
            Array.Resize(ref _weights, 2 * _count);
            Array.Resize(ref _points, 2 * _count * _dimension);
        }
        _z.AsSpan(0, dimension).CopyTo(_points.AsSpan(_count * _dimension));
        _weights[_count++] = weight;
    }

    /// <summary>
    /// The n-point Gauss rule of the weight phi(u) on [0, inf) (phi the standard normal density; weights sum to 1/2), by
    /// Golub-Welsch from recurrence coefficients of a Stieltjes procedure on a fine discretisation (Gauss-Legendre panels
    /// on [0, 2 Reach]: exact to rounding for the polynomials involved times the density).
    /// </summary>
    public static (double[] Nodes, double[] Weights) HalfRange(int order) => HalfRangeRules.GetOrAdd(order, n =>
    {
        const int panels = 36, perPanel = 24;
        var x = new double[panels * perPanel];
        var w = new double[x.Length];
        var panel = new GaussLegendreRule(0, 1, perPanel);
        var width = 2 * Reach / panels;
        for (var p = 0; p < panels; p++)
            for (var i = 0; i < perPanel; i++)
            {
                var u = (p + panel.Abscissas[i]) * width;
                x[p * perPanel + i] = u;
                w[p * perPanel + i] = panel.Weights[i] * width * InverseSqrt2Pi * Math.Exp(-0.5 * u * u);
            }
        // Stieltjes: orthonormal-free monic recurrence p_{k+1} = (u - alpha_k) p_k - beta_k p_{k-1}.
        var alpha = new double[n];
        var beta = new double[n];
        var previous = new double[x.Length];
        var current = Enumerable.Repeat(1.0, x.Length).ToArray();
        var norm = w.Sum();
        var mass = norm;
        for (var k = 0; k < n; k++)
        {
            double moment = 0;
            for (var i = 0; i < x.Length; i++) moment += w[i] * x[i] * current[i] * current[i];
            alpha[k] = moment / norm;
            var next = new double[x.Length];
            for (var i = 0; i < x.Length; i++) next[i] = (x[i] - alpha[k]) * current[i] - (k > 0 ? beta[k] * previous[i] : 0);
            double nextNorm = 0;
            for (var i = 0; i < x.Length; i++) nextNorm += w[i] * next[i] * next[i];
            if (k + 1 < n) beta[k + 1] = nextNorm / norm;
            previous = current;
            current = next;
            norm = nextNorm;
        }
        var jacobi = Matrix<double>.Build.Dense(n, n);
        for (var k = 0; k < n; k++)
        {
            jacobi[k, k] = alpha[k];
            if (k + 1 < n) jacobi[k, k + 1] = jacobi[k + 1, k] = Math.Sqrt(beta[k + 1]);
        }
        var evd = jacobi.Evd(Symmetricity.Symmetric);
        var nodes = new double[n];
        var weights = new double[n];
        for (var k = 0; k < n; k++)
        {
            nodes[k] = evd.EigenValues[k].Real;
            var first = evd.EigenVectors[0, k];
            weights[k] = mass * first * first;
        }
        Array.Sort(nodes, weights);
        return (nodes, weights);
    });
}
