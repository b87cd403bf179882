namespace HighDimSgd.Core.Ode;

/// <summary>
/// The step loop shared by the adaptive integrators: step attempts with error control, dense output
/// at requested times, divergence detection and the step limit. A concrete method supplies a
/// <see cref="Stepper"/>.
/// </summary>
/// <remarks>Instances are immutable and may be shared; each call of <see cref="Integrate"/> allocates its own buffers.</remarks>
public abstract class AdaptiveIntegrator : IOdeIntegrator
{
    /// <summary>Uses <paramref name="options"/> or the defaults.</summary>
    protected AdaptiveIntegrator(IntegratorOptions? options)
    {
        Options = options ?? IntegratorOptions.Default;
        Options.Validate();
    }

    /// <inheritdoc />
    public IntegratorOptions Options { get; }

    private protected abstract Stepper CreateStepper(IOdeSystem system);

    /// <inheritdoc />
    public OdeSolution Integrate(IOdeSystem system, double t0, ReadOnlySpan<double> y0, ReadOnlySpan<double> outputTimes,
        StepMonitor? monitor = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ValidateArguments(system, t0, y0, outputTimes);
        var n = system.Dimension;
        var stepper = CreateStepper(system);
        var recorder = new OutputRecorder(outputTimes, n);
        var tEnd = outputTimes[^1];
        int accepted = 0, rejected = 0;

        OdeSolution Finish(OdeStatus status, double t, string? reason) => recorder.ToSolution(status, t, reason,
            stepper.State.ToArray(), new StepStatistics(accepted, rejected, stepper.Evaluations, stepper.Jacobians));

        stepper.Start(t0, y0);
        recorder.RecordExact(t0, stepper.State);
        if (!IsFinite(stepper.State)) return Finish(OdeStatus.Diverged, t0, "initial state is not finite");
        if (!IsFinite(stepper.Derivative0)) return Finish(OdeStatus.Diverged, t0, "derivative at the initial state is not finite");
        if (monitor?.Invoke(t0, stepper.State) is { } initialReason) return Finish(OdeStatus.Diverged, t0, initialReason);

        var t = t0;
        var h = Options.InitialStep > 0 ? Options.InitialStep : stepper.EstimateInitialStep(t0, tEnd - t0, Options);
        var afterReject = false;
        var attempts = 0;
        var windowStart = t;
        var windowMiddle = t;
        while (t < tEnd)
        {
            if (attempts++ >= Options.MaxSteps) return Finish(OdeStatus.StepLimit, t, "step limit reached");
            if (attempts > RateWindow && (attempts - 1) % RateWindow == 0)
            {
                // A step size that collapses (a right-hand side that is not smooth, e.g. a jump the quadrature cannot
                // resolve) would otherwise grind on towards the step limit for hours; stop once the recent rate cannot
                // reach the horizon within it. A kink passes in a few dozen steps, well inside one window. Steps that keep
                // growing (the second half of the window went more than twice as far as the first: a stiff solution
                // relaxing, AdaGrad at d = 1e6 to T = 1000) are not collapsing: the linear projection bounds flat ones only.
                var projected = attempts + (tEnd - t) / Math.Max(t - windowStart, double.Epsilon) * RateWindow;
                var growing = t - windowMiddle > 2 * (windowMiddle - windowStart);
                if (projected > Options.MaxSteps && !growing)
                    return Finish(OdeStatus.StepLimit, t,
                        $"step size collapsed: the last {RateWindow} steps advanced t by {t - windowStart:G3}, so reaching t = {tEnd:G4} would take about {projected:G2} steps, " +
                        $"more than the limit of {Options.MaxSteps:N0} (the right-hand side is not smooth here, or the problem is stiff)");
                windowStart = t;
            }
            if (attempts % RateWindow == RateWindow / 2) windowMiddle = t;
            h = Math.Min(h, Options.MaxStep);
            // Stretch the last step by up to 1% rather than leave a sliver behind (Hairer's rule).
            var isLast = t + 1.01 * h >= tEnd;
            if (isLast) h = tEnd - t;
            if (h <= MinimumStep(t))
                return Finish(OdeStatus.Diverged, t, $"step size underflow (h = {h:G3}): the solution blows up or is not smooth");

            var error = stepper.Attempt(t, h, Options);
            if (error <= 1.0)
            {
                var tNew = isLast ? tEnd : t + h;
                stepper.Accept();
                accepted++;
                recorder.RecordStep(t, tNew, stepper);
                t = tNew;
                if (!IsFinite(stepper.State)) return Finish(OdeStatus.Diverged, t, "state is not finite");
                if (monitor?.Invoke(t, stepper.State) is { } reason) return Finish(OdeStatus.Diverged, t, reason);
                h = stepper.NextStep(h, error, accepted: true, afterReject);
                afterReject = false;
            }
            else
            {
                rejected++;
                h = stepper.NextStep(h, error, accepted: false, afterReject);
                afterReject = true;
            }
        }
        return Finish(OdeStatus.Completed, tEnd, null);
    }

