namespace HighDimSgd.Core.Ode;

/// <summary>
/// Loops over the entries of a state vector, split into fixed chunks run in parallel when the state is large (the dense
/// real-data form has about 6e5 states, and the integrator's vector updates would otherwise run on one core while the
/// BLAS threads wait). Chunk boundaries do not depend on the number of threads, so results do not either.
/// </summary>
internal static class StateLoops
{
    /// <summary>States below this are looped on the calling thread.</summary>
    public const int ParallelThreshold = 1 << 16;

    private const int ChunkSize = 1 << 14;

    /// <summary>Runs <paramref name="body"/>(start, end) over [0, n).</summary>
    public static void For(int n, Action<int, int> body)
    {
        if (n < ParallelThreshold)
        {
            body(0, n);
            return;
        }
        var chunks = (n + ChunkSize - 1) / ChunkSize;
        Parallel.For(0, chunks, c => body(c * ChunkSize, Math.Min(n, (c + 1) * ChunkSize)));
    }

    /// <summary>The sum over [0, n) of <paramref name="term"/>(start, end), added chunk by chunk in order.</summary>
    public static double Sum(int n, Func<int, int, double> term)
    {
        if (n < ParallelThreshold) return term(0, n);
        var chunks = (n + ChunkSize - 1) / ChunkSize;
        var partial = new double[chunks];
        Parallel.For(0, chunks, c => partial[c] = term(c * ChunkSize, Math.Min(n, (c + 1) * ChunkSize)));
        double sum = 0;
        foreach (var p in partial) sum += p;
        return sum;
    }
}
