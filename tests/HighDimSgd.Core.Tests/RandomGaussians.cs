using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace HighDimSgd.Core.Tests;

/// <summary>Random test Gaussians shared by the quadrature tests.</summary>
internal static class RandomGaussians
{
    /// <summary>A random N(M, B) of side n: B = A A^T with A's entries of variance <paramref name="scale"/> / n, M standard normal.</summary>
    public static (double[] Mean, double[] Covariance) Draw(int n, int seed, double scale)
    {
        var random = new MersenneTwister(seed);
        var a = new double[n * n];
        Normal.Samples(random, a, 0, Math.Sqrt(scale / n));
        var b = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                for (var k = 0; k < n; k++) b[i * n + j] += a[i * n + k] * a[j * n + k];
        var mean = new double[n];
        Normal.Samples(random, mean, 0, 1);
        return (mean, b);
    }
}
