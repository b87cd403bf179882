namespace HighDimSgd.Core.Ode;

/// <summary>
/// The explicit exponential Runge-Kutta method of Hochbruck and Ostermann (2005; five stages, stiff order 4) for
/// <c>y' = D y + N(t, y)</c> with the diagonal <c>D</c> of an <see cref="IDiagonallySplitSystem"/> frozen over each step
/// and <c>N = f - D y</c>, with an embedded solution of stiff order 3 on the same stages (the weights of Cox and
/// Matthews' ETDRK4, which satisfy the order-3 conditions on these stages) for error control, plus the error the stage
/// U4 carries into the step through N, measured by evaluating f at the new state. Exact when <c>f = D y + c</c>; a stiff
/// diagonal sets no step limit, only the rest of the Jacobian does. Five evaluations per accepted step (the one at the
/// new state is the next step's first); dense output by a fresh step to each output time inside a step.
/// </summary>
/// <remarks>
/// The embedded solution shares the main one's nodes (0, 1/2, 1), so where N depends on t alone the two agree and the
/// estimate cannot see the quadrature error of that dependence: a forcing that varies in time but with no state behind it
/// is not error-controlled. Time-dependent coefficients that come from states (the overlaps, an adaptive step size) are
/// seen through the stages; <see cref="HighDimSgd.Core.Dynamics.TheorySolver"/> does not pick this method by itself for a
/// step size given as a formula of t.
/// <para>
/// With <c>phi_k = phi_k(h D)</c>, <c>psi_k = phi_k(h D / 2)</c>: stages at c = 0, 1/2, 1/2, 1, 1/2;
/// <c>U2 = e^(hD/2) y + h psi_1/2 N1</c>, <c>U3 = e^(hD/2) y + h ((psi_1/2 - psi_2) N1 + psi_2 N2)</c>,
/// <c>U4 = e^(hD) y + h ((phi_1 - 2 phi_2) N1 + phi_2 (N2 + N3))</c>,
/// <c>U5 = e^(hD/2) y + h ((psi_1/2 - 2 a - b) N1 + a (N2 + N3) + b N4)</c> with
/// <c>a = psi_2/2 - phi_3 + phi_2/4 - psi_3/2</c>, <c>b = psi_2/4 - a</c>;
/// <c>y1 = e^(hD) y + h ((phi_1 - 3 phi_2 + 4 phi_3) N1 + (4 phi_3 - phi_2) N4 + (4 phi_2 - 8 phi_3) N5)</c>; the
/// embedded solution differs by <c>h (2 phi_2 - 4 phi_3) (2 N5 - N2 - N3)</c>.
/// </para>
/// </remarks>
public sealed class ExponentialRungeKutta43(IntegratorOptions? options = null) : AdaptiveIntegrator(options)
{
    private protected override Stepper CreateStepper(IOdeSystem system) => system is IDiagonallySplitSystem split
        ? new ExponentialStepper(split)
        : throw new ArgumentException("The exponential integrator needs a system that names its diagonal rates (IDiagonallySplitSystem).", nameof(system));

    private sealed class ExponentialStepper(IDiagonallySplitSystem system) : Stepper(system)
    {
        private const double MaxFactor = 5.0;

        private readonly IDiagonallySplitSystem _split = system;
        private readonly double[] _n1 = new double[system.Dimension], _n2 = new double[system.Dimension],
            _n3 = new double[system.Dimension], _n4 = new double[system.Dimension], _n5 = new double[system.Dimension],
            _stage = new double[system.Dimension], _error = new double[system.Dimension];

        // phi_0..3 of h D and of h D / 2, for the step being attempted.
        private readonly double[] _e = new double[system.Dimension], _p1 = new double[system.Dimension],
            _p2 = new double[system.Dimension], _p3 = new double[system.Dimension];
        private readonly double[] _eh = new double[system.Dimension], _q1 = new double[system.Dimension],
            _q2 = new double[system.Dimension], _q3 = new double[system.Dimension];

        // Swapped on acceptance: the old state and rates stay available for dense output over the accepted step.
        private double[] _yNew = new double[system.Dimension], _rates = new double[system.Dimension],
            _oldRates = new double[system.Dimension], _newRates = new double[system.Dimension];

        private double[] _fOld = new double[system.Dimension], _fNew = new double[system.Dimension];
        private readonly double[] _interpolated = new double[system.Dimension];
        private double[]? _phiRates;
        private double _h, _tOld, _phiStep = double.NaN;

        protected override int ErrorOrder => 4;

        public override void Start(double t0, ReadOnlySpan<double> y0)
        {
            T = t0;
            y0.CopyTo(Y);
            EvaluateWithRates(t0);
        }

        /// <summary>f and the rates at the current state, which the next step freezes.</summary>
        private void EvaluateWithRates(double t)
        {
            CountEvaluations(1);
            _split.DerivativeAndRates(t, Y, F0, _rates);
        }

        public override double Attempt(double t, double h, IntegratorOptions options)
        {
            Step(t, h, Y, F0, _rates, _yNew, _error);
            // The embedded estimate misses the error of U4 that N4 carries into the step: where N couples stiffly to the
            // state, y1 takes it undamped (b4 -> 1 / (h |D|) while N4 grows like |D|). Re-evaluating N at y1 measures it:
            // h b4 (N(y1) - N4). f(y1) is the next step's first evaluation, so an accepted step costs nothing more.
            CountEvaluations(1);
            _split.DerivativeAndRates(t + h, _yNew, _fNew, _newRates);
            double[] d = _rates, yNew = _yNew, fNew = _fNew, n4 = _n4, p2 = _p2, p3 = _p3, error = _error;
            StateLoops.For(N, (s, end) =>
            {
                for (var i = s; i < end; i++)
                    error[i] = Math.Abs(error[i]) + Math.Abs(h * (4 * p3[i] - p2[i]) * (fNew[i] - d[i] * yNew[i] - n4[i]));
            });
            _h = h;
            _tOld = t;
            var norm = ErrorNorm(_error, Y, _yNew, options);
            return double.IsFinite(norm) ? norm : double.PositiveInfinity;
        }

