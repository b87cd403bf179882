using HighDimSgd.Core.Ode;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The Jacobian of the per-direction limiting ODE, in the structure that makes implicit steps cheap: each group's
/// derivative is affine in its own state at fixed drift (a block of size ns^2 + C ns, exact), and groups couple only
/// through a few overlaps <c>z = C y</c> (entries of B_c, M_c, W K^2 W^T) and the schedule's extra states, on which the
/// drift, the noise and the rate depend. So <c>df/dy = D + U C</c> with D block diagonal and U C of rank r = dim z:
/// the columns of U are finite differences of f in z (one drift evaluation each), and
/// <c>(s I - D - U C)^{-1}</c> follows from the block solves by the Woodbury identity with an r x r system.
/// Cost per step: about r + ns + 2 drift evaluations, one small LU per group, r + 1 block solves; nothing grows like d^2.
/// </summary>
internal sealed class GroupLinearization : ILinearizedSystem
{
    private readonly LimitingDynamics _system;
    private readonly EigenRepresentation _representation;
    private readonly DynamicsSetup _setup;
    private readonly int _n, _core, _extras, _bs, _groups, _ns;
    private readonly List<Coordinate> _coordinates;
    private readonly double[] _u, _y, _blocks, _z, _zPerturbed, _f, _yStart, _stage;
    private readonly int[] _pivots;
    private readonly double[] _small, _diagonal;
    private readonly int[] _smallPivots;
    private readonly DriftTerms _drift;
    private readonly OrderParameters _scratch;
    private readonly int _r;
    private double _rate, _shift;

    public GroupLinearization(LimitingDynamics system, EigenRepresentation representation, DynamicsSetup setup)
    {
        _system = system;
        _representation = representation;
        _setup = setup;
        _n = system.Dimension;
        _core = representation.Dimension;
        _extras = _n - _core;
        _bs = representation.BlockSize;
        _groups = representation.Groups.Count;
        _ns = setup.StateSize;
        _coordinates = Coordinates(setup);
        _r = _coordinates.Count + _extras;
        _u = new double[_r * _n];
        _y = new double[_r * _n];
        _blocks = new double[_groups * _bs * _bs];
        _pivots = new int[_groups * _bs];
        _z = new double[_r];
        _zPerturbed = new double[_r];
        _f = new double[_n];
        _yStart = new double[_n];
        _stage = new double[_n];
        _small = new double[_r * _r];
        _smallPivots = new int[_r];
        _diagonal = new double[setup.Classes.Count * _ns * _n];
        _drift = new DriftTerms(setup.Classes.Count, _ns);
        _scratch = new OrderParameters(setup.Classes.Count, setup.StudentDirections, _ns);
    }

    /// <inheritdoc />
    public int LinearizationEvaluations { get; private set; }

    /// <inheritdoc />
    public int Dimension => _n;

    /// <inheritdoc />
    public void Derivative(double t, ReadOnlySpan<double> y, Span<double> dydt) => _system.Derivative(t, y, dydt);

    private enum Kind { Covariance, Mean, SquaredKernel }

    /// <summary>One overlap entry the drift or the rate may depend on; symmetric entries stand for both halves.</summary>
    private readonly record struct Coordinate(Kind Kind, int Class, int Row, int Column);

    private static List<Coordinate> Coordinates(DynamicsSetup setup)
    {
        // Teacher-teacher entries never move, but the drift reads them: they keep their columns so that the
        // Jacobian is the whole one, whatever right-hand side it is solved for.
        var ns = setup.StateSize;
        var list = new List<Coordinate>();
        for (var c = 0; c < setup.Classes.Count; c++)
        {
            for (var a = 0; a < ns; a++)
                for (var b = a; b < ns; b++) list.Add(new Coordinate(Kind.Covariance, c, a, b));
            if (setup.ZeroMeans) continue;
            for (var a = 0; a < ns; a++) list.Add(new Coordinate(Kind.Mean, c, a, 0));
        }
        if (setup.Schedule.NeedsCurvature && setup.Classes.Count == 1)
            for (var a = 0; a < ns; a++)
                for (var b = a; b < ns; b++) list.Add(new Coordinate(Kind.SquaredKernel, 0, a, b));
        return list;
    }

    private double Read(OrderParameters p, Coordinate k) => k.Kind switch
    {
        Kind.Covariance => p.Covariances[k.Class][k.Row * _ns + k.Column],
        Kind.Mean => p.Means[k.Class][k.Row],
        _ => p.SquaredKernel[k.Row * _ns + k.Column],
    };

    /// <summary>z = C x: the coupling coordinates of a state (or of any vector: the map is linear).</summary>
    private void Project(ReadOnlySpan<double> x, Span<double> z)
    {
        _representation.Overlaps(x[.._core], _scratch);
        for (var m = 0; m < _coordinates.Count; m++) z[m] = Read(_scratch, _coordinates[m]);
        for (var e = 0; e < _extras; e++) z[_coordinates.Count + e] = x[_core + e];
    }

