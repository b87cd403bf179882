using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace HighDimSgd.Core.Ode;

/// <summary>
/// Stiffly accurate Rosenbrock method RODAS4 (Hairer and Wanner, 6 stages, order 4 with an embedded
/// order-3 estimate) for stiff or long-horizon problems, e.g. power-law spectra integrated to t ~ 1e4.
/// A system that implements <see cref="ILinearizedSystem"/> linearizes and solves itself (the limiting ODE: block
/// diagonal plus low rank); for any other the Jacobian and the time derivative of f are formed by finite
/// differences (N + 1 extra evaluations per step) and factored by LU. Output inside a step is a RODAS4 sub-step
/// from the step start with the same Jacobian (4th order; one factorization per output time inside a step).
/// </summary>
public sealed class Rodas4(IntegratorOptions? options = null) : AdaptiveIntegrator(options)
{
    static Rodas4() => MathNet.Numerics.Control.UseManaged();

    private protected override Stepper CreateStepper(IOdeSystem system) => new RodasStepper(system);

    private sealed class RodasStepper : Stepper
    {
        private const int Stages = 6;
        private const double Gamma = 0.25;

        // Coefficients in the form G K_i = f(t + alpha_i h, y + sum_j A_ij K_j) + sum_j (C_ij / h) K_j + h gamma_i f_t,
        // G = I / (h Gamma) - J; y_new = y + sum_j M_j K_j; error = K_6 (Hairer and Wanner, as tabulated in KPP).
        private static readonly double[] Alpha = [0.0, 0.386, 0.210, 0.630, 1.0, 1.0];
        private static readonly double[] GammaSum = [0.25, -0.1043, 0.1035, -0.3620000000000023e-01, 0.0, 0.0];

        private static readonly double[,] A =
        {
            { 0, 0, 0, 0, 0 },
            { 0.1544000000000000e+01, 0, 0, 0, 0 },
            { 0.9466785280815826, 0.2557011698983284, 0, 0, 0 },
            { 0.3314825187068521e+01, 0.2896124015972201e+01, 0.9986419139977817, 0, 0 },
            { 0.1221224509226641e+01, 0.6019134481288629e+01, 0.1253708332932087e+02, -0.6878860361058950, 0 },
            { 0.1221224509226641e+01, 0.6019134481288629e+01, 0.1253708332932087e+02, -0.6878860361058950, 1.0 },
        };

        private static readonly double[,] C =
        {
            { 0, 0, 0, 0, 0 },
            { -0.5668800000000000e+01, 0, 0, 0, 0 },
            { -0.2430093356833875e+01, -0.2063599157091915, 0, 0, 0 },
            { -0.1073529058151375, -0.9594562251023355e+01, -0.2047028614809616e+02, 0, 0 },
            { 0.7496443313967647e+01, -0.1024680431464352e+02, -0.3399990352819905e+02, 0.1170890893206160e+02, 0 },
            { 0.8083246795921522e+01, -0.7981132988064893e+01, -0.3152159432874371e+02, 0.1631930543123136e+02, -0.6058818238834054e+01 },
        };

        private static readonly double[] M =
            [0.1221224509226641e+01, 0.6019134481288629e+01, 0.1253708332932087e+02, -0.6878860361058950, 1.0, 1.0];

        private const double MaxFactor = 6.0;

        private readonly double[][] _k;
        private readonly double[] _stage, _fStage, _yNew, _dfdt, _perturbed, _fPerturbed, _yOld, _fOld, _interpolated;
        private readonly Matrix<double> _jacobian, _iteration;
        private readonly Vector<double> _rhs, _solution;
        private readonly ILinearizedSystem? _structured;
        private bool _jacobianCurrent;
        private double _h, _tOld;

        public RodasStepper(IOdeSystem system) : base(system)
        {
            _structured = system as ILinearizedSystem;
            _k = new double[Stages][];
            for (var s = 0; s < Stages; s++) _k[s] = new double[N];
            _stage = new double[N]; _fStage = new double[N]; _yNew = new double[N]; _interpolated = new double[N];
            _dfdt = new double[N]; _perturbed = new double[N]; _fPerturbed = new double[N]; _yOld = new double[N]; _fOld = new double[N];
            var dense = _structured is null ? N : 1;
            _jacobian = Matrix<double>.Build.Dense(dense, dense);
            _iteration = Matrix<double>.Build.Dense(dense, dense);
            _rhs = Vector<double>.Build.Dense(N);
            _solution = Vector<double>.Build.Dense(N);
        }

        protected override int ErrorOrder => 4;

        public override void Start(double t0, ReadOnlySpan<double> y0)
        {
            base.Start(t0, y0);
            _jacobianCurrent = false;
        }

