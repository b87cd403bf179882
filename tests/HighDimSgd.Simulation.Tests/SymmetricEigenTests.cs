using HighDimSgd.Simulation;

namespace HighDimSgd.Simulation.Tests;

public class SymmetricEigenTests
{
    private static double[] Multiply(double[] a, double[] b, int n)
    {
        var c = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                for (var k = 0; k < n; k++)
                {
                    c[i * n + j] += a[i * n + k] * b[k * n + j];
                }
            }
        }

        return c;
    }

    /// <summary>G G^T for a random n x rank factor: symmetric PSD of the given rank.</summary>
    private static double[] RandomPsd(int n, int rank, int seed)
    {
        var rng = new System.Random(seed);
        var g = Enumerable.Range(0, n * rank).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var m = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                for (var k = 0; k < rank; k++)
                {
                    m[i * n + j] += g[i * rank + k] * g[j * rank + k];
                }
            }
        }

        return m;
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(4, 2)]
    [InlineData(6, 6)]
    [InlineData(5, 1)]
    public void PseudoInverseSatisfiesPenroseConditions(int n, int rank)
    {
        var a = RandomPsd(n, rank, n * 10 + rank);
        var inverse = new double[n * n];
        SymmetricEigen.PseudoInverse(a, n, inverse, new double[3 * n * n + n]);
        var aia = Multiply(Multiply(a, inverse, n), a, n);
        var iai = Multiply(Multiply(inverse, a, n), inverse, n);
        for (var i = 0; i < n * n; i++)
        {
            Assert.Equal(a[i], aia[i], 10);
            Assert.Equal(inverse[i], iai[i], 8);
        }
    }

    [Fact]
    public void SquareRootSquaresBack()
    {
        const int n = 4;
        var a = RandomPsd(n, 3, 1);
        var root = new double[n * n];
        SymmetricEigen.SquareRoot(a, n, root, new double[3 * n * n + n]);
        var square = Multiply(root, root, n);
        for (var i = 0; i < n * n; i++)
        {
            Assert.Equal(a[i], square[i], 12);
        }
    }

    [Fact]
    public void EigenpairsOfAKnownMatrix()
    {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        var values = new double[2];
        var vectors = new double[4];
        SymmetricEigen.Decompose([2, 1, 1, 2], 2, values, vectors, new double[4]);
        Assert.Equal([1.0, 3.0], values.Order().Select(v => Math.Round(v, 12)));
    }
}
