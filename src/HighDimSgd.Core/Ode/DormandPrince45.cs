namespace HighDimSgd.Core.Ode;

/// <summary>
/// Explicit Runge-Kutta 5(4) of Dormand and Prince (Hairer's DOPRI5): FSAL, PI step-size control,
/// and Shampine's 4th-order continuous extension for output between steps. The default for
/// non-stiff problems.
/// </summary>
public sealed class DormandPrince45(IntegratorOptions? options = null) : AdaptiveIntegrator(options)
{
    private protected override Stepper CreateStepper(IOdeSystem system) => new DopriStepper(system);

    private sealed class DopriStepper(IOdeSystem system) : Stepper(system)
    {
        private const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
        private const double A21 = 1.0 / 5;
        private const double A31 = 3.0 / 40, A32 = 9.0 / 40;
        private const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
        private const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
        private const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176, A65 = -5103.0 / 18656;
        private const double A71 = 35.0 / 384, A73 = 500.0 / 1113, A74 = 125.0 / 192, A75 = -2187.0 / 6784, A76 = 11.0 / 84;
        private const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;
        private const double D1 = -12715105075.0 / 11282082432, D3 = 87487479700.0 / 32700410799, D4 = -10690763975.0 / 1880347072,
            D5 = 701980252875.0 / 199316789632, D6 = -1453857185.0 / 822651844, D7 = 69997945.0 / 29380423;

        // PI controller constants from DOPRI5: beta stabilises the step sequence, the factors bound growth and shrinkage.
        private const double Beta = 0.04, Safety = 0.9, MinFactor = 0.2, MaxFactor = 10.0;
        private const double Exponent = 0.2 - Beta * 0.75;

        private readonly double[] _k2 = new double[system.Dimension], _k3 = new double[system.Dimension],
            _k4 = new double[system.Dimension], _k5 = new double[system.Dimension], _k6 = new double[system.Dimension],
            _stage = new double[system.Dimension], _error = new double[system.Dimension];

        // Swapped with the current state and derivative on acceptance instead of copied.
        private double[] _k7 = new double[system.Dimension], _yNew = new double[system.Dimension];

        private double _h, _tOld, _previousError = 1e-4;

        protected override int ErrorOrder => 5;

        public override double Attempt(double t, double h, IntegratorOptions options)
        {
            var y = Y; var k1 = F0;
            double[] k2 = _k2, k3 = _k3, k4 = _k4, k5 = _k5, k6 = _k6, stage = _stage;
            StateLoops.For(N, (s, e) => { for (var i = s; i < e; i++) stage[i] = y[i] + h * A21 * k1[i]; });
            Evaluate(t + C2 * h, stage, k2);
            StateLoops.For(N, (s, e) => { for (var i = s; i < e; i++) stage[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]); });
            Evaluate(t + C3 * h, stage, k3);
            StateLoops.For(N, (s, e) => { for (var i = s; i < e; i++) stage[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]); });
            Evaluate(t + C4 * h, stage, k4);
            StateLoops.For(N, (s, e) => { for (var i = s; i < e; i++) stage[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]); });
            Evaluate(t + C5 * h, stage, k5);
            StateLoops.For(N, (s, e) => { for (var i = s; i < e; i++) stage[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]); });
            Evaluate(t + h, stage, k6);
            var yNew = _yNew;
            StateLoops.For(N, (s, e) => { for (var i = s; i < e; i++) yNew[i] = y[i] + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]); });
            Evaluate(t + h, yNew, _k7);
            var k7 = _k7;
            var error = _error;
            StateLoops.For(N, (s, e) =>
            {
                for (var i = s; i < e; i++)
                    error[i] = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
            });
            _h = h;
            _tOld = t;
            var norm = ErrorNorm(error, y, yNew, options);
            return double.IsFinite(norm) ? norm : double.PositiveInfinity;
        }

        public override void Accept()
        {
            // First same as last: k7 at the new state is the next step's k1. The old state and derivative stay in the
            // swapped buffers until the next attempt, so dense output is formed only for steps that contain an output
            // time (most do not, and forming it costs a pass over every stage).
            (Y, _yNew) = (_yNew, Y);
            (F0, _k7) = (_k7, F0);
            T = _tOld + _h;
        }

        public override void Interpolate(double t, Span<double> y)
        {
            // After Accept: the old state is in _yNew, the old derivative (k1) in _k7, the new derivative (k7) in F0.
            var theta = (t - _tOld) / _h;
            var theta1 = 1 - theta;
            var h = _h;
            double[] yOld = _yNew, k1 = _k7, k3 = _k3, k4 = _k4, k5 = _k5, k6 = _k6, k7 = F0, yNew = Y;
            for (var i = 0; i < N; i++)
            {
                var difference = yNew[i] - yOld[i];
                var bspl = h * k1[i] - difference;
                var r4 = difference - h * k7[i] - bspl;
                var r5 = h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i]);
                y[i] = yOld[i] + theta * (difference + theta1 * (bspl + theta * (r4 + theta1 * r5)));
            }
        }

        public override double NextStep(double h, double error, bool accepted, bool afterReject)
        {
            if (!double.IsFinite(error)) return h * MinFactor;
            var fac11 = Math.Pow(error, Exponent);
            if (!accepted) return h / Math.Min(1 / MinFactor, fac11 / Safety);
            var factor = fac11 / Math.Pow(_previousError, Beta) / Safety;
            factor = Math.Clamp(factor, 1 / MaxFactor, 1 / MinFactor);
            _previousError = Math.Max(error, 1e-4);
            var next = h / factor;
            return afterReject ? Math.Min(next, h) : next;
        }
    }
}
