using HighDimSgd.Core.Expectations;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The Gaussian quadrature's own error in a solve: at a few of its states, the moments the ODE used (loss, mean
/// gradient, Fisher, gradient cross moment per class) against the same moments by rules of twice the order (both orders
/// of a split rule doubled, twice the lattice points), each relative to the largest entry of its kind. A rule that
/// has converged changes by round-off; one that cannot resolve its integrand (a kink it does not split) changes by
/// about its error.
/// </summary>
internal sealed class QuadratureCheck
{
    private readonly DynamicsSetup _setup;
    private readonly GaussianQuadrature _fine;
    private readonly GaussianMoments _moments;

    public QuadratureCheck(DynamicsSetup setup, QuadratureOptions? options)
    {
        _setup = setup;
        _fine = new GaussianQuadrature(setup.Model, Doubled(options ?? QuadratureOptions.Default));
        _moments = new GaussianMoments(setup.StudentDirections, setup.TeacherDirections);
    }

    /// <summary>The largest relative change seen so far (0 before any state).</summary>
    public double Estimate { get; private set; }

    /// <summary>The rules of twice the order (capped where the Gauss-Hermite rule stops).</summary>
    public static QuadratureOptions Doubled(QuadratureOptions options) => options with
    {
        OrderLowDimensions = Math.Min(2 * options.OrderLowDimensions, GaussHermite.MaxOrder),
        OrderThreeDimensions = Math.Min(2 * options.OrderThreeDimensions, GaussHermite.MaxOrder),
        OrderFourDimensions = Math.Min(2 * options.OrderFourDimensions, GaussHermite.MaxOrder),
        SparseGridLevel = options.SparseGridLevel + 1,
        LatticePoints = NextPrime(2 * options.LatticePoints),
        SplitOrdersLowDimensions = (2 * options.SplitOrdersLowDimensions.HalfRange, 2 * options.SplitOrdersLowDimensions.Piece),
        SplitOrdersThreeDimensions = (2 * options.SplitOrdersThreeDimensions.HalfRange, 2 * options.SplitOrdersThreeDimensions.Piece),
        TransitionOrders = (2 * options.TransitionOrders.Piece, Math.Min(2 * options.TransitionOrders.Across, GaussHermite.MaxOrder)),
    };

    /// <summary>Compares the moments <paramref name="primary"/> computed at its last state with the finer rules' there.</summary>
    public void Add(DriftEvaluator primary)
    {
        var p = primary.Parameters;
        // Three classes per state at most (the first, a middle and the last): a mixture's classes share the model, and
        // checking all 15 of a softmax on the finer lattice would cost more than the solve.
        var classes = _setup.Classes.Count;
        foreach (var c in classes <= 3 ? Enumerable.Range(0, classes) : [0, classes / 2, classes - 1])
        {
            var used = primary.Moments[c];
            _fine.Compute(p.Means[c], p.Covariances[c], _setup.Classes[c].Labels, _moments, used.Filled);
            var worst = 0.0;
            if ((used.Filled & MomentKinds.Loss) != 0) worst = Math.Max(worst, Change([used.Loss], [_moments.Loss]));
            if ((used.Filled & MomentKinds.Gradient) != 0) worst = Math.Max(worst, Change(used.Gradient, _moments.Gradient));
            if ((used.Filled & MomentKinds.Fisher) != 0) worst = Math.Max(worst, Change(used.Fisher, _moments.Fisher));
            if ((used.Filled & MomentKinds.GradientCross) != 0) worst = Math.Max(worst, Change(used.GradientCross, _moments.GradientCross));
            Estimate = Math.Max(Estimate, double.IsNaN(worst) ? double.PositiveInfinity : worst);
        }
    }

    private static int NextPrime(int n)
    {
        for (var candidate = n | 1; ; candidate += 2)
        {
            var prime = true;
            for (var d = 3; d * d <= candidate && prime; d += 2) prime = candidate % d != 0;
            if (prime) return candidate;
        }
    }

    private static double Change(ReadOnlySpan<double> used, ReadOnlySpan<double> fine)
    {
        double scale = 0, change = 0;
        for (var i = 0; i < used.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(fine[i]));
            change = Math.Max(change, Math.Abs(used[i] - fine[i]));
        }
        return scale == 0 ? change : change / scale;
    }
}
