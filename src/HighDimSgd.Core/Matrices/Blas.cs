using System.Runtime.InteropServices;

namespace HighDimSgd.Core.Matrices;

/// <summary>
/// Dense matrix products, row-major. The dense real-data ODE is one d x d x d product per right-hand side, so this goes
/// to the system's BLAS (<c>cblas_dgemm</c> of OpenBLAS, a reference BLAS or Apple's Accelerate) when one can be loaded:
/// OpenBLAS is about 25x faster than a managed product at d = 784. Without one, Math.NET's managed provider computes the
/// same product, and <see cref="Provider"/> says so in run records.
/// </summary>
public static unsafe class Blas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static readonly delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> Dgemm;

    static Blas()
    {
        string[] candidates =
        [
            "libopenblas.so.0", "libopenblas.so", "libblas.so.3", "libcblas.so.3",
            "/System/Library/Frameworks/Accelerate.framework/Accelerate", "libopenblas.dll",
        ];
        foreach (var name in candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "cblas_dgemm", out var dgemm)) continue;
            Dgemm = (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)dgemm;
            Provider = $"native BLAS ({name})";
            return;
        }
        Provider = "managed (no native BLAS found; install OpenBLAS for speed)";
    }

    /// <summary>Which implementation computes the products.</summary>
    public static string Provider { get; }

    /// <summary>
    /// C = alpha op(A) op(B) + beta C with op(X) = X or X^T; op(A) is m x k, op(B) k x n, C m x n, all row-major and
    /// stored without padding.
    /// </summary>
    public static void Multiply(ReadOnlySpan<double> a, bool transposeA, ReadOnlySpan<double> b, bool transposeB,
        Span<double> c, int m, int n, int k, double alpha = 1, double beta = 0)
    {
        if (a.Length < m * k || b.Length < k * n || c.Length < m * n)
            throw new ArgumentException("Matrix buffers are smaller than their shapes.");
        if (m == 0 || n == 0) return;
        if (Dgemm != null)
        {
            fixed (double* pa = a, pb = b, pc = c)
                Dgemm(RowMajor, transposeA ? Trans : NoTrans, transposeB ? Trans : NoTrans, m, n, k, alpha,
                    pa, transposeA ? m : k, pb, transposeB ? k : n, beta, pc, n);
            return;
        }
        ManagedMultiply(a, transposeA, b, transposeB, c, m, n, k, alpha, beta);
    }

    /// <summary>The same product through Math.NET's managed provider: the fallback of <see cref="Multiply"/>, and what the tests check it against.</summary>
    internal static void ManagedMultiply(ReadOnlySpan<double> a, bool transposeA, ReadOnlySpan<double> b, bool transposeB,
        Span<double> c, int m, int n, int k, double alpha, double beta)
    {
        // Math.NET stores column-major: a row-major X is a column-major X^T, and C^T = op(B)^T op(A)^T.
        var provider = MathNet.Numerics.Providers.LinearAlgebra.LinearAlgebraControl.Provider;
        var result = c[..(m * n)].ToArray();
        provider.MatrixMultiplyWithUpdate(
            transposeB ? MathNet.Numerics.Providers.LinearAlgebra.Transpose.Transpose : MathNet.Numerics.Providers.LinearAlgebra.Transpose.DontTranspose,
            transposeA ? MathNet.Numerics.Providers.LinearAlgebra.Transpose.Transpose : MathNet.Numerics.Providers.LinearAlgebra.Transpose.DontTranspose,
            alpha, b[..(k * n)].ToArray(), transposeB ? k : n, transposeB ? n : k,
            a[..(m * k)].ToArray(), transposeA ? m : k, transposeA ? k : m, beta, result);
        result.CopyTo(c);
    }
}
