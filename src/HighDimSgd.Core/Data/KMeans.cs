namespace HighDimSgd.Core.Data;

/// <summary>
/// Lloyd's k-means with k-means++ seeding from a fixed seed, on the rows of one class: the richer surrogate of
/// <c>components-per-class</c>, where each cluster becomes one Gaussian carrying its class's label.
/// </summary>
internal static class KMeans
{
    private const int MaxIterations = 100;

    /// <summary>Cluster index (0..k-1) of each of the <paramref name="count"/> rows; clusters that end empty are absent.</summary>
    public static int[] Assign(double[] rows, int count, int d, int k, int seed)
    {
        var assignment = new int[count];
        if (k <= 1 || count <= k)
        {
            for (var i = 0; i < count; i++) assignment[i] = k <= 1 ? 0 : i;
            return assignment;
        }
        var random = new Random(seed);
        var centres = new double[k * d];
        // k-means++: the first centre uniformly, each next one with probability proportional to its squared distance.
        rows.AsSpan(random.Next(count) * d, d).CopyTo(centres);
        var nearest = new double[count];
        Array.Fill(nearest, double.PositiveInfinity);
        for (var c = 1; c < k; c++)
        {
            double total = 0;
            for (var i = 0; i < count; i++)
            {
                nearest[i] = Math.Min(nearest[i], Distance(rows, i, centres, c - 1, d));
                total += nearest[i];
            }
            var target = random.NextDouble() * total;
            var pick = count - 1;
            for (var i = 0; i < count && target > 0; i++)
            {
                target -= nearest[i];
                if (target <= 0) pick = i;
            }
            rows.AsSpan(pick * d, d).CopyTo(centres.AsSpan(c * d, d));
        }
        Array.Fill(assignment, -1);
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            var changed = false;
            for (var i = 0; i < count; i++)
            {
                var best = 0;
                var bestDistance = double.PositiveInfinity;
                for (var c = 0; c < k; c++)
                {
                    var distance = Distance(rows, i, centres, c, d);
                    if (distance < bestDistance) (best, bestDistance) = (c, distance);
                }
                if (assignment[i] != best) (assignment[i], changed) = (best, true);
            }
            if (!changed) break;
            Array.Clear(centres);
            var sizes = new int[k];
            for (var i = 0; i < count; i++)
            {
                sizes[assignment[i]]++;
                System.Numerics.Tensors.TensorPrimitives.Add(centres.AsSpan(assignment[i] * d, d), rows.AsSpan(i * d, d), centres.AsSpan(assignment[i] * d, d));
            }
            for (var c = 0; c < k; c++)
                if (sizes[c] > 0) System.Numerics.Tensors.TensorPrimitives.Divide(centres.AsSpan(c * d, d), sizes[c], centres.AsSpan(c * d, d));
        }
        return assignment;
    }

    private static double Distance(double[] rows, int i, double[] centres, int c, int d)
    {
        var row = rows.AsSpan(i * d, d);
        var centre = centres.AsSpan(c * d, d);
        double sum = 0;
        for (var j = 0; j < d; j++)
        {
            var v = row[j] - centre[j];
            sum += v * v;
        }
        return sum;
    }
}
