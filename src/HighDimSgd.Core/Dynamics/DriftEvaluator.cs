using System.Runtime.CompilerServices;
using HighDimSgd.Core.Expectations;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// From overlaps to the coefficients of the dynamics: the Gaussian expectations per class, the drift
/// <c>J = E[grad f (x - M)^T] B^+</c> (Stein in regression form: no derivative of the teacher, defined for singular
/// B), and the quantities adaptive schedules read. Shared by the limiting ODE and by the statistics of simulated
/// SGD, so both report the same thing.
/// </summary>
/// <remarks>Not thread-safe: buffers are reused across evaluations.</remarks>
public sealed class DriftEvaluator
{
    private readonly DynamicsSetup _setup;
    private readonly GaussianQuadrature _quadrature;
    private readonly MomentKinds _kinds;
    private readonly bool _zeroMeans;
    private readonly int _l, _ns, _classes;
    private readonly double[] _meanEigenvalue, _meanSquaredEigenvalue;
    private readonly double[] _pinv, _work;

    /// <summary>Buffers for the shapes of <paramref name="setup"/>.</summary>
    public DriftEvaluator(DynamicsSetup setup, QuadratureOptions? quadrature = null)
    {
        _setup = setup;
        _quadrature = new GaussianQuadrature(setup.Model, quadrature);
        // E grad f only ever multiplies a class mean (Q states, the mean part of A): with zero means it is not needed,
        // and leaving it out lets closed forms replace quadrature entirely.
        // Read once: ZeroMeans scans every class mean, O(d), too slow for each evaluation.
        _zeroMeans = setup.ZeroMeans;
        _kinds = _zeroMeans ? MomentKinds.Loss | MomentKinds.Fisher | MomentKinds.GradientCross : MomentKinds.All;
        _l = setup.StudentDirections;
        _ns = setup.StateSize;
        _classes = setup.Classes.Count;
        Parameters = new OrderParameters(_classes, _l, _ns);
        Moments = [.. Enumerable.Range(0, _classes).Select(_ => new GaussianMoments(_l, setup.TeacherDirections))];
        Drift = new DriftTerms(_classes, _ns);
        Context = new ScheduleContext();
        _meanEigenvalue = [.. setup.Classes.Select(c => c.MeanEigenvalue)];
        _meanSquaredEigenvalue = [.. setup.Classes.Select(c => c.Eigenvalues.Average(x => x * x))];
        _pinv = new double[_ns * _ns];
        _work = new double[3 * _ns * _ns + _ns];
    }

    /// <summary>The setup.</summary>
    public DynamicsSetup Setup => _setup;

    /// <summary>Overlaps to evaluate at: fill these, then call <see cref="Evaluate"/>.</summary>
    public OrderParameters Parameters { get; }

    /// <summary>Class moments at the last evaluation.</summary>
    public GaussianMoments[] Moments { get; }

    /// <summary>Drift terms at the last evaluation.</summary>
    public DriftTerms Drift { get; }

    /// <summary>Schedule inputs at the last evaluation.</summary>
    public ScheduleContext Context { get; }

    /// <summary>Population risk sum_c p_c E_c f at the last evaluation.</summary>
    public double Risk
    {
        get
        {
            double risk = 0;
            for (var c = 0; c < _classes; c++) risk += _setup.Classes[c].Probability * Moments[c].Loss;
            return risk;
        }
    }

