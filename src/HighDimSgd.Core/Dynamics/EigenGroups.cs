using HighDimSgd.Core.Dynamics.Mixtures;

namespace HighDimSgd.Core.Dynamics;

/// <summary>Which overlaps a group counts in: the solution's, the error estimate's (the coarser rule), or both.</summary>
[Flags]
public enum GroupRole
{
    /// <summary>Counts in the overlaps that drive the dynamics.</summary>
    Primary = 1,

    /// <summary>Counts in the coarser rule that estimates the compression error.</summary>
    Shadow = 2,

    /// <summary>An exact group: counts in both.</summary>
    Both = Primary | Shadow,
}

/// <summary>
/// The groups of eigen-directions that the per-direction ODE carries: per group an eigenvalue per class, a weight in the
/// noise term (the number of directions for an exact group), the initial <c>V_g</c> and <c>Q_{g,c}</c>, the mean
/// products <c>d sum_i mu_{c,i} mu_{c',i}</c> and the index blocks it belongs to. The ODE is linear in every group's
/// state with coefficients that depend on the group's eigenvalue only, so any set of groups whose weights integrate
/// the functions of lambda that the dynamics produce gives the same overlaps: exact groups (equal eigenvalues summed)
/// or a compressed spectrum (<see cref="SpectralCompression"/>).
/// </summary>
public sealed class EigenGroups
{
    private EigenGroups(int stateSize, int classes, bool withMeans, int count, IReadOnlyList<DirectionBlock> blocks)
    {
        StateSize = stateSize;
        Classes = classes;
        WithMeans = withMeans;
        Count = count;
        Lambda = new double[count * classes];
        Weight = new double[count];
        MeanProducts = withMeans ? new double[count * classes * classes] : [];
        InitialV = new double[count * stateSize * stateSize];
        InitialQ = withMeans ? new double[count * classes * stateSize] : [];
        Roles = new GroupRole[count];
        Blocks = blocks;
        InBlock = [.. blocks.Select(_ => new bool[count])];
    }

    /// <summary>ns = l + l*.</summary>
    public int StateSize { get; }

    /// <summary>Number of classes C.</summary>
    public int Classes { get; }

    /// <summary>True when some class mean is non-zero (Q states are carried).</summary>
    public bool WithMeans { get; }

    /// <summary>Number of groups (primary and shadow together).</summary>
    public int Count { get; }

    /// <summary>Eigenvalue of group g in class c at [g * C + c].</summary>
    public double[] Lambda { get; }

    /// <summary>Weight of the group in the noise term (its number of directions when exact).</summary>
    public double[] Weight { get; }

    /// <summary>[(g * C + c) * C + c'] = d sum_i mu_{c,i} mu_{c',i} over the group.</summary>
    public double[] MeanProducts { get; }

    /// <summary>V_g(0) = d sum_i w_i w_i^T, ns x ns per group.</summary>
    public double[] InitialV { get; }

    /// <summary>Q_{g,c}(0) = d sum_i w_i mu_{c,i}, ns per group and class at [(g * C + c) * ns].</summary>
    public double[] InitialQ { get; }

    /// <summary>Which overlaps each group counts in.</summary>
    public GroupRole[] Roles { get; }

    /// <summary>The index blocks of the setup.</summary>
    public IReadOnlyList<DirectionBlock> Blocks { get; }

    /// <summary>[block][g]: whether group g lies in the block.</summary>
    public bool[][] InBlock { get; }

    /// <summary>Number of groups that drive the dynamics.</summary>
    public int PrimaryCount => Roles.Count(r => r.HasFlag(GroupRole.Primary));

    /// <summary>True when a coarser shadow rule is carried for an error estimate.</summary>
    public bool HasShadow => Array.Exists(Roles, r => r == GroupRole.Shadow);

    /// <summary>How the groups were formed, for run records.</summary>
    public string Description { get; private init; } = "";

    /// <summary>The number of exact groups, without forming them.</summary>
    public static int CountExact(DynamicsSetup setup, IReadOnlyList<DirectionBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(blocks);
        if (setup.Classes.Count == 1 && blocks.Count == 0)
            return setup.Classes[0].Eigenvalues.Distinct().Count();
        return Members(setup, blocks).Count;
    }

    private static List<List<int>> Members(DynamicsSetup setup, IReadOnlyList<DirectionBlock> blocks)
    {
        // One spectrum and no blocks: key by the value itself (the common case, and the one with d up to 1e6).
        if (setup.Classes.Count == 1 && blocks.Count == 0)
        {
            var lambda = setup.Classes[0].Eigenvalues;
            return Partition(lambda.Length, i => lambda[i]);
        }
        var key = new System.Text.StringBuilder();
        return Partition(setup.Dimension, i =>
        {
            key.Clear();
            foreach (var c in setup.Classes) key.Append(BitConverter.DoubleToInt64Bits(c.Eigenvalues[i])).Append(',');
            foreach (var block in blocks) key.Append(block.Contains(i) ? '1' : '0');
            return key.ToString();
        });
    }

