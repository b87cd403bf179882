using HighDimSgd.Core.Expectations;
using MathNet.Numerics.LinearAlgebra;

namespace HighDimSgd.Core.Tests.Expectations;

public class SmallSymmetricTests
{
    static SmallSymmetricTests() => MathNet.Numerics.Control.UseManaged();

    private static double[] RandomSymmetric(int n, int seed, int rank)
    {
        var random = new Random(seed);
        var g = Matrix<double>.Build.Dense(n, rank, (_, _) => random.NextDouble() - 0.5);
        return (g * g.Transpose()).ToRowMajorArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    public void Eigen_decomposition_reconstructs_and_matches_MathNet(int n)
    {
        var a = RandomSymmetric(n, 7 + n, n);
        var values = new double[n];
        var vectors = new double[n * n];
        SmallSymmetric.Eigen(a, n, values, vectors, new double[n * n]);

        var v = Matrix<double>.Build.DenseOfRowMajor(n, n, vectors);
        var reconstructed = v * Matrix<double>.Build.DiagonalOfDiagonalArray(values) * v.Transpose();
        var original = Matrix<double>.Build.DenseOfRowMajor(n, n, a);
        Assert.True((reconstructed - original).FrobeniusNorm() < 1e-13);
        Assert.True((v.Transpose() * v - Matrix<double>.Build.DenseIdentity(n)).FrobeniusNorm() < 1e-13);

        var expected = original.Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).OrderBy(x => x).ToArray();
        var actual = values.OrderBy(x => x).ToArray();
        for (var i = 0; i < n; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Fact]
    public void Pseudo_inverse_of_singular_matrix_satisfies_Penrose_conditions()
    {
        const int n = 4;
        var a = RandomSymmetric(n, 3, 2);
        var plus = SmallSymmetric.PseudoInverse(a, n);
        var A = Matrix<double>.Build.DenseOfRowMajor(n, n, a);
        var P = Matrix<double>.Build.DenseOfRowMajor(n, n, plus);
        Assert.True((A * P * A - A).FrobeniusNorm() < 1e-12);
        Assert.True((P * A * P - P).FrobeniusNorm() < 1e-10 * P.FrobeniusNorm());
        Assert.True((A * P - (A * P).Transpose()).FrobeniusNorm() < 1e-12);
        Assert.True((P - A.PseudoInverse()).FrobeniusNorm() < 1e-8 * P.FrobeniusNorm());
    }

    [Fact]
    public void Pseudo_inverse_of_zero_block_matrix_leaves_zero_block()
    {
        // B at X0 = 0: student row and column vanish.
        double[] b = [0, 0, 0, 2.0];
        var plus = SmallSymmetric.PseudoInverse(b, 2);
        Assert.Equal([0, 0, 0, 0.5], plus);
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(4, 2)]
    public void Square_root_squares_back_to_the_matrix(int n, int rank)
    {
        var a = RandomSymmetric(n, 7, rank);
        var root = new double[n * n];
        SmallSymmetric.SquareRoot(a, n, root, new double[3 * n * n + n]);
        var m = Matrix<double>.Build.DenseOfRowMajor(n, n, root);
        var square = (m * m).ToRowMajorArray();
        for (var i = 0; i < n * n; i++) Assert.Equal(a[i], square[i], 10);
        Assert.True(m.Evd().EigenValues.All(v => v.Real > -1e-10), "the root is positive semi-definite");
    }
}
