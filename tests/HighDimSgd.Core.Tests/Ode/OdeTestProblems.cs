using HighDimSgd.Core.Ode;
using MathNet.Numerics.LinearAlgebra;

namespace HighDimSgd.Core.Tests.Ode;

/// <summary>Systems with known solutions.</summary>
internal static class OdeTestProblems
{
    static OdeTestProblems() => MathNet.Numerics.Control.UseManaged();

    /// <summary>y' = A y with A = V diag(lambda) V^-1 for a fixed well-conditioned V.</summary>
    public sealed class Linear
    {
        private readonly Matrix<double> _v, _vInverse, _a;
        private readonly double[] _lambda;

        public Linear(params double[] lambda)
        {
            _lambda = lambda;
            var n = lambda.Length;
            _v = Matrix<double>.Build.Dense(n, n, (i, j) => (i == j ? 2.0 : 0.0) + 0.3 * Math.Sin(1.0 + i + 2.0 * j));
            _vInverse = _v.Inverse();
            _a = _v * Matrix<double>.Build.DiagonalOfDiagonalArray(lambda) * _vInverse;
            System = new OdeSystem(n, (_, y, dydt) =>
            {
                for (var i = 0; i < n; i++)
                {
                    var sum = 0.0;
                    for (var j = 0; j < n; j++) sum += _a[i, j] * y[j];
                    dydt[i] = sum;
                }
            });
        }

        public IOdeSystem System { get; }

        public double[] Exact(double t, double[] y0)
        {
            var exp = _v * Matrix<double>.Build.DiagonalOfDiagonalArray(_lambda.Select(l => Math.Exp(l * t)).ToArray()) * _vInverse;
            return (exp * Vector<double>.Build.DenseOfArray(y0)).ToArray();
        }
    }

    /// <summary>Harmonic oscillator y'' = -y: (cos t, -sin t) from (1, 0).</summary>
    public static IOdeSystem Oscillator { get; } = new OdeSystem(2, (_, y, dydt) =>
    {
        dydt[0] = y[1];
        dydt[1] = -y[0];
    });

    /// <summary>Logistic growth y' = y (1 - y): y = 1 / (1 + (1/y0 - 1) e^-t).</summary>
    public static IOdeSystem Logistic { get; } = new OdeSystem(1, (_, y, dydt) => dydt[0] = y[0] * (1 - y[0]));

    public static double LogisticExact(double t, double y0) => 1 / (1 + (1 / y0 - 1) * Math.Exp(-t));

    /// <summary>Prothero-Robinson stiff test y' = -k (y - cos t) - sin t: y = cos t + (y0 - 1) e^{-k t}.</summary>
    public static IOdeSystem ProtheroRobinson(double k) =>
        new OdeSystem(1, (t, y, dydt) => dydt[0] = -k * (y[0] - Math.Cos(t)) - Math.Sin(t));

    public static double ProtheroRobinsonExact(double t, double k, double y0) => Math.Cos(t) + (y0 - 1) * Math.Exp(-k * t);

    public static double[] Linspace(double a, double b, int count) =>
        Enumerable.Range(0, count).Select(i => a + (b - a) * i / (count - 1)).ToArray();

    public static double MaxAbsDifference(ReadOnlySpan<double> a, IReadOnlyList<double> b)
    {
        var max = 0.0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>Least-squares slope of log(error) against log(tolerance).</summary>
    public static double LogLogSlope(double[] tolerances, double[] errors)
    {
        var x = tolerances.Select(v => Math.Log(v)).ToArray();
        var y = errors.Select(v => Math.Log(v)).ToArray();
        double mx = x.Average(), my = y.Average();
        return x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum() / x.Sum(a => (a - mx) * (a - mx));
    }
}
