using System.Numerics;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The resolvent form (theory.md section 3): <c>S(z_j) = W (K - z_j)^{-1} W^T</c> on nodes of an ellipse around the
/// spectrum, coupled through the trapezoidal rule. Only the upper half of the nodes is stored (conjugate symmetry).
/// Single zero-mean class only. The cost does not grow with d once the initial values are formed.
/// </summary>
/// <remarks>
/// The ellipse has foci at the ends of the spectrum and crosses the real axis a margin <c>delta</c> outside them.
/// A node with Re z &lt; 0 carries a mode that grows like exp(gamma |Re z| t), so the margin is kept small; the
/// trapezoidal rule still converges geometrically, like ((a + b) / h)^(-M) for semi-axes a, b and half-width h.
/// </remarks>
public sealed class ContourRepresentation : SpectralRepresentation
{
    private readonly int _ns, _nodes, _totalNodes;
    private readonly Complex[] _z, _weight, _trace;
    private readonly double[] _initial;
    private readonly double[] _realPart, _imagPart;

    /// <summary>Places <paramref name="nodes"/> nodes (even, total around the ellipse) for the spectrum of <paramref name="setup"/>.</summary>
    public ContourRepresentation(DynamicsSetup setup, int nodes = 128)
    {
        if (setup.Classes.Count != 1 || !setup.ZeroMeans)
            throw new ArgumentException("The contour form covers a single zero-mean Gaussian; use the eigen form for mixtures.");
        if (nodes < 4 || nodes % 2 != 0) throw new ArgumentException("The number of contour nodes must be even and at least 4.");
        _ns = setup.StateSize;
        _totalNodes = nodes;
        _nodes = nodes / 2;
        var lambda = setup.Classes[0].Eigenvalues;
        var d = lambda.Length;
        double lo = lambda.Min(), hi = lambda.Max();
        var center = (lo + hi) / 2;
        var half = (hi - lo) / 2;
        var margin = Math.Max(0.1 * half, 0.05 * Math.Max(Math.Abs(hi), 1e-12));
        var a = half + margin;
        var b = Math.Sqrt(a * a - half * half);
        _z = new Complex[_nodes];
        _weight = new Complex[_nodes];
        _trace = new Complex[_nodes];
        for (var j = 0; j < _nodes; j++)
        {
            var theta = 2 * Math.PI * (j + 0.5) / nodes;
            _z[j] = new Complex(center + a * Math.Cos(theta), b * Math.Sin(theta));
            var dz = new Complex(-a * Math.Sin(theta), b * Math.Cos(theta));
            // -(1/(2 pi i)) oint f dz ~ sum_j f_j * (i dz_j / M); the conjugate half doubles the real part.
            _weight[j] = Complex.ImaginaryOne * dz / nodes;
        }
        var rows = setup.Rows;
        _initial = new double[Dimension];
        var n2 = _ns * _ns;
        var column = new double[_ns];
        for (var i = 0; i < d; i++)
        {
            for (var r = 0; r < _ns; r++) column[r] = rows[r][i];
            for (var j = 0; j < _nodes; j++)
            {
                // (1/d) V_i / (lambda_i - z) with V_i = d w_i w_i^T.
                var inv = 1 / (lambda[i] - _z[j]);
                _trace[j] += lambda[i] * inv / d;
                var re = _initial.AsSpan(j * 2 * n2, n2);
                var im = _initial.AsSpan(j * 2 * n2 + n2, n2);
                for (var p = 0; p < _ns; p++)
                {
                    if (column[p] == 0) continue;
                    for (var q = 0; q < _ns; q++)
                    {
                        var w = column[p] * column[q];
                        re[p * _ns + q] += w * inv.Real;
                        im[p * _ns + q] += w * inv.Imaginary;
                    }
                }
            }
        }
        _realPart = new double[n2];
        _imagPart = new double[n2];
    }

    /// <summary>Contour nodes in the upper half plane.</summary>
    public IReadOnlyList<Complex> Nodes => _z;

    /// <inheritdoc />
    public override string Method => "contour";

    /// <inheritdoc />
    public override string Description => $"contour ({_totalNodes} nodes, {_nodes} stored)";

    /// <inheritdoc />
    public override int Dimension => _nodes * 2 * _ns * _ns;

    /// <inheritdoc />
    public override void InitialState(Span<double> state) => _initial.CopyTo(state);

    /// <inheritdoc />
    public override void Overlaps(ReadOnlySpan<double> state, OrderParameters into)
    {
        PolynomialOverlap(state, [1.0], into.Gram);
        PolynomialOverlap(state, [0.0, 1.0], into.Covariances[0]);
        PolynomialOverlap(state, [0.0, 0.0, 1.0], into.SquaredKernel);
        into.Means[0].AsSpan().Clear();
        into.HasSquaredKernel = true;
    }

    /// <inheritdoc />
    public override void PolynomialOverlap(ReadOnlySpan<double> state, ReadOnlySpan<double> coefficients, Span<double> into)
    {
        var n2 = _ns * _ns;
        into[..n2].Clear();
        for (var j = 0; j < _nodes; j++)
        {
            Complex p = 0, power = 1;
            foreach (var coefficient in coefficients)
            {
                p += coefficient * power;
                power *= _z[j];
            }
            var w = 2 * p * _weight[j];
            var re = state.Slice(j * 2 * n2, n2);
            var im = state.Slice(j * 2 * n2 + n2, n2);
            for (var k = 0; k < n2; k++) into[k] += w.Real * re[k] - w.Imaginary * im[k];
        }
    }

    /// <inheritdoc />
    public override void Derivative(ReadOnlySpan<double> state, DriftTerms drift, double rate, Span<double> derivative)
    {
        var n = _ns;
        var n2 = n * n;
        Span<double> gram = stackalloc double[n2];
        PolynomialOverlap(state, [1.0], gram);
        var jac = drift.Jacobians[0];
        var fisher = drift.Fishers[0];
        for (var j = 0; j < _nodes; j++)
        {
            var z = _z[j];
            var re = state.Slice(j * 2 * n2, n2);
            var im = state.Slice(j * 2 * n2 + n2, n2);
            var dre = derivative.Slice(j * 2 * n2, n2);
            var dim = derivative.Slice(j * 2 * n2 + n2, n2);
            // T = N + z S, split into real and imaginary parts; J^ is real so it acts on each part.
            for (var k = 0; k < n2; k++)
            {
                _realPart[k] = gram[k] + z.Real * re[k] - z.Imaginary * im[k];
                _imagPart[k] = z.Real * im[k] + z.Imaginary * re[k];
            }
            dre.Clear();
            dim.Clear();
            Blocks.AddSymmetricProduct(jac, _realPart, -rate, dre, n);
            Blocks.AddSymmetricProduct(jac, _imagPart, -rate, dim, n);
            var noiseRe = rate * rate * _trace[j].Real;
            var noiseIm = rate * rate * _trace[j].Imaginary;
            for (var k = 0; k < n2; k++)
            {
                dre[k] += noiseRe * fisher[k];
                dim[k] += noiseIm * fisher[k];
            }
        }
    }
}