    /// <summary>Computes moments, drift and schedule inputs at <see cref="Parameters"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Evaluate()
    {
        var n = _ns;
        for (var c = 0; c < _classes; c++)
        {
            var m = Moments[c];
            _quadrature.Compute(Parameters.Means[c], Parameters.Covariances[c], _setup.Classes[c].Labels, m, _kinds);
            var p = _setup.Classes[c].Probability;
            // Classes that share a covariance (a shared K_c) share its pseudo-inverse.
            if (c == 0 || !Parameters.Covariances[c].AsSpan().SequenceEqual(Parameters.Covariances[c - 1]))
                SmallSymmetric.PseudoInverse(Parameters.Covariances[c], n, _pinv, _work);
            var jac = Drift.Jacobians[c];
            Array.Clear(jac);
            for (var i = 0; i < _l; i++)
                for (var j = 0; j < n; j++)
                {
                    double s = 0;
                    for (var k = 0; k < n; k++) s += m.GradientCross[i * n + k] * _pinv[k * n + j];
                    jac[i * n + j] = p * s;
                }
            var grad = Drift.Gradients[c];
            Array.Clear(grad);
            for (var i = 0; i < _l; i++) grad[i] = p * m.Gradient[i];
            var fisher = Drift.Fishers[c];
            Array.Clear(fisher);
            for (var i = 0; i < _l; i++)
                for (var j = 0; j < _l; j++) fisher[i * n + j] = p * m.Fisher[i * _l + j];
        }
        FillContext();
    }

    /// <summary>
    /// Only the class moments <paramref name="kinds"/> at <see cref="Parameters"/> (e.g. the loss for a risk): the drift and
    /// schedule inputs are left as they were.
    /// </summary>
    public void EvaluateMoments(MomentKinds kinds)
    {
        for (var c = 0; c < _classes; c++)
            _quadrature.Compute(Parameters.Means[c], Parameters.Covariances[c], _setup.Classes[c].Labels, Moments[c], kinds & _kinds);
    }

    private void FillContext()
    {
        double growth = 0, decrease = 0;
        var n = _ns;
        var l = _l;
        var hasTarget = _setup.TeacherDirections == l;
        for (var c = 0; c < _classes; c++)
        {
            var p = _setup.Classes[c].Probability;
            var m = Moments[c];
            double traceFisher = 0;
            for (var i = 0; i < l; i++) traceFisher += m.Fisher[i * l + i];
            growth += p * _meanEigenvalue[c] * traceFisher;
            if (!hasTarget) continue;
            var mean = Parameters.Means[c];
            for (var k = 0; k < l; k++)
                decrease += p * (m.GradientCross[k * n + k] - m.GradientCross[k * n + l + k] + m.Gradient[k] * (mean[k] - mean[l + k]));
        }
        Context.FisherGrowth = growth;
        Context.DistanceDecrease = hasTarget ? decrease : double.NaN;
        if (_classes == 1 && Parameters.HasSquaredKernel && _zeroMeans)
        {
            // ||grad L||^2 = tr(J B2 J^T) with B2 = W K^2 W^T; the curvature term uses H = E[hess_r f] = J_xx (Stein).
            var jac = Drift.Jacobians[0];
            var b2 = Parameters.SquaredKernel;
            double normSquared = 0;
            for (var i = 0; i < l; i++)
                for (var a = 0; a < n; a++)
                    for (var b = 0; b < n; b++) normSquared += jac[i * n + a] * b2[a * n + b] * jac[i * n + b];
            double curvature = 0;
            var fisher = Moments[0].Fisher;
            for (var i = 0; i < l; i++)
                for (var j = 0; j < l; j++) curvature += jac[i * n + j] * fisher[j * l + i];
            // The regression form reads H off the spread of r; a student direction with no spread (B_xx = 0, e.g. X = 0)
            // leaves H undetermined rather than zero, so the greedy step is undefined there, not infinite.
            var covariance = Parameters.Covariances[0];
            double scale = 1;
            for (var i = 0; i < n; i++) scale = Math.Max(scale, covariance[i * n + i]);
            var determined = true;
            for (var i = 0; i < l; i++) determined &= covariance[i * n + i] > 1e-12 * scale;
            Context.GradientNormSquared = normSquared;
            Context.CurvatureNoise = determined ? _meanSquaredEigenvalue[0] * curvature : double.NaN;
        }
        else
        {
            Context.GradientNormSquared = double.NaN;
            Context.CurvatureNoise = double.NaN;
        }
    }
}