    /// <summary>Attempts over which the rate of progress is measured against <see cref="IntegratorOptions.MaxSteps"/>.</summary>
    public const int RateWindow = 1000;

    // Below 16 ulp of t a step no longer advances t meaningfully.
    private static double MinimumStep(double t) => 16 * (Math.BitIncrement(Math.Abs(t)) - Math.Abs(t));

    private static void ValidateArguments(IOdeSystem system, double t0, ReadOnlySpan<double> y0, ReadOnlySpan<double> outputTimes)
    {
        if (y0.Length != system.Dimension)
            throw new ArgumentException($"Initial state has length {y0.Length}, the system dimension is {system.Dimension}.", nameof(y0));
        if (!double.IsFinite(t0)) throw new ArgumentException("Start time must be finite.", nameof(t0));
        if (outputTimes.IsEmpty) throw new ArgumentException("At least one output time is needed.", nameof(outputTimes));
        var previous = t0;
        foreach (var time in outputTimes)
        {
            if (!double.IsFinite(time) || time < previous)
                throw new ArgumentException("Output times must be finite, ascending and not before the start time.", nameof(outputTimes));
            previous = time;
        }
    }

    internal static bool IsFinite(ReadOnlySpan<double> values)
    {
        foreach (var v in values)
            if (!double.IsFinite(v)) return false;
        return true;
    }
}

/// <summary>One method's step attempt, acceptance and dense output, with the buffers of one integration.</summary>
internal abstract class Stepper(IOdeSystem system)
{
    protected readonly IOdeSystem System = system;
    protected readonly int N = system.Dimension;

    /// <summary>Current accepted state.</summary>
    protected double[] Y = new double[system.Dimension];

    /// <summary>f at the current accepted state.</summary>
    protected double[] F0 = new double[system.Dimension];

    protected double T;

    public int Evaluations { get; private set; }
    public int Jacobians { get; protected set; }

    public ReadOnlySpan<double> State => Y;
    public ReadOnlySpan<double> Derivative0 => F0;

    /// <summary>Order of the local error estimate (exponent 1/order in step control).</summary>
    protected abstract int ErrorOrder { get; }

    /// <summary>Counts evaluations that a system made on its own behalf (e.g. for a structured Jacobian).</summary>
    protected void CountEvaluations(int count) => Evaluations += count;

    protected void Evaluate(double t, ReadOnlySpan<double> y, Span<double> dydt)
    {
        Evaluations++;
        System.Derivative(t, y, dydt);
    }

    public virtual void Start(double t0, ReadOnlySpan<double> y0)
    {
        T = t0;
        y0.CopyTo(Y);
        Evaluate(t0, Y, F0);
    }

    /// <summary>Attempts a step of size <paramref name="h"/> from the current state; returns the error norm (NaN or infinity when the step failed).</summary>
    public abstract double Attempt(double t, double h, IntegratorOptions options);

    /// <summary>Makes the last attempt the current state and prepares dense output over it.</summary>
    public abstract void Accept();

    /// <summary>State at <paramref name="t"/> inside the last accepted step.</summary>
    public abstract void Interpolate(double t, Span<double> y);

    /// <summary>Next step size after an attempt with error norm <paramref name="error"/>.</summary>
    public abstract double NextStep(double h, double error, bool accepted, bool afterReject);

