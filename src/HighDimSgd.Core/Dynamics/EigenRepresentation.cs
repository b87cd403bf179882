using HighDimSgd.Core.Dynamics.Mixtures;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The per-direction form (theory.md sections 2 and 7): one ns x ns matrix <c>V_g</c> per group of eigen-directions
/// with equal eigenvalues in every class, and, when some class mean is non-zero, one vector <c>Q_{g,c}</c> per group
/// and class. Grouping is exact because the ODE is linear in V_i with coefficients that depend on lambda_i only.
/// With index blocks, directions of different blocks are never merged, so statistics restricted to a block are
/// sums over whole groups (<see cref="BlockOverlaps"/>).
/// </summary>
public sealed class EigenRepresentation : SpectralRepresentation
{
    private readonly int _ns, _classes, _groups;
    private readonly bool _withMeans;
    private readonly double[] _lambda;        // [g * C + c]
    private readonly double[] _multiplicity;  // [g]
    private readonly double[] _meanProducts;  // [(g * C + c) * C + c'] = d sum_i mu_{c,i} mu_{c',i}
    private readonly double[] _initial;
    private readonly double _dimension;
    private readonly double[] _a;             // scratch ns x ns
    private readonly IReadOnlyList<DirectionBlock> _blocks;
    private readonly bool[][] _groupInBlock;  // [block][g]

    /// <summary>Groups the directions of <paramref name="setup"/> and computes the initial state.</summary>
    public EigenRepresentation(DynamicsSetup setup) : this(setup, [])
    {
    }

    /// <summary>
    /// Groups the directions of <paramref name="setup"/> without merging directions of different
    /// <paramref name="blocks"/>, and computes the initial state.
    /// </summary>
    public EigenRepresentation(DynamicsSetup setup, IReadOnlyList<DirectionBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        _blocks = blocks;
        _ns = setup.StateSize;
        _classes = setup.Classes.Count;
        _withMeans = !setup.ZeroMeans;
        var d = setup.Dimension;
        _dimension = d;
        var groups = GroupDirections(setup, blocks);
        _groups = groups.Count;
        _groupInBlock = [.. blocks.Select(block => groups.Select(members => block.Contains(members[0])).ToArray())];
        _lambda = new double[_groups * _classes];
        _multiplicity = new double[_groups];
        _meanProducts = _withMeans ? new double[_groups * _classes * _classes] : [];
        _initial = new double[Dimension];
        _a = new double[_ns * _ns];
        var rows = setup.Rows;
        for (var g = 0; g < _groups; g++)
        {
            var members = groups[g];
            _multiplicity[g] = members.Count;
            for (var c = 0; c < _classes; c++) _lambda[g * _classes + c] = setup.Classes[c].Eigenvalues[members[0]];
            var v = _initial.AsSpan(g * _ns * _ns, _ns * _ns);
            foreach (var i in members)
            {
                for (var a = 0; a < _ns; a++)
                    for (var b = 0; b < _ns; b++)
                        v[a * _ns + b] += d * rows[a][i] * rows[b][i];
                if (!_withMeans) continue;
                for (var c = 0; c < _classes; c++)
                {
                    var mu = setup.Classes[c].Mean[i];
                    var q = _initial.AsSpan(QOffset(g, c), _ns);
                    for (var a = 0; a < _ns; a++) q[a] += d * rows[a][i] * mu;
                    for (var c2 = 0; c2 < _classes; c2++)
                        _meanProducts[(g * _classes + c) * _classes + c2] += d * mu * setup.Classes[c2].Mean[i];
                }
            }
        }
    }

    /// <summary>Number of eigen-groups.</summary>
    public int GroupCount => _groups;

    /// <inheritdoc />
    public override string Method => "eigen";

    /// <inheritdoc />
    public override string Description => $"eigen ({_groups} group{(_groups == 1 ? "" : "s")})";

    /// <inheritdoc />
    public override int Dimension => _groups * _ns * _ns + (_withMeans ? _groups * _classes * _ns : 0);

    private int QOffset(int g, int c) => _groups * _ns * _ns + (g * _classes + c) * _ns;

    /// <summary>Directions with the same eigenvalue in every class and the same block memberships share a group.</summary>
    private static List<List<int>> GroupDirections(DynamicsSetup setup, IReadOnlyList<DirectionBlock> blocks)
    {
        var d = setup.Dimension;
        var byKey = new Dictionary<string, List<int>>();
        var order = new List<List<int>>();
        var key = new System.Text.StringBuilder();
        for (var i = 0; i < d; i++)
        {
            key.Clear();
            foreach (var c in setup.Classes) key.Append(BitConverter.DoubleToInt64Bits(c.Eigenvalues[i])).Append(',');
            foreach (var block in blocks) key.Append(block.Contains(i) ? '1' : '0');
            var k = key.ToString();
            if (!byKey.TryGetValue(k, out var list))
            {
                list = [];
                byKey[k] = list;
                order.Add(list);
            }
            list.Add(i);
        }
        return order;
    }

    /// <inheritdoc />
    public override void InitialState(Span<double> state) => _initial.CopyTo(state);