    public void Linearize(double t, ReadOnlySpan<double> y, ReadOnlySpan<double> f0, Span<double> dfdt)
    {
        const double sqrtEps = 1.4901161193847656e-08;
        LinearizationEvaluations = 0;
        y.CopyTo(_yStart);
        var dt = sqrtEps * Math.Max(1e-5, Math.Abs(t));
        _system.Derivative(t + dt, y, _f);
        LinearizationEvaluations++;
        for (var i = 0; i < _n; i++) dfdt[i] = (_f[i] - f0[i]) / dt;

        // The drift at (t, y): the block-diagonal part and the base of the finite differences.
        _system.Evaluate(t, y);
        CopyDrift(_system.Evaluator.Drift, _drift);
        _rate = _system.Rate;
        LinearizationEvaluations++;
        Project(y, _z);

        // Finite differences must keep every B_c positive semi-definite (the quadrature factorises it, and at X = 0
        // the student block is exactly singular): diagonal entries move up, and an off-diagonal pair (a, b) moves
        // along the rank-one (e_a + e_b)(e_a + e_b)^T, from which the two diagonal columns are subtracted.
        var step = CovarianceStep();
        for (var c = 0; c < _setup.Classes.Count; c++)
            for (var a = 0; a < _ns; a++)
            {
                var (cc, aa) = (c, a);
                Difference(t, y, f0, step, p => p.Covariances[cc][aa * _ns + aa] += step, _diagonal.AsSpan((c * _ns + a) * _n, _n));
            }
        for (var m = 0; m < _r; m++)
        {
            var column = _u.AsSpan(m * _n, _n);
            if (m >= _coordinates.Count)
            {
                var e = m - _coordinates.Count;
                Difference(t, y, f0, sqrtEps * Math.Max(1e-5, Math.Abs(y[_core + e])), null, column, e);
                continue;
            }
            var k = _coordinates[m];
            switch (k.Kind)
            {
                case Kind.Covariance when k.Row == k.Column:
                    _diagonal.AsSpan((k.Class * _ns + k.Row) * _n, _n).CopyTo(column);
                    break;
                case Kind.Covariance:
                    Difference(t, y, f0, step, p =>
                    {
                        var b = p.Covariances[k.Class];
                        b[k.Row * _ns + k.Row] += step;
                        b[k.Column * _ns + k.Column] += step;
                        b[k.Row * _ns + k.Column] += step;
                        b[k.Column * _ns + k.Row] += step;
                    }, column);
                    var da = _diagonal.AsSpan((k.Class * _ns + k.Row) * _n, _n);
                    var db = _diagonal.AsSpan((k.Class * _ns + k.Column) * _n, _n);
                    for (var i = 0; i < _n; i++) column[i] -= da[i] + db[i];
                    break;
                case Kind.Mean:
                    var meanStep = Math.Max(Math.Sqrt(step * sqrtEps), sqrtEps * Math.Abs(_z[m]));
                    Difference(t, y, f0, meanStep, p => p.Means[k.Class][k.Row] += meanStep, column);
                    break;
                default:
                    var kernelStep = sqrtEps * Math.Max(1e-5, Math.Abs(_z[m]));
                    Difference(t, y, f0, kernelStep, p =>
                    {
                        p.SquaredKernel[k.Row * _ns + k.Column] += kernelStep;
                        if (k.Row != k.Column) p.SquaredKernel[k.Column * _ns + k.Row] += kernelStep;
                    }, column);
                    break;
            }
        }
    }

    /// <summary>sqrt(eps) times the largest diagonal entry of any B_c: the step of covariance differences.</summary>
    private double CovarianceStep()
    {
        _representation.Overlaps(_yStart.AsSpan(0, _core), _scratch);
        double largest = 0;
        foreach (var b in _scratch.Covariances)
            for (var a = 0; a < _ns; a++) largest = Math.Max(largest, Math.Abs(b[a * _ns + a]));
        return 1.4901161193847656e-08 * Math.Max(largest, 1e-5);
    }

    /// <summary>
    /// (f(perturbed) - f0) / delta at the state y: the overlaps are read off y and changed by
    /// <paramref name="perturb"/>, or extra state <paramref name="extra"/> moves by delta.
    /// </summary>
    private void Difference(double t, ReadOnlySpan<double> y, ReadOnlySpan<double> f0, double delta,
        Action<OrderParameters>? perturb, Span<double> column, int extra = -1)
    {
        var evaluator = _system.Evaluator;
        var extras = _stage.AsSpan(0, _extras);
        _representation.Overlaps(y[.._core], evaluator.Parameters);
        y[_core..].CopyTo(extras);
        if (extra >= 0) extras[extra] += delta;
        perturb?.Invoke(evaluator.Parameters);
        evaluator.Evaluate();
        var rate = _setup.Schedule.Rate(t, extras, evaluator.Context);
        _representation.Derivative(y[.._core], evaluator.Drift, rate, column[.._core]);
        _setup.Schedule.ExtraDerivative(t, extras, evaluator.Context, rate, column[_core..]);
        LinearizationEvaluations++;
        for (var i = 0; i < _n; i++) column[i] = (column[i] - f0[i]) / delta;
    }

