using HighDimSgd.Core.Dynamics.Mixtures;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The per-direction form (theory.md sections 2 and 7): one ns x ns matrix <c>V_g</c> per group of eigen-directions,
/// and, when some class mean is non-zero, one vector <c>Q_{g,c}</c> per group and class, stored group by group. The
/// groups are exact (equal eigenvalues summed, <see cref="EigenGroups.Exact"/>) or a compressed spectrum
/// (<see cref="SpectralCompression"/>). With index blocks, directions of different blocks are never merged, so
/// statistics restricted to a block are sums over whole groups (<see cref="BlockOverlaps"/>).
/// </summary>
public sealed class EigenRepresentation : SpectralRepresentation
{
    private readonly int _ns, _classes, _block;
    private readonly EigenGroups _groups;
    private readonly double _dimension;
    private readonly double[] _a;             // scratch ns x ns
    private readonly string _method;

    /// <summary>Exact groups of <paramref name="setup"/>.</summary>
    public EigenRepresentation(DynamicsSetup setup) : this(setup, [])
    {
    }

    /// <summary>Exact groups of <paramref name="setup"/> that never merge directions of different <paramref name="blocks"/>.</summary>
    public EigenRepresentation(DynamicsSetup setup, IReadOnlyList<DirectionBlock> blocks)
        : this(setup, EigenGroups.Exact(setup, blocks), "eigen")
    {
    }