        /// <summary>One step of size h from (t, y) with f(t, y) = f0 and rates d into yNew, and the error estimate when asked.</summary>
        private void Step(double t, double h, double[] y, double[] f0, double[] d, double[] yNew, double[]? error)
        {
            double[] n1 = _n1, n2 = _n2, n3 = _n3, n4 = _n4, n5 = _n5, u = _stage;
            PreparePhi(h, d);
            double[] e = _e, p1 = _p1, p2 = _p2, p3 = _p3, eh = _eh, q1 = _q1, q2 = _q2, q3 = _q3;
            StateLoops.For(N, (s, end) =>
            {
                for (var i = s; i < end; i++)
                {
                    n1[i] = f0[i] - d[i] * y[i];
                    u[i] = eh[i] * y[i] + h * 0.5 * q1[i] * n1[i];
                }
            });
            // Each loop first turns the last evaluation f(U) into N = f - D U, while U is still in the stage buffer.
            Evaluate(t + 0.5 * h, u, n2);
            StateLoops.For(N, (s, end) =>
            {
                for (var i = s; i < end; i++)
                {
                    n2[i] -= d[i] * u[i];
                    u[i] = eh[i] * y[i] + h * ((0.5 * q1[i] - q2[i]) * n1[i] + q2[i] * n2[i]);
                }
            });
            Evaluate(t + 0.5 * h, u, n3);
            StateLoops.For(N, (s, end) =>
            {
                for (var i = s; i < end; i++)
                {
                    n3[i] -= d[i] * u[i];
                    u[i] = e[i] * y[i] + h * ((p1[i] - 2 * p2[i]) * n1[i] + p2[i] * (n2[i] + n3[i]));
                }
            });
            Evaluate(t + h, u, n4);
            StateLoops.For(N, (s, end) =>
            {
                for (var i = s; i < end; i++)
                {
                    n4[i] -= d[i] * u[i];
                    var a = 0.5 * q2[i] - p3[i] + 0.25 * p2[i] - 0.5 * q3[i];
                    var b = 0.25 * q2[i] - a;
                    u[i] = eh[i] * y[i] + h * ((0.5 * q1[i] - 2 * a - b) * n1[i] + a * (n2[i] + n3[i]) + b * n4[i]);
                }
            });
            Evaluate(t + 0.5 * h, u, n5);
            StateLoops.For(N, (s, end) =>
            {
                for (var i = s; i < end; i++)
                {
                    n5[i] -= d[i] * u[i];
                    yNew[i] = e[i] * y[i] + h * ((p1[i] - 3 * p2[i] + 4 * p3[i]) * n1[i] + (4 * p3[i] - p2[i]) * n4[i] + (4 * p2[i] - 8 * p3[i]) * n5[i]);
                    if (error is not null) error[i] = h * (2 * p2[i] - 4 * p3[i]) * (2 * n5[i] - n2[i] - n3[i]);
                }
            });
        }

        /// <summary>The phi functions of h D and h D / 2 (kept while neither h nor the rates change).</summary>
        private void PreparePhi(double h, double[] d)
        {
            if (h == _phiStep && ReferenceEquals(d, _phiRates)) return;
            double[] e = _e, p1 = _p1, p2 = _p2, p3 = _p3, eh = _eh, q1 = _q1, q2 = _q2, q3 = _q3;
            StateLoops.For(N, (s, end) =>
            {
                var count = end - s;
                PhiFunctions.Fill(d.AsSpan(s, count), h, e.AsSpan(s, count), p1.AsSpan(s, count), p2.AsSpan(s, count), p3.AsSpan(s, count));
                PhiFunctions.Fill(d.AsSpan(s, count), 0.5 * h, eh.AsSpan(s, count), q1.AsSpan(s, count), q2.AsSpan(s, count), q3.AsSpan(s, count));
            });
            _phiStep = h;
            _phiRates = d;
        }

        public override void Accept()
        {
            (Y, _yNew) = (_yNew, Y);
            (_fOld, F0, _fNew) = (F0, _fNew, _fOld);
            (_oldRates, _rates, _newRates) = (_rates, _newRates, _oldRates);
            T = _tOld + _h;
        }

        /// <summary>
        /// Dense output as a fresh step from the start of the last step to <paramref name="t"/> with that step's rates:
        /// of the step's own order, where a continuous extension of these stages is of order 3 and, in stiff components,
        /// only interpolates N quadratically over the step. Costs four evaluations per output time inside a step.
        /// </summary>
        public override void Interpolate(double t, Span<double> y)
        {
            // After Accept the old state is in _yNew, its derivative in _fOld and its rates in _oldRates.
            var h = t - _tOld;
            if (h <= 0)
            {
                _yNew.CopyTo(y);
                return;
            }
            Step(_tOld, h, _yNew, _fOld, _oldRates, _interpolated, null);
            _interpolated.CopyTo(y);
        }

        public override double NextStep(double h, double error, bool accepted, bool afterReject) =>
            ElementaryNextStep(h, error, accepted, afterReject, MaxFactor);
    }
}
