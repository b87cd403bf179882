using System.Numerics;

namespace HighDimSgd.Simulation.Tests;

public class WideGeneratorTests
{
    /// <summary>The reference xoshiro256** step (Blackman and Vigna), one lane at a time.</summary>
    private static ulong Next(ulong[] s)
    {
        var result = BitOperations.RotateLeft(s[1] * 5, 7) * 9;
        var t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = BitOperations.RotateLeft(s[3], 45);
        return result;
    }

    [Fact]
    public void EachLaneIsTheScalarXoshiroOfItsSeedWords()
    {
        const ulong key = 12345;
        var state = key ^ 0x6A09E667F3BCC909UL;
        var words = Enumerable.Range(0, 16).Select(_ => SplitMix64.Next(ref state)).ToArray();
        var lanes = Enumerable.Range(0, 4).Select(l => new[] { words[l], words[4 + l], words[8 + l], words[12 + l] }).ToArray();
        var wide = new Xoshiro256StarStarX4(key);
        for (var step = 0; step < 50; step++)
        {
            var v = wide.Next();
            for (var lane = 0; lane < 4; lane++) Assert.Equal(Next(lanes[lane]), v[lane]);
        }
    }
}