        public override double Attempt(double t, double h, IntegratorOptions options)
        {
            // A rejected attempt restarts from the same (t, y): keep the Jacobian, refactor for the new h.
            if (!_jacobianCurrent) FormJacobian(t);
            RosenbrockStep(t, h, Y, F0, _yNew);
            _h = h;
            _tOld = t;
            var norm = ErrorNorm(_k[Stages - 1], Y, _yNew, options);
            return double.IsFinite(norm) ? norm : double.PositiveInfinity;
        }

        /// <summary>One RODAS4 step of size h from (t, y) with f(t, y) = f0 and the current Jacobian; leaves the stages in _k.</summary>
        private void RosenbrockStep(double t, double h, double[] y, double[] f0, double[] yOut)
        {
            LU<double>? lu = null;
            if (_structured is not null) _structured.Factor(1.0 / (h * Gamma));
            else
            {
                _iteration.Clear();
                _jacobian.Multiply(-1.0, _iteration);
                for (var i = 0; i < N; i++) _iteration[i, i] += 1.0 / (h * Gamma);
                lu = _iteration.LU();
            }

            for (var s = 0; s < Stages; s++)
            {
                double[] f;
                if (s == 0) f = f0;
                else
                {
                    for (var i = 0; i < N; i++)
                    {
                        var sum = y[i];
                        for (var j = 0; j < s; j++) sum += A[s, j] * _k[j][i];
                        _stage[i] = sum;
                    }
                    Evaluate(t + Alpha[s] * h, _stage, _fStage);
                    f = _fStage;
                }
                for (var i = 0; i < N; i++)
                {
                    var sum = f[i] + h * GammaSum[s] * _dfdt[i];
                    for (var j = 0; j < s; j++) sum += C[s, j] / h * _k[j][i];
                    _rhs[i] = sum;
                }
                if (lu is null) _structured!.Solve(_rhs.AsArray(), _k[s]);
                else
                {
                    lu.Solve(_rhs, _solution);
                    for (var i = 0; i < N; i++) _k[s][i] = _solution[i];
                }
            }

            for (var i = 0; i < N; i++)
            {
                var sum = y[i];
                for (var s = 0; s < Stages; s++) sum += M[s] * _k[s][i];
                yOut[i] = sum;
            }
        }

        private void FormJacobian(double t)
        {
            if (_structured is not null)
            {
                _structured.Linearize(t, Y, F0, _dfdt);
                CountEvaluations(_structured.LinearizationEvaluations);
                Jacobians++;
                _jacobianCurrent = true;
                return;
            }
            const double sqrtEps = 1.4901161193847656e-08; // sqrt of machine epsilon: balances truncation and round-off
            var dt = sqrtEps * Math.Max(1e-5, Math.Abs(t));
            Evaluate(t + dt, Y, _fPerturbed);
            for (var i = 0; i < N; i++) _dfdt[i] = (_fPerturbed[i] - F0[i]) / dt;
            Array.Copy(Y, _perturbed, N);
            for (var j = 0; j < N; j++)
            {
                var delta = sqrtEps * Math.Max(1e-5, Math.Abs(Y[j]));
                _perturbed[j] = Y[j] + delta;
                delta = _perturbed[j] - Y[j];
                Evaluate(t, _perturbed, _fPerturbed);
                for (var i = 0; i < N; i++) _jacobian[i, j] = (_fPerturbed[i] - F0[i]) / delta;
                _perturbed[j] = Y[j];
            }
            Jacobians++;
            _jacobianCurrent = true;
        }

        public override void Accept()
        {
            Array.Copy(Y, _yOld, N);
            Array.Copy(F0, _fOld, N);
            Array.Copy(_yNew, Y, N);
            T = _tOld + _h;
            Evaluate(T, Y, F0);
            // The Jacobian still belongs to the step start: Interpolate uses it until the next attempt.
            _jacobianCurrent = false;
        }

        /// <summary>
        /// Dense output as a fresh RODAS4 step from the start of the last step to <paramref name="t"/>
        /// with that step's Jacobian: 4th order like the step itself (a cubic Hermite interpolant would
        /// be only 3rd order and dominates the error on long smooth steps). Costs an LU and 5 evaluations
        /// per output time inside a step; the integration itself continues from the full step.
        /// </summary>
        public override void Interpolate(double t, Span<double> y)
        {
            var h = t - _tOld;
            if (h <= 0)
            {
                _yOld.CopyTo(y);
                return;
            }
            RosenbrockStep(_tOld, h, _yOld, _fOld, _interpolated);
            _interpolated.CopyTo(y);
        }

        public override double NextStep(double h, double error, bool accepted, bool afterReject) =>
            ElementaryNextStep(h, error, accepted, afterReject, MaxFactor);
    }
}