    /// <summary>
    /// The elementary (I) controller of the one-step methods without a PI history (Rodas4, exprk4): shrink after a
    /// failure, at most 1 after a rejection, at most <paramref name="maxFactor"/> after an acceptance.
    /// </summary>
    protected double ElementaryNextStep(double h, double error, bool accepted, bool afterReject, double maxFactor)
    {
        const double safety = 0.9, minFactor = 0.2;
        if (!double.IsFinite(error)) return h * minFactor;
        var factor = Math.Clamp(safety * Math.Pow(Math.Max(error, 1e-10), -1.0 / ErrorOrder), minFactor,
            accepted && !afterReject ? maxFactor : 1.0);
        return h * factor;
    }

    /// <summary>Hairer's starting step: a forward-Euler probe bounds the second derivative.</summary>
    public double EstimateInitialStep(double t0, double span, IntegratorOptions options)
    {
        var scale = new double[N];
        for (var i = 0; i < N; i++) scale[i] = options.AbsoluteTolerance + options.RelativeTolerance * Math.Abs(Y[i]);
        double dnf = 0, dny = 0;
        for (var i = 0; i < N; i++)
        {
            dnf += Sq(F0[i] / scale[i]);
            dny += Sq(Y[i] / scale[i]);
        }
        var h = dnf <= 1e-10 || dny <= 1e-10 ? 1e-6 : Math.Sqrt(dny / dnf) * 0.01;
        h = Math.Min(Math.Min(h, options.MaxStep), span);
        var probe = new double[N];
        var f1 = new double[N];
        for (var i = 0; i < N; i++) probe[i] = Y[i] + h * F0[i];
        Evaluate(t0 + h, probe, f1);
        double der2 = 0;
        for (var i = 0; i < N; i++) der2 += Sq((f1[i] - F0[i]) / scale[i]);
        der2 = Math.Sqrt(der2) / h;
        var der12 = Math.Max(Math.Abs(der2), Math.Sqrt(dnf));
        var h1 = der12 <= 1e-15 || !double.IsFinite(der12)
            ? Math.Max(1e-6, h * 1e-3)
            : Math.Pow(0.01 / der12, 1.0 / ErrorOrder);
        var result = Math.Min(Math.Min(100 * h, h1), options.MaxStep);
        return double.IsFinite(result) && result > 0 ? Math.Min(result, span) : Math.Min(1e-6, span);
    }

    /// <summary>Weighted RMS norm of <paramref name="error"/> against the old and new states.</summary>
    protected static double ErrorNorm(double[] error, double[] yOld, double[] yNew, IntegratorOptions options)
    {
        var sum = StateLoops.Sum(error.Length, (start, end) =>
        {
            double part = 0;
            for (var i = start; i < end; i++)
            {
                var scale = options.AbsoluteTolerance + options.RelativeTolerance * Math.Max(Math.Abs(yOld[i]), Math.Abs(yNew[i]));
                part += Sq(error[i] / scale);
            }
            return part;
        });
        return Math.Sqrt(sum / error.Length);
    }

    protected static double Sq(double x) => x * x;
}

/// <summary>Collects the state at the requested output times as the steps pass them.</summary>
internal sealed class OutputRecorder
{
    private readonly double[] _times;
    private readonly double[] _states;
    private readonly int _dimension;
    private int _next;

    public OutputRecorder(ReadOnlySpan<double> times, int dimension)
    {
        _times = times.ToArray();
        _dimension = dimension;
        _states = new double[_times.Length * dimension];
    }

    private Span<double> Row(int index) => _states.AsSpan(index * _dimension, _dimension);

    /// <summary>Records every pending output time equal to <paramref name="t"/> with <paramref name="state"/>.</summary>
    public void RecordExact(double t, ReadOnlySpan<double> state)
    {
        while (_next < _times.Length && _times[_next] <= t) state.CopyTo(Row(_next++));
    }

    /// <summary>Records output times in (tOld, tNew]: inside by dense output, at tNew exactly.</summary>
    public void RecordStep(double tOld, double tNew, Stepper stepper)
    {
        while (_next < _times.Length && _times[_next] < tNew)
            stepper.Interpolate(Math.Max(_times[_next], tOld), Row(_next++));
        RecordExact(tNew, stepper.State);
    }

    public OdeSolution ToSolution(OdeStatus status, double stopTime, string? reason, double[] finalState, StepStatistics statistics) =>
        new(_dimension, _times[.._next], _states[..(_next * _dimension)], status, stopTime, reason, finalState, statistics);
}
