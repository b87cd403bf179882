using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Ode;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The limiting ODE as an <see cref="IOdeSystem"/>: the representation gives the overlaps, the
/// <see cref="DriftEvaluator"/> the coefficients, the schedule gamma_t, and the representation advances the state.
/// The schedule's extra states follow the representation's.
/// </summary>
/// <remarks>Not thread-safe: buffers are reused across evaluations.</remarks>
public sealed class LimitingDynamics : IOdeSystem
{
    private readonly DynamicsSetup _setup;

    /// <summary>Couples a representation, an expectation rule and the setup's schedule.</summary>
    public LimitingDynamics(DynamicsSetup setup, SpectralRepresentation representation, QuadratureOptions? quadrature = null)
    {
        _setup = setup;
        Representation = representation;
        Evaluator = new DriftEvaluator(setup, quadrature);
    }

    /// <summary>How the spectrum is carried.</summary>
    public SpectralRepresentation Representation { get; }

    /// <summary>Coefficients at the last evaluated state.</summary>
    public DriftEvaluator Evaluator { get; }

    /// <inheritdoc />
    public int Dimension => Representation.Dimension + _setup.Schedule.ExtraStates;

    /// <summary>gamma at the last evaluated state.</summary>
    public double Rate { get; private set; }

    /// <summary>The initial state (representation and schedule extras).</summary>
    public double[] InitialState()
    {
        var y = new double[Dimension];
        Representation.InitialState(y);
        _setup.Schedule.InitialExtras(y.AsSpan(Representation.Dimension));
        return y;
    }

    /// <summary>Evaluates overlaps, moments, drift and rate at a state (the statistics read them afterwards).</summary>
    public void Evaluate(double t, ReadOnlySpan<double> y)
    {
        Representation.Overlaps(y, Evaluator.Parameters);
        Evaluator.Evaluate();
        Rate = _setup.Schedule.Rate(t, y[Representation.Dimension..], Evaluator.Context);
    }

    /// <inheritdoc />
    public void Derivative(double t, ReadOnlySpan<double> y, Span<double> dydt)
    {
        Evaluate(t, y);
        var core = Representation.Dimension;
        Representation.Derivative(y, Evaluator.Drift, Rate, dydt);
        _setup.Schedule.ExtraDerivative(t, y[core..], Evaluator.Context, Rate, dydt[core..]);
    }
}