    /// <summary>The indices 0..count-1 split by <paramref name="key"/>, parts in order of first appearance.</summary>
    internal static List<List<int>> Partition<TKey>(int count, Func<int, TKey> key) where TKey : notnull
    {
        var parts = new List<List<int>>();
        var byKey = new Dictionary<TKey, List<int>>();
        for (var i = 0; i < count; i++)
        {
            var k = key(i);
            if (!byKey.TryGetValue(k, out var part))
            {
                part = [];
                byKey[k] = part;
                parts.Add(part);
            }
            part.Add(i);
        }
        return parts;
    }

    /// <summary>Directions with the same eigenvalue in every class and the same block memberships share a group.</summary>
    public static EigenGroups Exact(DynamicsSetup setup, IReadOnlyList<DirectionBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(blocks);
        var members = Members(setup, blocks);
        var groups = new EigenGroups(setup.StateSize, setup.Classes.Count, !setup.ZeroMeans, members.Count, blocks)
        {
            Description = $"{members.Count} group{(members.Count == 1 ? "" : "s")}",
        };
        var rows = setup.Rows;
        for (var g = 0; g < members.Count; g++)
        {
            groups.Roles[g] = GroupRole.Both;
            for (var c = 0; c < groups.Classes; c++) groups.Lambda[g * groups.Classes + c] = setup.Classes[c].Eigenvalues[members[g][0]];
            foreach (var i in members[g]) groups.Add(rows, setup.Classes, g, i, 1.0);
        }
        return groups;
    }

    /// <summary>
    /// Empty groups for a compression rule to fill with <see cref="Add"/>: every class gets the group's eigenvalue
    /// (a rule applies only when all classes share one spectrum).
    /// </summary>
    internal static EigenGroups Empty(DynamicsSetup setup, IReadOnlyList<DirectionBlock> blocks,
        IReadOnlyList<(double Lambda, GroupRole Role)> shape, string description)
    {
        var groups = new EigenGroups(setup.StateSize, setup.Classes.Count, !setup.ZeroMeans, shape.Count, blocks)
        {
            Description = description,
        };
        for (var g = 0; g < shape.Count; g++)
        {
            groups.Roles[g] = shape[g].Role;
            for (var c = 0; c < groups.Classes; c++) groups.Lambda[g * groups.Classes + c] = shape[g].Lambda;
        }
        return groups;
    }

    /// <summary>Adds direction <paramref name="i"/> with weight <paramref name="weight"/> to group <paramref name="g"/>.</summary>
    internal void Add(double[][] rows, IReadOnlyList<DataClass> classes, int g, int i, double weight) =>
        Add(rows, classes, i, g, [weight]);

    /// <summary>
    /// Adds direction <paramref name="i"/> to the consecutive groups from <paramref name="first"/>, one weight each (the
    /// direction's products are formed once: a compression adds every direction to all nodes of its panel).
    /// </summary>
    internal void Add(double[][] rows, IReadOnlyList<DataClass> classes, int i, int first, ReadOnlySpan<double> weights)
    {
        var ns = StateSize;
        var d = (double)rows[0].Length;
        Span<double> outer = stackalloc double[ns * ns];
        for (var a = 0; a < ns; a++)
            for (var b = 0; b < ns; b++) outer[a * ns + b] = d * rows[a][i] * rows[b][i];
        for (var k = 0; k < weights.Length; k++)
        {
            var g = first + k;
            var weight = weights[k];
            Weight[g] += weight;
            var v = InitialV.AsSpan(g * ns * ns, ns * ns);
            for (var e = 0; e < v.Length; e++) v[e] += weight * outer[e];
            for (var b = 0; b < Blocks.Count; b++)
                if (Blocks[b].Contains(i)) InBlock[b][g] = true;
        }
        if (!WithMeans) return;
        for (var c = 0; c < Classes; c++)
        {
            var mu = classes[c].Mean[i];
            if (mu == 0) continue;
            for (var k = 0; k < weights.Length; k++)
            {
                var g = first + k;
                var weight = weights[k];
                var q = InitialQ.AsSpan((g * Classes + c) * ns, ns);
                for (var a = 0; a < ns; a++) q[a] += weight * d * rows[a][i] * mu;
                for (var c2 = 0; c2 < Classes; c2++)
                    MeanProducts[(g * Classes + c) * Classes + c2] += weight * d * mu * classes[c2].Mean[i];
            }
        }
    }
}
