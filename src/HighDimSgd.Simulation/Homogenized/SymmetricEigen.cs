namespace HighDimSgd.Simulation;

/// <summary>
/// Allocation-free cyclic Jacobi eigen-decomposition for the small symmetric matrices of the order
/// parameters (side l + l*), with the pseudo-inverse and square root built on it.
/// </summary>
public static class SymmetricEigen
{
    private const int MaxSweeps = 64;

    /// <summary>
    /// Decomposes the symmetric n x n <paramref name="matrix"/> (row-major, read only) into
    /// <paramref name="eigenvalues"/> and orthonormal eigenvectors as the columns of <paramref name="eigenvectors"/>.
    /// <paramref name="work"/> needs n^2 entries.
    /// </summary>
    public static void Decompose(ReadOnlySpan<double> matrix, int n, Span<double> eigenvalues, Span<double> eigenvectors, Span<double> work)
    {
        var a = work[..(n * n)];
        matrix[..(n * n)].CopyTo(a);
        var v = eigenvectors[..(n * n)];
        v.Clear();
        for (var i = 0; i < n; i++)
        {
            v[i * n + i] = 1.0;
        }

        for (var sweep = 0; sweep < MaxSweeps; sweep++)
        {
            double off = 0, total = 0;
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    var x = a[i * n + j] * a[i * n + j];
                    total += x;
                    if (i != j)
                    {
                        off += x;
                    }
                }
            }

            if (off <= 1e-30 * total || off == 0)
            {
                break;
            }

            for (var p = 0; p < n - 1; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    Rotate(a, v, n, p, q);
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            eigenvalues[i] = a[i * n + i];
        }
    }

    /// <summary>
    /// Moore-Penrose pseudo-inverse of a symmetric positive semi-definite matrix, dropping eigenvalues below
    /// <paramref name="relativeTolerance"/> times the largest (the Gaussian of (r, r*) lives on the range of B).
    /// <paramref name="work"/> needs 3 n^2 + n entries.
    /// </summary>
    public static void PseudoInverse(ReadOnlySpan<double> matrix, int n, Span<double> inverse, Span<double> work, double relativeTolerance = 1e-10)
    {
        ApplySpectralFunction(matrix, n, inverse, work, relativeTolerance, static (lambda, cutoff) => lambda > cutoff ? 1.0 / lambda : 0.0);
    }

    /// <summary>Square root of a symmetric positive semi-definite matrix (negative rounding noise clipped to 0). <paramref name="work"/>: 3 n^2 + n.</summary>
    public static void SquareRoot(ReadOnlySpan<double> matrix, int n, Span<double> root, Span<double> work)
    {
        ApplySpectralFunction(matrix, n, root, work, 0.0, static (lambda, _) => lambda > 0 ? Math.Sqrt(lambda) : 0.0);
    }

    private static void ApplySpectralFunction(ReadOnlySpan<double> matrix, int n, Span<double> result, Span<double> work,
        double relativeTolerance, Func<double, double, double> function)
    {
        var values = work[..n];
        var vectors = work.Slice(n, n * n);
        var scratch = work.Slice(n + n * n, n * n);
        Decompose(matrix, n, values, vectors, scratch);
        var largest = 0.0;
        foreach (var lambda in values)
        {
            largest = Math.Max(largest, Math.Abs(lambda));
        }

        var cutoff = relativeTolerance * largest;
        for (var i = 0; i < n; i++)
        {
            values[i] = function(values[i], cutoff);
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = i; j < n; j++)
            {
                double sum = 0;
                for (var m = 0; m < n; m++)
                {
                    sum += vectors[i * n + m] * values[m] * vectors[j * n + m];
                }

                result[i * n + j] = sum;
                result[j * n + i] = sum;
            }
        }
    }

    /// <summary>One Jacobi rotation annihilating a[p, q] (Golub and Van Loan, Algorithm 8.5.2).</summary>
    private static void Rotate(Span<double> a, Span<double> v, int n, int p, int q)
    {
        var apq = a[p * n + q];
        if (apq == 0)
        {
            return;
        }

        var theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        if (theta == 0)
        {
            t = 1;
        }

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

        for (var k = 0; k < n; k++)
        {
            var vkp = v[k * n + p];
            var vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }
}
