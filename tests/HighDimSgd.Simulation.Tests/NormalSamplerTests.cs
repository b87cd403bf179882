using HighDimSgd.Simulation;

namespace HighDimSgd.Simulation.Tests;

public class NormalSamplerTests
{
    private const int Draws = 1_000_000;

    private static double[] Sample(ulong seed, int runIndex = 0)
    {
        var values = new double[Draws];
        NormalSampler.ForRun(seed, runIndex).Fill(values);
        return values;
    }

    [Fact]
    public void MomentsMatchStandardNormalWithinStatisticalError()
    {
        var z = Sample(12345);
        double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
        foreach (var x in z)
        {
            var x2 = x * x;
            m1 += x;
            m2 += x2;
            m3 += x2 * x;
            m4 += x2 * x2;
        }

        // Standard errors sqrt(Var(z^p) / n): Var z = 1, Var z^2 = 2, Var z^3 = 15, Var z^4 = 96.
        var n = (double)Draws;
        Assert.InRange(m1 / n, -4 * Math.Sqrt(1 / n), 4 * Math.Sqrt(1 / n));
        Assert.InRange(m2 / n - 1, -4 * Math.Sqrt(2 / n), 4 * Math.Sqrt(2 / n));
        Assert.InRange(m3 / n, -4 * Math.Sqrt(15 / n), 4 * Math.Sqrt(15 / n));
        Assert.InRange(m4 / n - 3, -4 * Math.Sqrt(96 / n), 4 * Math.Sqrt(96 / n));
    }

    [Theory]
    [InlineData(1.0, 0.31731050786291415)]
    [InlineData(3.0, 0.0026997960632601866)]
    [InlineData(4.0, 6.334248366623996e-05)]
    public void TwoSidedTailProbabilitiesMatch(double threshold, double exact)
    {
        var z = Sample(777);
        var count = z.Count(x => Math.Abs(x) > threshold);
        var standardError = Math.Sqrt(exact * (1 - exact) / Draws);
        Assert.InRange(count / (double)Draws, exact - 4 * standardError, exact + 4 * standardError);
    }

    [Fact]
    public void DistributionFunctionMatchesOnAGrid()
    {
        // A Kolmogorov-Smirnov style check at fixed points: each empirical CDF value within 4 binomial standard errors.
        var z = Sample(99);
        Array.Sort(z);
        foreach (var (x, phi) in new[] { (-2.0, 0.022750131948179195), (-0.5, 0.3085375387259869), (0.0, 0.5), (0.7, 0.758036347776927), (2.5, 0.9937903346742238) })
        {
            var below = LowerBound(z, x) / (double)Draws;
            var standardError = Math.Sqrt(phi * (1 - phi) / Draws);
            Assert.InRange(below, phi - 4 * standardError, phi + 4 * standardError);
        }
    }

    [Fact]
    public void SameSeedSameStreamDifferentSeedOrRunDifferentStream()
    {
        var a = new double[5000];
        var b = new double[5000];
        NormalSampler.ForRun(1, 0).Fill(a);
        NormalSampler.ForRun(1, 0).Fill(b);
        Assert.Equal(a, b);

        NormalSampler.ForRun(2, 0).Fill(b);
        Assert.True(a.Zip(b).Count(p => p.First == p.Second) < 5);

        NormalSampler.ForRun(1, 1).Fill(b);
        Assert.True(a.Zip(b).Count(p => p.First == p.Second) < 5);
    }

    [Fact]
    public void StreamDoesNotDependOnHowRequestsAreSplit()
    {
        var whole = new double[3000];
        NormalSampler.ForRun(5, 3).Fill(whole);

        var pieces = new double[3000];
        var sampler = NormalSampler.ForRun(5, 3);
        var position = 0;
        foreach (var size in new[] { 1, 7, 1024, 13, 1100, 1 })
        {
            sampler.Fill(pieces.AsSpan(position, size));
            position += size;
        }

        while (position < pieces.Length)
        {
            pieces[position++] = sampler.Next();
        }

        Assert.Equal(whole, pieces);
    }

    [Fact]
    public void NeighbouringRunsAreUncorrelated()
    {
        var a = Sample(3, 0);
        var b = Sample(3, 1);
        var correlation = a.Zip(b).Sum(p => p.First * p.Second) / Draws;
        Assert.InRange(correlation, -4 / Math.Sqrt(Draws), 4 / Math.Sqrt(Draws));
    }

    [Fact]
    public void BoxMullerPartnersAreIndependent()
    {
        // A block holds the pairs (z1, z2) at offsets i and i + BlockSize / 2. For independent normals
        // E[z1 z2] = 0 (variance 1) and E[z1^2 z2^2] = 1 (variance 8); a non-uniform angle breaks the second.
        var z = Sample(2718);
        const int half = NormalSampler.BlockSize / 2;
        double product = 0, squares = 0;
        var pairs = 0;
        for (var block = 0; block + NormalSampler.BlockSize <= z.Length; block += NormalSampler.BlockSize)
        {
            for (var i = 0; i < half; i++)
            {
                var a = z[block + i];
                var b = z[block + half + i];
                product += a * b;
                squares += a * a * b * b;
                pairs++;
            }
        }

        Assert.InRange(product / pairs, -4 / Math.Sqrt(pairs), 4 / Math.Sqrt(pairs));
        Assert.InRange(squares / pairs - 1, -4 * Math.Sqrt(8.0 / pairs), 4 * Math.Sqrt(8.0 / pairs));
    }

    private static int LowerBound(double[] sorted, double x)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (sorted[mid] < x)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
