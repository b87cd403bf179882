using HighDimSgd.Core.Expectations;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The compression error of a solve: at every output time, the distance between the overlaps and risk of the
/// solution and those of the coarser shadow rule that evolved with the same drift (relative to the risk and to the
/// largest diagonal overlap). The shadow has half the nodes per panel, so this bounds the solution's own error.
/// </summary>
internal sealed class CompressionErrorEstimate(DynamicsSetup setup, EigenRepresentation representation, QuadratureOptions? quadrature = null)
{
    private readonly DriftEvaluator _shadow = new(setup, quadrature);

    /// <summary>The largest relative distance seen so far (0 before any output).</summary>
    public double Estimate { get; private set; }

    /// <summary>Compares the shadow at <paramref name="state"/> with the solution evaluated there by <paramref name="primary"/>.</summary>
    public void Add(ReadOnlySpan<double> state, DriftEvaluator primary)
    {
        representation.ShadowOverlaps(state, _shadow.Parameters);
        _shadow.Evaluate();
        var ns = setup.StateSize;
        var risk = primary.Risk;
        var worst = Math.Abs(_shadow.Risk - risk) / Math.Max(Math.Abs(risk), 1e-300);
        for (var c = 0; c < setup.Classes.Count; c++)
        {
            var b = primary.Parameters.Covariances[c];
            var bs = _shadow.Parameters.Covariances[c];
            double scale = 0;
            for (var a = 0; a < ns; a++) scale = Math.Max(scale, Math.Abs(b[a * ns + a]));
            if (scale == 0) continue;
            for (var k = 0; k < ns * ns; k++) worst = Math.Max(worst, Math.Abs(bs[k] - b[k]) / scale);
            var m = primary.Parameters.Means[c];
            var ms = _shadow.Parameters.Means[c];
            for (var k = 0; k < ns; k++) worst = Math.Max(worst, Math.Abs(ms[k] - m[k]) / Math.Sqrt(scale));
        }
        if (double.IsNaN(worst)) worst = double.PositiveInfinity;
        Estimate = Math.Max(Estimate, worst);
    }
}
