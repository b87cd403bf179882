using HighDimSgd.Core.Matrices;

namespace HighDimSgd.Core.Tests.Matrices;

/// <summary>The product through the native BLAS (when loaded) and through the managed fallback, against the triple sum.</summary>
public class BlasTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void BothProvidersComputeAlphaOpAOpBPlusBetaC(bool ta, bool tb)
    {
        const int m = 7, n = 5, k = 4;
        var random = new Random(1);
        var a = Enumerable.Range(0, m * k).Select(_ => random.NextDouble() - 0.5).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => random.NextDouble() - 0.5).ToArray();
        var c0 = Enumerable.Range(0, m * n).Select(_ => random.NextDouble() - 0.5).ToArray();
        double A(int i, int l) => ta ? a[l * m + i] : a[i * k + l];
        double B(int l, int j) => tb ? b[j * k + l] : b[l * n + j];
        var expected = new double[m * n];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var l = 0; l < k; l++) sum += A(i, l) * B(l, j);
                expected[i * n + j] = 1.5 * sum - 0.5 * c0[i * n + j];
            }
        var native = (double[])c0.Clone();
        Blas.Multiply(a, ta, b, tb, native, m, n, k, 1.5, -0.5);
        var managed = (double[])c0.Clone();
        Blas.ManagedMultiply(a, ta, b, tb, managed, m, n, k, 1.5, -0.5);
        Assert.Equal(expected, native, (x, y) => Math.Abs(x - y) < 1e-14);
        Assert.Equal(expected, managed, (x, y) => Math.Abs(x - y) < 1e-14);
    }
}
