using System.Runtime.CompilerServices;

namespace HighDimSgd.Core.Expectations;

/// <summary>
/// Eigen-decomposition and pseudo-inverse of small dense symmetric matrices (row-major spans) by the
/// cyclic Jacobi method: accurate for tiny eigenvalues, deterministic, and allocation-free when the
/// caller supplies the buffers. Meant for the <c>(l + l*)</c>-square covariance blocks, not for large matrices.
/// </summary>
public static class SmallSymmetric
{
    /// <summary>Eigenvalues at or below this fraction of the largest are treated as zero by default.</summary>
    public const double DefaultRelativeTolerance = 1e-12;

    private const int MaxSweeps = 64;

    /// <summary>
    /// Eigen-decomposes the symmetric part of <paramref name="matrix"/> (n x n): writes eigenvalues
    /// (unsorted) and eigenvectors as the columns of <paramref name="eigenvectors"/> (n x n, row-major).
    /// <paramref name="work"/> needs n * n entries.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Eigen(ReadOnlySpan<double> matrix, int n, Span<double> eigenvalues, Span<double> eigenvectors, Span<double> work)
    {
        CheckSizes(matrix, n, eigenvalues.Length, eigenvectors.Length, work.Length);
        var a = work[..(n * n)];
        var v = eigenvectors[..(n * n)];
        v.Clear();
        for (var i = 0; i < n; i++)
        {
            v[i * n + i] = 1.0;
            for (var j = 0; j < n; j++) a[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
        }

        for (var sweep = 0; sweep < MaxSweeps; sweep++)
        {
            double offDiagonal = 0, diagonal = 0;
            for (var i = 0; i < n; i++)
            {
                diagonal += a[i * n + i] * a[i * n + i];
                for (var j = i + 1; j < n; j++) offDiagonal += a[i * n + j] * a[i * n + j];
            }
            if (offDiagonal <= 1e-32 * diagonal || offDiagonal == 0) break;
            for (var p = 0; p < n - 1; p++)
                for (var q = p + 1; q < n; q++)
                    Rotate(a, v, n, p, q);
        }
        for (var i = 0; i < n; i++) eigenvalues[i] = a[i * n + i];
    }

    /// <summary>One Jacobi rotation in the (p, q) plane that zeroes a_pq (the smaller rotation angle).</summary>
    private static void Rotate(Span<double> a, Span<double> v, int n, int p, int q)
    {
        var apq = a[p * n + q];
        if (apq == 0) return;
        var theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        // Math.Sign would throw on NaN entries; a NaN matrix must give NaN eigenvalues, not an exception.
        var t = (theta >= 0 ? 1.0 : -1.0) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        var c = 1 / Math.Sqrt(t * t + 1);
        var s = t * c;
        for (var k = 0; k < n; k++)
        {
            var akp = a[k * n + p];
            var akq = a[k * n + q];
            a[k * n + p] = c * akp - s * akq;
            a[k * n + q] = s * akp + c * akq;
        }
        for (var k = 0; k < n; k++)
        {
            var apk = a[p * n + k];
            var aqk = a[q * n + k];
            a[p * n + k] = c * apk - s * aqk;
            a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        for (var k = 0; k < n; k++)
        {
            var vkp = v[k * n + p];
            var vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }

    /// <summary>
    /// Moore-Penrose pseudo-inverse of the symmetric PSD-or-indefinite <paramref name="matrix"/> (n x n):
    /// eigenvalues with magnitude at or below <paramref name="relativeTolerance"/> times the largest are
    /// inverted as zero. <paramref name="work"/> needs 3 n^2 + n entries.
    /// </summary>
    public static void PseudoInverse(ReadOnlySpan<double> matrix, int n, Span<double> result, Span<double> work,
        double relativeTolerance = DefaultRelativeTolerance) =>
        ApplySpectralFunction(matrix, n, result, work, relativeTolerance,
            static (lambda, threshold) => Math.Abs(lambda) <= threshold || lambda == 0 ? 0 : 1 / lambda);

    /// <summary>
    /// Principal square root of the symmetric positive semi-definite <paramref name="matrix"/> (n x n); negative
    /// eigenvalues (round-off) count as zero. <paramref name="work"/> needs 3 n^2 + n entries.
    /// </summary>
    public static void SquareRoot(ReadOnlySpan<double> matrix, int n, Span<double> result, Span<double> work) =>
        ApplySpectralFunction(matrix, n, result, work, 0, static (lambda, _) => lambda > 0 ? Math.Sqrt(lambda) : 0);

    /// <summary>f(A) = V diag(f(lambda_k, threshold)) V^T, with threshold = relativeTolerance * max |lambda|.</summary>
    private static void ApplySpectralFunction(ReadOnlySpan<double> matrix, int n, Span<double> result, Span<double> work,
        double relativeTolerance, Func<double, double, double> function)
    {
        if (work.Length < 3 * n * n + n) throw new ArgumentException($"Work buffer needs {3 * n * n + n} entries.", nameof(work));
        if (result.Length < n * n) throw new ArgumentException("Result needs n * n entries.", nameof(result));
        var values = work[..n];
        var vectors = work.Slice(n, n * n);
        var scratch = work.Slice(n + n * n, n * n);
        Eigen(matrix, n, values, vectors, scratch);
        var largest = 0.0;
        foreach (var value in values) largest = Math.Max(largest, Math.Abs(value));
        var threshold = relativeTolerance * largest;
        result[..(n * n)].Clear();
        for (var k = 0; k < n; k++)
        {
            var scale = function(values[k], threshold);
            if (scale == 0) continue;
            for (var i = 0; i < n; i++)
            {
                var scaled = vectors[i * n + k] * scale;
                for (var j = 0; j < n; j++) result[i * n + j] += scaled * vectors[j * n + k];
            }
        }
    }

    /// <summary>Allocating convenience form of <see cref="PseudoInverse(ReadOnlySpan{double}, int, Span{double}, Span{double}, double)"/>.</summary>
    public static double[] PseudoInverse(ReadOnlySpan<double> matrix, int n, double relativeTolerance = DefaultRelativeTolerance)
    {
        var result = new double[n * n];
        PseudoInverse(matrix, n, result, new double[3 * n * n + n], relativeTolerance);
        return result;
    }

    private static void CheckSizes(ReadOnlySpan<double> matrix, int n, int valuesLength, int vectorsLength, int workLength)
    {
        if (n < 0 || matrix.Length < n * n) throw new ArgumentException("Matrix needs n * n entries.", nameof(matrix));
        if (valuesLength < n || vectorsLength < n * n || workLength < n * n)
            throw new ArgumentException("Eigenvalue, eigenvector or work buffer too small.");
    }
}
