namespace HighDimSgd.Simulation;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a bijective 64-bit mixer used only to turn (seed, run index)
/// into well-separated generator states, so per-run streams do not depend on thread scheduling.
/// </summary>
public static class SplitMix64
{
    private const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;

    /// <summary>The SplitMix64 finaliser of <paramref name="z"/>.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Advances <paramref name="state"/> by the golden gamma and returns the mixed value.</summary>
    public static ulong Next(ref ulong state)
    {
        state += GoldenGamma;
        return Mix(state);
    }

    /// <summary>
    /// A 64-bit key for run <paramref name="runIndex"/> of an ensemble with master <paramref name="seed"/>.
    /// Mixing twice keeps neighbouring seeds and neighbouring run indices far apart.
    /// </summary>
    public static ulong RunKey(ulong seed, long runIndex) =>
        Mix(Mix(seed) ^ Mix(unchecked((ulong)runIndex * GoldenGamma + 0x632BE59BD9B4E019UL)));
}
