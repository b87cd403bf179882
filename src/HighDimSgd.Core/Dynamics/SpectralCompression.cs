using HighDimSgd.Core.Dynamics.Mixtures;

namespace HighDimSgd.Core.Dynamics;

/// <summary>How finely <see cref="SpectralCompression"/> resolves a spectrum.</summary>
/// <param name="PanelRatio">Largest ratio lambda_max / lambda_min inside one panel.</param>
/// <param name="NodesPerPanel">Interpolation nodes per panel (the shadow rule that estimates the error has half).</param>
public sealed record CompressionOptions(double PanelRatio = 4.0, int NodesPerPanel = 16)
{
    /// <summary>Checks the values; a violation is a programming error.</summary>
    public void Validate()
    {
        if (!(PanelRatio > 1) || !double.IsFinite(PanelRatio)) throw new ArgumentException("The panel ratio must be finite and above 1.");
        if (NodesPerPanel < 4 || NodesPerPanel % 2 != 0) throw new ArgumentException("Nodes per panel must be even and at least 4.");
    }
}

/// <summary>
/// A d-independent eigen form for spectra with many distinct eigenvalues. The per-direction ODE is linear in each
/// direction's state with coefficients that depend on its eigenvalue alone, so every overlap is an integral of
/// analytic functions of lambda (decays like exp(-c lambda t), the noise balance, powers of lambda) against the
/// initial weights. Those functions are smooth in log lambda: on panels of bounded ratio in lambda, interpolation at
/// Chebyshev nodes of log lambda integrates them to near machine precision. Each node becomes a group whose state and
/// noise weight are the sums of the directions' states weighted by the node's Lagrange basis function (signed
/// weights; the engine is linear, so nothing else changes). Panels with no more distinct eigenvalues than nodes, and
/// zero eigenvalues, stay exact. A second rule with half the nodes per panel (the shadow) evolves with the same drift:
/// its distance from the solution bounds the compression error, which the solver reports.
/// </summary>
public static class SpectralCompression
{
    /// <summary>Why the compression cannot carry this setup, or null when it can.</summary>
    public static string? Unsupported(DynamicsSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var reference = setup.Classes[0].Eigenvalues;
        for (var c = 1; c < setup.Classes.Count; c++)
            if (!setup.Classes[c].Eigenvalues.AsSpan().SequenceEqual(reference))
                return "the classes have different spectra";
        return null;
    }

    /// <summary>Compresses the spectrum of <paramref name="setup"/> within each index block.</summary>
    public static EigenGroups Compress(DynamicsSetup setup, IReadOnlyList<DirectionBlock> blocks, CompressionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(blocks);
        options ??= new CompressionOptions();
        options.Validate();
        if (Unsupported(setup) is { } reason) throw new ArgumentException($"The spectrum cannot be compressed: {reason}.");
        var lambda = setup.Classes[0].Eigenvalues;
        var plans = new List<PanelPlan>();
        foreach (var members in PartitionByBlocks(lambda.Length, blocks))
            plans.AddRange(Panels(lambda, members, options));

        var shape = new List<(double Lambda, GroupRole Role)>();
        foreach (var plan in plans)
        {
            plan.FirstGroup = shape.Count;
            shape.AddRange(plan.Groups);
        }
        var compressed = plans.Count(p => p.Nodes is not null);
        var primary = shape.Count(s => s.Role.HasFlag(GroupRole.Primary));
        var shadow = shape.Count - primary;
        var description = compressed == 0
            ? $"{primary} groups, no panel compressed"
            : $"{lambda.Length} directions as {primary} groups on {plans.Count} panels ({compressed} interpolated, {options.NodesPerPanel} nodes each; {shadow}-group error rule)";
        var groups = EigenGroups.Empty(setup, blocks, shape, description);
        var rows = setup.Rows;
        foreach (var plan in plans) plan.Accumulate(groups, rows, setup.Classes, lambda, options.NodesPerPanel);
        return groups;
    }

    private static List<List<int>> PartitionByBlocks(int dimension, IReadOnlyList<DirectionBlock> blocks) =>
        EigenGroups.Partition(dimension, i => string.Concat(blocks.Select(b => b.Contains(i) ? '1' : '0')));

