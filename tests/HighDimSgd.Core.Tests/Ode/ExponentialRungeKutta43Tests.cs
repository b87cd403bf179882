using HighDimSgd.Core.Ode;
using MathNet.Numerics.Integration;
using static HighDimSgd.Core.Tests.Ode.OdeTestProblems;

namespace HighDimSgd.Core.Tests.Ode;

public class ExponentialRungeKutta43Tests
{
    /// <summary>f given as a delegate, with constant diagonal rates that need not be f's own linear part.</summary>
    private sealed class Split(int dimension, OdeDerivative derivative, double[] rates) : IDiagonallySplitSystem
    {
        public int Dimension => dimension;
        public void Derivative(double t, ReadOnlySpan<double> y, Span<double> dydt) => derivative(t, y, dydt);

        public void DerivativeAndRates(double t, ReadOnlySpan<double> y, Span<double> dydt, Span<double> into)
        {
            derivative(t, y, dydt);
            rates.CopyTo(into);
        }
    }

    private static ExponentialRungeKutta43 Solver(double tol) => new(new IntegratorOptions { RelativeTolerance = tol, AbsoluteTolerance = tol });

    /// <summary>One step of size h: tolerances so loose that the first attempt is accepted.</summary>
    private static OdeSolution OneStep(IOdeSystem system, double[] y0, double h, params double[] times) =>
        new ExponentialRungeKutta43(new IntegratorOptions { RelativeTolerance = 1e3, AbsoluteTolerance = 1e3, InitialStep = h })
            .Integrate(system, 0, y0, times.Length == 0 ? [h] : times);

    // y' = -3 y + y^2 (Bernoulli): 1/y = 1/3 + (1/y0 - 1/3) e^(3t).
    private static double BernoulliExact(double t, double y0) => 1 / (1.0 / 3 + (1 / y0 - 1.0 / 3) * Math.Exp(3 * t));

    private static Split Bernoulli(double rate) =>
        new(1, (_, y, dydt) => dydt[0] = -3 * y[0] + y[0] * y[0], [rate]);

    [Theory]
    [InlineData(0.0)]    // no split: a classical Runge-Kutta method of order 4
    [InlineData(-3.0)]   // the exact linear part
    [InlineData(-10.0)]  // a split that is off: N = f - D y carries the rest
    public void The_local_error_is_of_fifth_order_whatever_the_split(double rate)
    {
        double[] steps = [0.04, 0.02, 0.01, 0.005];
        var errors = steps.Select(h => Math.Abs(OneStep(Bernoulli(rate), [0.8], h).State(0)[0] - BernoulliExact(h, 0.8))).ToArray();
        var slope = LogLogSlope(steps, errors);
        Assert.True(slope > 4.7, $"local error slope {slope:F2}, errors {string.Join(", ", errors.Select(e => e.ToString("G3")))}");
    }

    [Fact]
    public void Dense_output_inside_a_step_is_of_the_step_order_and_meets_the_step_end()
    {
        double[] steps = [0.04, 0.02, 0.01, 0.005];
        var errors = steps.Select(h =>
        {
            var solution = OneStep(Bernoulli(-10), [0.8], h, 0.4 * h, h);
            return Math.Abs(solution.State(0)[0] - BernoulliExact(0.4 * h, 0.8));
        }).ToArray();
        var slope = LogLogSlope(steps, errors);
        Assert.True(slope > 4.6, $"interpolation error slope {slope:F2}");
        var end = OneStep(Bernoulli(-10), [0.8], 0.1, 0.1 * (1 - 1e-12), 0.1);
        Assert.Equal(end.State(1)[0], end.State(0)[0], 1e-12);
    }

    [Fact]
    public void A_linear_system_with_constant_forcing_is_integrated_exactly_in_one_long_step()
    {
        // y' = D y + c is the case the phi functions solve exactly: y = e^(tD) y0 + t phi_1(tD) c.
        double[] d = [-1e6, -40, -1, -1e-3, 0, 0.5];
        double[] c = [3, -2, 1, 0.5, 2, -1];
        double[] y0 = [1, 2, -1, 4, 0.5, 1];
        var system = new Split(d.Length, (_, y, dydt) => { for (var i = 0; i < d.Length; i++) dydt[i] = d[i] * y[i] + c[i]; },
            d);
        const double t = 3.0;
        var solution = OneStep(system, y0, t);
        Assert.Equal(1, solution.Statistics.Accepted);
        for (var i = 0; i < d.Length; i++)
        {
            var exact = d[i] == 0 ? y0[i] + t * c[i] : Math.Exp(t * d[i]) * y0[i] + (Math.Exp(t * d[i]) - 1) / d[i] * c[i];
            Assert.True(Math.Abs(solution.State(0)[i] - exact) <= 1e-12 * (1 + Math.Abs(exact)), $"component {i}: {solution.State(0)[i]:R} vs {exact:R}");
        }
    }

