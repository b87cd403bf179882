using System.Numerics;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The resolvent form (theory.md section 3): <c>S(z_j) = W (K - z_j)^{-1} W^T</c> on nodes of a contour around the
/// positive spectrum, coupled through the trapezoidal rule. Only the upper half of the nodes is stored (conjugate
/// symmetry). Single zero-mean class only. The cost does not grow with d once the initial values are formed.
/// </summary>
/// <remarks>
/// A node z carries modes like exp(-gamma z (j_a + j_b) t) (j the eigenvalues of J): a node with Re z &lt; 0 grows
/// exponentially, and the growth cancels between nodes only in exact arithmetic, so a contour that crosses the
/// imaginary axis amplifies rounding over long horizons. The contour is therefore the image under z = e^w of an
/// ellipse around [ln lambda_min, ln lambda_max] whose imaginary semi-axis stays below pi/2: every node has
/// Re z &gt; 0, and the nodes cluster towards the small eigenvalues as a wide (power-law) spectrum needs. The
/// trapezoidal rule converges like rho^(-M) with rho = (b + sqrt(L^2 + b^2)) / L, L the half-width in log lambda.
/// Zero eigenvalues never move (their directions see no gradient): they are carried as a constant Gram part.
/// The construction checks the rule on the initial overlaps, which are known exactly, and refuses a spectrum the
/// nodes cannot resolve.
/// </remarks>
public sealed class ContourRepresentation : SpectralRepresentation
{
    /// <summary>Imaginary semi-axis of the ellipse in log lambda: below pi/2 keeps Re z &gt; 0 with a margin.</summary>
    private const double ImaginarySemiAxis = 1.3;

    /// <summary>Largest relative error of the rule on the initial overlaps that the construction accepts.</summary>
    public const double CheckTolerance = 1e-9;

    private readonly int _ns, _nodes, _totalNodes;
    private readonly Complex[] _z, _weight, _trace;
    private readonly double[] _initial;
    private readonly double[] _realPart, _imagPart, _zeroGram;

    /// <summary>Places <paramref name="nodes"/> nodes (even, total around the contour) for the spectrum of <paramref name="setup"/>.</summary>
    public ContourRepresentation(DynamicsSetup setup, int nodes = 128)
    {
        if (Unsupported(setup, nodes) is { } unsupported) throw new ArgumentException(unsupported);
        (_z, _weight) = Place(setup.Classes[0].Eigenvalues, nodes);
        _ns = setup.StateSize;
        _totalNodes = nodes;
        _nodes = nodes / 2;
        _initial = new double[Dimension];
        _trace = new Complex[_nodes];
        _zeroGram = new double[_ns * _ns];
        Resolvents(setup, _z, _initial, _trace, _zeroGram);
        // The check reads the initial state just formed: one pass over the d directions, not two.
        if (Refusal(setup, nodes, RuleError(setup, _z, _weight, _initial)) is { } reason) throw new ArgumentException(reason);
        _realPart = new double[_ns * _ns];
        _imagPart = new double[_ns * _ns];
    }

    /// <summary>
    /// Why the contour form cannot carry <paramref name="setup"/> with <paramref name="nodes"/> nodes (not a single
    /// zero-mean Gaussian, or the rule misses the exact initial overlaps by more than <see cref="CheckTolerance"/>),
    /// or null when it can.
    /// </summary>
    public static string? Unresolved(DynamicsSetup setup, int nodes) =>
        Unsupported(setup, nodes) ?? Refusal(setup, nodes, InitialRuleError(setup, nodes));