    private static void CopyDrift(DriftTerms from, DriftTerms to)
    {
        for (var c = 0; c < from.Jacobians.Length; c++)
        {
            from.Jacobians[c].CopyTo(to.Jacobians[c], 0);
            from.Gradients[c].CopyTo(to.Gradients[c], 0);
            from.Fishers[c].CopyTo(to.Fishers[c], 0);
        }
    }

    public void Factor(double shift)
    {
        var bs2 = _bs * _bs;
        for (var g = 0; g < _groups; g++)
        {
            var block = _blocks.AsSpan(g * bs2, bs2);
            _representation.BlockJacobian(g, _drift, _rate, block);
            for (var k = 0; k < bs2; k++) block[k] = -block[k];
            for (var k = 0; k < _bs; k++) block[k * _bs + k] += shift;
            SmallLu.Factor(block, _bs, _pivots.AsSpan(g * _bs, _bs));
        }
        _shift = shift;
        // Y = A^{-1} U and the capacitance matrix I - C Y.
        for (var m = 0; m < _r; m++) SolveBlocks(_u.AsSpan(m * _n, _n), _y.AsSpan(m * _n, _n));
        for (var m = 0; m < _r; m++)
        {
            Project(_y.AsSpan(m * _n, _n), _zPerturbed);
            for (var k = 0; k < _r; k++) _small[k * _r + m] = (k == m ? 1 : 0) - _zPerturbed[k];
        }
        SmallLu.Factor(_small, _r, _smallPivots);
    }


    /// <summary>x = A^{-1} b for A = s I - D (the extras' block of D is zero).</summary>
    private void SolveBlocks(ReadOnlySpan<double> b, Span<double> x)
    {
        var bs2 = _bs * _bs;
        for (var g = 0; g < _groups; g++)
        {
            var offset = g * _bs;
            b.Slice(offset, _bs).CopyTo(x.Slice(offset, _bs));
            SmallLu.Solve(_blocks.AsSpan(g * bs2, bs2), _bs, _pivots.AsSpan(offset, _bs), x.Slice(offset, _bs));
        }
        for (var i = _core; i < _n; i++) x[i] = b[i] / _shift;
    }

    public void Solve(ReadOnlySpan<double> b, Span<double> x)
    {
        SolveBlocks(b, x);
        Project(x, _z);
        SmallLu.Solve(_small, _r, _smallPivots, _z);
        for (var m = 0; m < _r; m++)
        {
            var weight = _z[m];
            if (weight == 0) continue;
            var column = _y.AsSpan(m * _n, _n);
            for (var i = 0; i < _n; i++) x[i] += weight * column[i];
        }
    }
}

/// <summary>LU with partial pivoting for the small dense blocks of a structured Jacobian (row-major, in place).</summary>
internal static class SmallLu
{
    public static void Factor(Span<double> a, int n, Span<int> pivots)
    {
        for (var k = 0; k < n; k++)
        {
            var p = k;
            var best = Math.Abs(a[k * n + k]);
            for (var i = k + 1; i < n; i++)
            {
                var v = Math.Abs(a[i * n + k]);
                if (v > best)
                {
                    best = v;
                    p = i;
                }
            }
            pivots[k] = p;
            if (p != k)
                for (var j = 0; j < n; j++) (a[k * n + j], a[p * n + j]) = (a[p * n + j], a[k * n + j]);
            var pivot = a[k * n + k];
            // A singular block leaves a zero pivot; the solve then yields non-finite values, which the
            // integrator rejects as a failed step and retries smaller.
            for (var i = k + 1; i < n; i++)
            {
                var factor = a[i * n + k] / pivot;
                a[i * n + k] = factor;
                if (factor == 0) continue;
                for (var j = k + 1; j < n; j++) a[i * n + j] -= factor * a[k * n + j];
            }
        }
    }

    public static void Solve(ReadOnlySpan<double> lu, int n, ReadOnlySpan<int> pivots, Span<double> x)
    {
        for (var k = 0; k < n; k++)
        {
            var p = pivots[k];
            if (p != k) (x[k], x[p]) = (x[p], x[k]);
            for (var i = k + 1; i < n; i++) x[i] -= lu[i * n + k] * x[k];
        }
        for (var i = n - 1; i >= 0; i--)
        {
            var s = x[i];
            for (var j = i + 1; j < n; j++) s -= lu[i * n + j] * x[j];
            x[i] = s / lu[i * n + i];
        }
    }
}