    /// <summary>
    /// A fast component relaxing at rate k onto a slow oscillator: y1 = cos t, y2 = -sin t and y0 = cos t + (y0(0) - 1) e^(-kt)
    /// exactly. The forcing comes from states, so the error estimate sees it (a forcing in t alone it cannot: the class remarks).
    /// </summary>
    private static Split Relaxation(double k, double coupling = 0) => new(4, (_, y, dydt) =>
    {
        dydt[0] = -k * (y[0] - y[1]) + y[2] + coupling * y[3] * y[3];
        dydt[1] = y[2];
        dydt[2] = -y[1];
        dydt[3] = -y[3] + coupling * Math.Sin(y[0]);
    }, [-k, 0, 0, -1]);

    [Fact]
    public void A_stiff_diagonal_sets_no_step_limit()
    {
        var times = Linspace(0.5, 10, 20);
        var steps = new List<int>();
        foreach (var k in new[] { 1e4, 1e8 })
        {
            var solution = Solver(1e-7).Integrate(Relaxation(k), 0, [2.0, 1.0, 0.0, 0.0], times);
            Assert.Equal(OdeStatus.Completed, solution.Status);
            for (var i = 0; i < times.Length; i++)
            {
                var state = solution.State(i);
                Assert.Equal(Math.Cos(times[i]), state[1], 1e-6);
                // The fast component relaxes onto the slow one: y0 - y1 = e^(-kt) exactly, to the tolerance however stiff.
                Assert.Equal(Math.Exp(-k * times[i]), state[0] - state[1], 1e-6);
            }
            steps.Add(solution.Statistics.Accepted);
        }
        // Dormand-Prince needs about k / 3.3 steps per unit time for stability alone (3e4 over this horizon at k = 1e4);
        // here the count is set by the slow oscillator and is the same for k = 1e4 and 1e8.
        Assert.True(steps.Max() < 1000 && steps.Max() < 1.1 * steps.Min(), $"steps {string.Join(", ", steps)}");
    }

    [Fact]
    public void Error_falls_with_the_tolerance_on_a_nonlinear_stiff_system()
    {
        // The relaxation with a nonlinear slow component fed back into the fast one; the reference is a tight explicit solve.
        var system = Relaxation(500, coupling: 0.1);
        double[] y0 = [2.0, 1.0, 0.0, 0.5];
        var reference = new DormandPrince45(new IntegratorOptions { RelativeTolerance = 1e-13, AbsoluteTolerance = 1e-14 })
            .Integrate(system, 0, y0, [4.0]).State(0).ToArray();
        double[] tolerances = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8];
        var errors = tolerances.Select(tol => MaxAbsDifference(Solver(tol).Integrate(system, 0, y0, [4.0]).State(0), reference)).ToArray();
        for (var i = 0; i < tolerances.Length; i++) Assert.True(errors[i] < 20 * tolerances[i], $"tol {tolerances[i]}: error {errors[i]:G3}");
        Assert.True(LogLogSlope(tolerances, errors) > 0.7, $"errors {string.Join(", ", errors.Select(e => e.ToString("G3")))}");
    }

    [Fact]
    public void A_system_without_diagonal_rates_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Solver(1e-6).Integrate(Oscillator, 0, [1.0, 0.0], [1.0]));
    }

    [Fact]
    public void Phi_functions_equal_their_integral_form_one_by_one_and_four_lanes_at_a_time()
    {
        // phi_k(z) = int_0^1 e^((1-s) z) s^(k-1) / (k-1)! ds, by Gauss-Legendre: independent of the series and the
        // recurrence. Both sides of the series radius (0.5), tiny, large negative and positive arguments; nine values,
        // so that the vector path and its scalar tail both run.
        double[] zs = [1e-9, -0.3, 0.49, -0.49, 0.51, -0.51, 2.5, -40, -1e-12];
        double Integral(double z, int k) => GaussLegendreRule.Integrate(s => Math.Exp((1 - s) * z) * Math.Pow(s, k - 1) / Factorial(k - 1), 0, 1, 64);
        var filled = new double[4][];
        for (var k = 0; k < 4; k++) filled[k] = new double[zs.Length];
        var rates = zs.Select(z => z / 2).ToArray();
        PhiFunctions.Fill(rates, 2.0, filled[0], filled[1], filled[2], filled[3]);
        for (var i = 0; i < zs.Length; i++)
        {
            var z = zs[i];
            var (e, p1, p2, p3) = PhiFunctions.Evaluate(z);
            double[] one = [e, p1, p2, p3];
            for (var k = 0; k < 4; k++)
            {
                var expected = k == 0 ? Math.Exp(z) : Integral(z, k);
                var tolerance = (k == 3 ? 1e-13 : 2e-14) * Math.Abs(expected);
                Assert.True(Math.Abs(one[k] - expected) <= tolerance, $"phi_{k}({z}) = {one[k]:R}, expected {expected:R}");
                Assert.True(Math.Abs(filled[k][i] - expected) <= tolerance, $"filled phi_{k}({z}) = {filled[k][i]:R}, expected {expected:R}");
            }
        }
    }

    private static double Factorial(int k) => k <= 1 ? 1 : k * Factorial(k - 1);
}