    private static string? Unsupported(DynamicsSetup setup, int nodes)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.Classes.Count != 1 || !setup.ZeroMeans)
            return "the contour form covers a single zero-mean Gaussian; use the eigen form for mixtures";
        return nodes < 4 || nodes % 2 != 0 ? "the number of contour nodes must be even and at least 4" : null;
    }

    private static string? Refusal(DynamicsSetup setup, int nodes, double error)
    {
        if (error <= CheckTolerance) return null;
        var lambda = setup.Classes[0].Eigenvalues;
        double lo = lambda.Where(x => x > 0).Min(), hi = lambda.Max();
        return $"the contour rule with {nodes} nodes misses the exact initial overlaps by {error:G2} (relative; at most {CheckTolerance:G1} is accepted) " +
               $"on a spectrum spanning [{lo:G3}, {hi:G3}]: raise contour-nodes or use method \"compressed\"";
    }

    /// <summary>
    /// The largest relative error of the <paramref name="nodes"/>-node rule on W K^p W^T (p = 0, 1, 2) at t = 0, where
    /// the exact values are plain sums over the directions (0 when every eigenvalue is 0; infinite when not finite).
    /// </summary>
    public static double InitialRuleError(DynamicsSetup setup, int nodes)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var lambda = setup.Classes[0].Eigenvalues;
        if (!Array.Exists(lambda, x => x > 0)) return 0;
        var (z, weight) = Place(lambda, nodes);
        var n2 = setup.StateSize * setup.StateSize;
        var state = new double[nodes * n2];
        Resolvents(setup, z, state, new Complex[nodes / 2], new double[n2]);
        return RuleError(setup, z, weight, state);
    }

    /// <summary>The rule's error on the initial overlaps, given the initial resolvents <paramref name="state"/>.</summary>
    private static double RuleError(DynamicsSetup setup, Complex[] z, Complex[] weight, double[] state)
    {
        var lambda = setup.Classes[0].Eigenvalues;
        if (!Array.Exists(lambda, x => x > 0)) return 0;
        var ns = setup.StateSize;
        var n2 = ns * ns;
        var rows = setup.Rows;
        double worst = 0;
        for (var power = 0; power <= 2; power++)
        {
            // Exact (1/d) sum_{lambda_i > 0} lambda_i^power V_i against the rule.
            var exact = new double[n2];
            for (var i = 0; i < lambda.Length; i++)
            {
                if (lambda[i] == 0) continue;
                var p = Math.Pow(lambda[i], power);
                for (var a = 0; a < ns; a++)
                    for (var b = 0; b < ns; b++) exact[a * ns + b] += p * rows[a][i] * rows[b][i];
            }
            var coefficients = new double[power + 1];
            coefficients[power] = 1;
            var rule = new double[n2];
            ContourSum(state, z, weight, ns, coefficients, rule);
            var scale = exact.Max(Math.Abs);
            if (scale == 0) continue;
            for (var k = 0; k < n2; k++) worst = Math.Max(worst, Math.Abs(rule[k] - exact[k]) / scale);
        }
        return double.IsFinite(worst) ? worst : double.PositiveInfinity;
    }

    private static (Complex[] Z, Complex[] Weight) Place(double[] lambda, int nodes)
    {
        double lo = double.PositiveInfinity, hi = 0;
        foreach (var x in lambda)
            if (x > 0)
            {
                lo = Math.Min(lo, x);
                hi = Math.Max(hi, x);
            }
        if (double.IsPositiveInfinity(lo)) (lo, hi) = (1, 1);
        // A single eigenvalue still needs an ellipse around it: give the segment a small width.
        var half = Math.Max(0.5 * Math.Log(hi / lo), 0.05);
        var center = 0.5 * Math.Log(hi * lo);
        var b = ImaginarySemiAxis;
        var a = Math.Sqrt(half * half + b * b);
        var z = new Complex[nodes / 2];
        var weight = new Complex[nodes / 2];
        for (var j = 0; j < nodes / 2; j++)
        {
            var theta = 2 * Math.PI * (j + 0.5) / nodes;
            var w = new Complex(center + a * Math.Cos(theta), b * Math.Sin(theta));
            var dw = new Complex(-a * Math.Sin(theta), b * Math.Cos(theta));
            z[j] = Complex.Exp(w);
            // -(1/(2 pi i)) oint f dz with dz = z dw ~ sum_j f_j * (i z_j dw_j / M); the conjugate half doubles the real part.
            weight[j] = Complex.ImaginaryOne * z[j] * dw / nodes;
        }
        return (z, weight);
    }

    /// <summary>S(z_j) at t = 0 from the positive eigenvalues, Tr(K R(z_j)) / d, and the constant Gram part of zero eigenvalues.</summary>
    private static void Resolvents(DynamicsSetup setup, Complex[] z, double[] state, Complex[] trace, double[] zeroGram)
    {
        var lambda = setup.Classes[0].Eigenvalues;
        var d = lambda.Length;
        var ns = setup.StateSize;
        var n2 = ns * ns;
        var rows = setup.Rows;
        var column = new double[ns];
        for (var i = 0; i < d; i++)
        {
            for (var r = 0; r < ns; r++) column[r] = rows[r][i];
            if (lambda[i] == 0)
            {
                for (var p = 0; p < ns; p++)
                    for (var q = 0; q < ns; q++) zeroGram[p * ns + q] += column[p] * column[q];
                continue;
            }
            for (var j = 0; j < z.Length; j++)
            {
                // (1/d) V_i / (lambda_i - z) with V_i = d w_i w_i^T.
                var inv = 1 / (lambda[i] - z[j]);
                trace[j] += lambda[i] * inv / d;
                var re = state.AsSpan(j * 2 * n2, n2);
                var im = state.AsSpan(j * 2 * n2 + n2, n2);
                for (var p = 0; p < ns; p++)
                {
                    if (column[p] == 0) continue;
                    for (var q = 0; q < ns; q++)
                    {
                        var w = column[p] * column[q];
                        re[p * ns + q] += w * inv.Real;
                        im[p * ns + q] += w * inv.Imaginary;
                    }
                }
            }
        }
    }

    /// <summary>-(1/(2 pi i)) oint p(z) S(z) dz over the positive spectrum by the trapezoidal rule.</summary>
    private static void ContourSum(ReadOnlySpan<double> state, Complex[] z, Complex[] weight, int ns, ReadOnlySpan<double> coefficients, Span<double> into)
    {
        var n2 = ns * ns;
        into[..n2].Clear();
        for (var j = 0; j < z.Length; j++)
        {
            Complex p = 0, power = 1;
            foreach (var coefficient in coefficients)
            {
                p += coefficient * power;
                power *= z[j];
            }
            var w = 2 * p * weight[j];
            var re = state.Slice(j * 2 * n2, n2);
            var im = state.Slice(j * 2 * n2 + n2, n2);
            for (var k = 0; k < n2; k++) into[k] += w.Real * re[k] - w.Imaginary * im[k];
        }
    }

    /// <summary>Contour nodes in the upper half plane.</summary>
    public IReadOnlyList<Complex> Nodes => _z;

    /// <inheritdoc />
    public override string Method => "contour";

    /// <inheritdoc />
    public override string Description => $"contour ({_totalNodes} nodes, {_nodes} stored, log-ellipse in Re z > 0)";

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
        ContourSum(state, _z, _weight, _ns, coefficients, into);
        // Zero eigenvalues contribute p(0) N_0.
        if (coefficients.Length == 0 || coefficients[0] == 0) return;
        for (var k = 0; k < _ns * _ns; k++) into[k] += coefficients[0] * _zeroGram[k];
    }

    /// <inheritdoc />
    public override void Derivative(ReadOnlySpan<double> state, DriftTerms drift, double rate, Span<double> derivative)
    {
        var n = _ns;
        var n2 = n * n;
        // The positive spectrum's Gram N_+ = -(1/(2 pi i)) oint S dz: K R(z) = I + z R(z) on that part only.
        Span<double> gram = stackalloc double[n2];
        ContourSum(state, _z, _weight, _ns, [1.0], gram);
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