    /// <inheritdoc />
    public override void Overlaps(ReadOnlySpan<double> state, OrderParameters into)
    {
        var n2 = _ns * _ns;
        var invD = 1 / _dimension;
        into.Gram.AsSpan().Clear();
        into.SquaredKernel.AsSpan().Clear();
        for (var c = 0; c < _classes; c++)
        {
            into.Covariances[c].AsSpan().Clear();
            into.Means[c].AsSpan().Clear();
        }
        for (var g = 0; g < _groups; g++)
        {
            var v = state.Slice(g * n2, n2);
            for (var k = 0; k < n2; k++) into.Gram[k] += invD * v[k];
            var l0 = _lambda[g * _classes];
            for (var k = 0; k < n2; k++) into.SquaredKernel[k] += invD * l0 * l0 * v[k];
            for (var c = 0; c < _classes; c++)
            {
                var scale = invD * _lambda[g * _classes + c];
                var b = into.Covariances[c];
                for (var k = 0; k < n2; k++) b[k] += scale * v[k];
                if (!_withMeans) continue;
                var q = state.Slice(QOffset(g, c), _ns);
                var m = into.Means[c];
                for (var k = 0; k < _ns; k++) m[k] += invD * q[k];
            }
        }
        into.HasSquaredKernel = _classes == 1;
    }

    /// <summary>
    /// Overlaps restricted to the blocks given at construction (same order): <c>N_B = (1/d) sum_{g in B} V_g</c>,
    /// <c>M_{c,B} = (1/d) sum_{g in B} Q_{g,c}</c>.
    /// </summary>
    public void BlockOverlaps(ReadOnlySpan<double> state, BlockOverlaps into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (into.Blocks.Count != _blocks.Count || into.StateSize != _ns)
            throw new ArgumentException("The block buffers were made for other blocks.", nameof(into));
        var n2 = _ns * _ns;
        var invD = 1 / _dimension;
        for (var b = 0; b < _blocks.Count; b++)
        {
            var gram = into.Grams[b];
            Array.Clear(gram);
            foreach (var mean in into.Means[b]) Array.Clear(mean);
            for (var g = 0; g < _groups; g++)
            {
                if (!_groupInBlock[b][g]) continue;
                var v = state.Slice(g * n2, n2);
                for (var k = 0; k < n2; k++) gram[k] += invD * v[k];
                if (!_withMeans) continue;
                for (var c = 0; c < _classes; c++)
                {
                    var q = state.Slice(QOffset(g, c), _ns);
                    var m = into.Means[b][c];
                    for (var k = 0; k < _ns; k++) m[k] += invD * q[k];
                }
            }
        }
    }

    /// <inheritdoc />
    public override void Derivative(ReadOnlySpan<double> state, DriftTerms drift, double rate, Span<double> derivative)
    {
        var n = _ns;
        var n2 = n * n;
        derivative[..Dimension].Clear();
        for (var g = 0; g < _groups; g++)
        {
            // A_g = sum_c lambda_{g,c} p_c J^_c: the drift of every direction in the group.
            Array.Clear(_a);
            for (var c = 0; c < _classes; c++)
            {
                var lam = _lambda[g * _classes + c];
                var j = drift.Jacobians[c];
                for (var k = 0; k < n2; k++) _a[k] += lam * j[k];
            }
            var v = state.Slice(g * n2, n2);
            var dv = derivative.Slice(g * n2, n2);
            Blocks.AddSymmetricProduct(_a, v, -rate, dv, n);
            var noise = rate * rate * _multiplicity[g];
            for (var c = 0; c < _classes; c++)
            {
                var scale = noise * _lambda[g * _classes + c];
                var f = drift.Fishers[c];
                for (var k = 0; k < n2; k++) dv[k] += scale * f[k];
            }
            if (!_withMeans) continue;
            for (var c = 0; c < _classes; c++)
                Blocks.AddSymmetricOuter(drift.Gradients[c], state.Slice(QOffset(g, c), n), -rate, dv, n);
            for (var c2 = 0; c2 < _classes; c2++)
            {
                var dq = derivative.Slice(QOffset(g, c2), n);
                Blocks.AddProduct(_a, state.Slice(QOffset(g, c2), n), -rate, dq, n);
                for (var c = 0; c < _classes; c++)
                {
                    var weight = -rate * _meanProducts[(g * _classes + c) * _classes + c2];
                    var grad = drift.Gradients[c];
                    for (var k = 0; k < n; k++) dq[k] += weight * grad[k];
                }
            }
        }
    }

    /// <inheritdoc />
    public override void PolynomialOverlap(ReadOnlySpan<double> state, ReadOnlySpan<double> coefficients, Span<double> into)
    {
        var n2 = _ns * _ns;
        into[..n2].Clear();
        for (var g = 0; g < _groups; g++)
        {
            var lam = _lambda[g * _classes];
            double p = 0, power = 1;
            foreach (var coefficient in coefficients)
            {
                p += coefficient * power;
                power *= lam;
            }
            var v = state.Slice(g * n2, n2);
            for (var k = 0; k < n2; k++) into[k] += p * v[k] / _dimension;
        }
    }
}