    private static IEnumerable<PanelPlan> Panels(double[] lambda, List<int> members, CompressionOptions options)
    {
        var zeros = members.Where(i => lambda[i] == 0).ToArray();
        if (zeros.Length > 0) yield return PanelPlan.Exact(lambda, zeros);
        var positive = members.Where(i => lambda[i] > 0).ToArray();
        if (positive.Length == 0) yield break;
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var i in positive)
        {
            var u = Math.Log(lambda[i]);
            lo = Math.Min(lo, u);
            hi = Math.Max(hi, u);
        }
        var width = Math.Log(options.PanelRatio);
        var count = Math.Max(1, (int)Math.Ceiling((hi - lo) / width - 1e-9));
        var panels = new List<int>[count];
        for (var p = 0; p < count; p++) panels[p] = [];
        foreach (var i in positive)
        {
            var p = count == 1 ? 0 : Math.Clamp((int)((Math.Log(lambda[i]) - lo) / (hi - lo) * count), 0, count - 1);
            panels[p].Add(i);
        }
        foreach (var panel in panels)
        {
            if (panel.Count == 0) continue;
            var distinct = new HashSet<double>();
            foreach (var i in panel)
                if (distinct.Add(lambda[i]) && distinct.Count > options.NodesPerPanel) break;
            yield return distinct.Count <= options.NodesPerPanel
                ? PanelPlan.Exact(lambda, [.. panel])
                : PanelPlan.Interpolated(lambda, [.. panel], options.NodesPerPanel);
        }
    }

    /// <summary>Chebyshev points of the first kind on [-1, 1] and their barycentric weights.</summary>
    internal static (double[] Points, double[] Weights) ChebyshevNodes(int n)
    {
        var points = new double[n];
        var weights = new double[n];
        for (var k = 0; k < n; k++)
        {
            var angle = (2 * k + 1) * Math.PI / (2 * n);
            points[k] = Math.Cos(angle);
            weights[k] = (k % 2 == 0 ? 1 : -1) * Math.Sin(angle);
        }
        return (points, weights);
    }

    /// <summary>The n Lagrange basis functions of the nodes at <paramref name="x"/> (barycentric form; exact at a node).</summary>
    internal static void LagrangeBasis(double x, double[] points, double[] weights, Span<double> into)
    {
        double sum = 0;
        for (var k = 0; k < points.Length; k++)
        {
            var difference = x - points[k];
            if (difference == 0)
            {
                into.Clear();
                into[k] = 1;
                return;
            }
            into[k] = weights[k] / difference;
            sum += into[k];
        }
        for (var k = 0; k < points.Length; k++) into[k] /= sum;
    }

    /// <summary>The groups of one panel: exact values, or a primary and a shadow interpolation rule.</summary>
    private sealed class PanelPlan
    {
        private double[] _values = [];
        private int[] _directions = [];
        private double _lo, _hi;

        public List<(double Lambda, GroupRole Role)> Groups { get; } = [];

        public int FirstGroup { get; set; }

        /// <summary>Null for an exact panel; the primary and shadow node sets (on [-1, 1]) otherwise.</summary>
        public (double[] Points, double[] Weights)[]? Nodes { get; private set; }

        public static PanelPlan Exact(double[] lambda, int[] directions)
        {
            var plan = new PanelPlan { _directions = directions };
            plan._values = [.. directions.Select(i => lambda[i]).Distinct()];
            foreach (var value in plan._values) plan.Groups.Add((value, GroupRole.Both));
            return plan;
        }

        public static PanelPlan Interpolated(double[] lambda, int[] directions, int nodes)
        {
            var plan = new PanelPlan { _directions = directions };
            plan._lo = directions.Min(i => Math.Log(lambda[i]));
            plan._hi = directions.Max(i => Math.Log(lambda[i]));
            plan.Nodes = [ChebyshevNodes(nodes), ChebyshevNodes(nodes / 2)];
            foreach (var x in plan.Nodes[0].Points) plan.Groups.Add((plan.Lambda(x), GroupRole.Primary));
            foreach (var x in plan.Nodes[1].Points) plan.Groups.Add((plan.Lambda(x), GroupRole.Shadow));
            return plan;
        }

        private double Lambda(double x) => Math.Exp(0.5 * (_lo + _hi) + 0.5 * (_hi - _lo) * x);

        public void Accumulate(EigenGroups groups, double[][] rows, IReadOnlyList<DataClass> classes, double[] lambda, int nodes)
        {
            if (Nodes is null)
            {
                var index = new Dictionary<double, int>();
                for (var k = 0; k < _values.Length; k++) index[_values[k]] = FirstGroup + k;
                foreach (var i in _directions) groups.Add(rows, classes, index[lambda[i]], i, 1.0);
                return;
            }
            var primary = new double[nodes];
            var shadow = new double[nodes / 2];
            foreach (var i in _directions)
            {
                var x = (2 * Math.Log(lambda[i]) - _lo - _hi) / (_hi - _lo);
                LagrangeBasis(x, Nodes[0].Points, Nodes[0].Weights, primary);
                LagrangeBasis(x, Nodes[1].Points, Nodes[1].Weights, shadow);
                groups.Add(rows, classes, i, FirstGroup, primary);
                groups.Add(rows, classes, i, FirstGroup + nodes, shadow);
            }
        }
    }
}