    /// <summary>The given groups; <paramref name="method"/> names the representation in run records.</summary>
    public EigenRepresentation(DynamicsSetup setup, EigenGroups groups, string method)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(groups);
        _groups = groups;
        _method = method;
        _ns = setup.StateSize;
        _classes = setup.Classes.Count;
        _dimension = setup.Dimension;
        _block = _ns * _ns + (groups.WithMeans ? _classes * _ns : 0);
        _a = new double[_ns * _ns];
    }

    /// <summary>Number of groups that drive the dynamics.</summary>
    public int GroupCount => _groups.PrimaryCount;

    /// <summary>The groups carried.</summary>
    public EigenGroups Groups => _groups;

    /// <summary>True when a coarser rule is carried to estimate the compression error (<see cref="ShadowOverlaps"/>).</summary>
    public bool HasErrorRule => _groups.HasShadow;

    /// <inheritdoc />
    public override string Method => _method;

    /// <inheritdoc />
    public override string Description => $"{_method} ({_groups.Description})";

    /// <inheritdoc />
    public override int Dimension => _groups.Count * _block;

    /// <summary>States per group: V_g, then Q_{g,c} per class.</summary>
    public int BlockSize => _block;

    private int VOffset(int g) => g * _block;

    private int QOffset(int g, int c) => g * _block + _ns * _ns + c * _ns;

    /// <inheritdoc />
    public override void InitialState(Span<double> state)
    {
        var n2 = _ns * _ns;
        for (var g = 0; g < _groups.Count; g++)
        {
            _groups.InitialV.AsSpan(g * n2, n2).CopyTo(state.Slice(VOffset(g), n2));
            if (!_groups.WithMeans) continue;
            for (var c = 0; c < _classes; c++)
                _groups.InitialQ.AsSpan((g * _classes + c) * _ns, _ns).CopyTo(state.Slice(QOffset(g, c), _ns));
        }
    }

    /// <inheritdoc />
    public override void Overlaps(ReadOnlySpan<double> state, OrderParameters into) => Sum(state, into, GroupRole.Primary);

    /// <summary>The overlaps of the coarser error rule (the same as <see cref="Overlaps"/> where nothing is compressed).</summary>
    public void ShadowOverlaps(ReadOnlySpan<double> state, OrderParameters into) => Sum(state, into, GroupRole.Shadow);

    private void Sum(ReadOnlySpan<double> state, OrderParameters into, GroupRole role)
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
        for (var g = 0; g < _groups.Count; g++)
        {
            if (!_groups.Roles[g].HasFlag(role)) continue;
            var v = state.Slice(VOffset(g), n2);
            for (var k = 0; k < n2; k++) into.Gram[k] += invD * v[k];
            var l0 = _groups.Lambda[g * _classes];
            for (var k = 0; k < n2; k++) into.SquaredKernel[k] += invD * l0 * l0 * v[k];
            for (var c = 0; c < _classes; c++)
            {
                var scale = invD * _groups.Lambda[g * _classes + c];
                var b = into.Covariances[c];
                for (var k = 0; k < n2; k++) b[k] += scale * v[k];
                if (!_groups.WithMeans) continue;
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
        if (into.Blocks.Count != _groups.Blocks.Count || into.StateSize != _ns)
            throw new ArgumentException("The block buffers were made for other blocks.", nameof(into));
        var n2 = _ns * _ns;
        var invD = 1 / _dimension;
        for (var b = 0; b < _groups.Blocks.Count; b++)
        {
            var gram = into.Grams[b];
            Array.Clear(gram);
            foreach (var mean in into.Means[b]) Array.Clear(mean);
            for (var g = 0; g < _groups.Count; g++)
            {
                if (!_groups.InBlock[b][g] || !_groups.Roles[g].HasFlag(GroupRole.Primary)) continue;
                var v = state.Slice(VOffset(g), n2);
                for (var k = 0; k < n2; k++) gram[k] += invD * v[k];
                if (!_groups.WithMeans) continue;
                for (var c = 0; c < _classes; c++)
                {
                    var q = state.Slice(QOffset(g, c), _ns);
                    var m = into.Means[b][c];
                    for (var k = 0; k < _ns; k++) m[k] += invD * q[k];
                }
            }
        }
    }

    /// <summary>A_g = sum_c lambda_{g,c} p_c J^_c: the drift of every direction in group g.</summary>
    private void GroupDrift(int g, DriftTerms drift)
    {
        var n2 = _ns * _ns;
        Array.Clear(_a);
        for (var c = 0; c < _classes; c++)
        {
            var lam = _groups.Lambda[g * _classes + c];
            var j = drift.Jacobians[c];
            for (var k = 0; k < n2; k++) _a[k] += lam * j[k];
        }
    }

    /// <inheritdoc />
    public override void Derivative(ReadOnlySpan<double> state, DriftTerms drift, double rate, Span<double> derivative)
    {
        var n = _ns;
        var n2 = n * n;
        derivative[..Dimension].Clear();
        for (var g = 0; g < _groups.Count; g++)
        {
            GroupDrift(g, drift);
            var v = state.Slice(VOffset(g), n2);
            var dv = derivative.Slice(VOffset(g), n2);
            Blocks.AddSymmetricProduct(_a, v, -rate, dv, n);
            var noise = rate * rate * _groups.Weight[g];
            for (var c = 0; c < _classes; c++)
            {
                var scale = noise * _groups.Lambda[g * _classes + c];
                var f = drift.Fishers[c];
                for (var k = 0; k < n2; k++) dv[k] += scale * f[k];
            }
            if (!_groups.WithMeans) continue;
            for (var c = 0; c < _classes; c++)
                Blocks.AddSymmetricOuter(drift.Gradients[c], state.Slice(QOffset(g, c), n), -rate, dv, n);
            for (var c2 = 0; c2 < _classes; c2++)
            {
                var dq = derivative.Slice(QOffset(g, c2), n);
                Blocks.AddProduct(_a, state.Slice(QOffset(g, c2), n), -rate, dq, n);
                for (var c = 0; c < _classes; c++)
                {
                    var weight = -rate * _groups.MeanProducts[(g * _classes + c) * _classes + c2];
                    var grad = drift.Gradients[c];
                    for (var k = 0; k < n; k++) dq[k] += weight * grad[k];
                }
            }
        }
    }

    /// <summary>
    /// The Jacobian of group <paramref name="g"/>'s derivative with respect to its own states at fixed drift and rate
    /// (<see cref="BlockSize"/> squared, row-major, overwritten). The derivative is affine in the group's state, so this
    /// is exact; everything else couples groups only through the overlaps.
    /// </summary>
    public void BlockJacobian(int g, DriftTerms drift, double rate, Span<double> into)
    {
        var n = _ns;
        var n2 = n * n;
        var bs = _block;
        into[..(bs * bs)].Clear();
        GroupDrift(g, drift);
        // d(A V + V A^T)_{ab} / dV_{ce} = A_{ac} delta_{be} + delta_{ac} A_{be}.
        for (var a = 0; a < n; a++)
            for (var b = 0; b < n; b++)
            {
                var row = (a * n + b) * bs;
                for (var c = 0; c < n; c++)
                {
                    into[row + c * n + b] -= rate * _a[a * n + c];
                    into[row + a * n + c] -= rate * _a[b * n + c];
                }
            }
        if (!_groups.WithMeans) return;
        for (var c = 0; c < _classes; c++)
        {
            var grad = drift.Gradients[c];
            var q0 = n2 + c * n;
            // d(g q^T + q g^T)_{ab} / dq_e = g_a delta_{be} + delta_{ae} g_b.
            for (var a = 0; a < n; a++)
                for (var b = 0; b < n; b++)
                {
                    var row = (a * n + b) * bs;
                    into[row + q0 + b] -= rate * grad[a];
                    into[row + q0 + a] -= rate * grad[b];
                }
            for (var a = 0; a < n; a++)
                for (var e = 0; e < n; e++)
                    into[(q0 + a) * bs + q0 + e] -= rate * _a[a * n + e];
        }
    }

    /// <inheritdoc />
    public override void PolynomialOverlap(ReadOnlySpan<double> state, ReadOnlySpan<double> coefficients, Span<double> into)
    {
        var n2 = _ns * _ns;
        into[..n2].Clear();
        for (var g = 0; g < _groups.Count; g++)
        {
            if (!_groups.Roles[g].HasFlag(GroupRole.Primary)) continue;
            var lam = _groups.Lambda[g * _classes];
            double p = 0, power = 1;
            foreach (var coefficient in coefficients)
            {
                p += coefficient * power;
                power *= lam;
            }
            var v = state.Slice(VOffset(g), n2);
            for (var k = 0; k < n2; k++) into[k] += p * v[k] / _dimension;
        }
    }
}
