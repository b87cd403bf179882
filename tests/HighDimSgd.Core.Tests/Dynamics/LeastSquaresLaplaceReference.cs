using System.Numerics;

namespace HighDimSgd.Core.Tests.Dynamics;

/// <summary>
/// An independent exact risk curve for constant-step least squares, shared by no code with the solver. With
/// <c>D_i = d (x_i - x*_i)^2</c>, the limiting ODE is linear: <c>D_i' = -2 gamma lambda_i D_i + gamma^2 lambda_i 2 h</c>,
/// <c>h = (1/2)(1/d) sum_i lambda_i D_i + omega^2 / 2</c>, so the risk solves the renewal equation
/// <c>h = h_free + K * h</c>, whose Laplace transform is explicit:
/// <c>H(s) = H_free(s) / (1 - K(s))</c>, <c>K(s) = gamma^2 (1/d) sum lambda_i^2 / (s + 2 gamma lambda_i)</c>,
/// <c>H_free(s) = omega^2 / (2 s) + (1/2)(1/d) sum lambda_i D_i(0) / (s + 2 gamma lambda_i)</c>.
/// It is inverted by the fixed Talbot contour (Abate and Valko 2004), accurate to about 1e-10 here.
/// </summary>
internal sealed class LeastSquaresLaplaceReference(double[] lambda, double[] initialDistance, double rate, double noise)
{
    private const int Terms = 32;

    /// <summary>h(t) for t &gt; 0.</summary>
    public double Risk(double t)
    {
        if (t == 0)
        {
            double h0 = noise * noise / 2;
            for (var i = 0; i < lambda.Length; i++) h0 += 0.5 * lambda[i] * initialDistance[i] / lambda.Length;
            return h0;
        }
        var r = 2.0 * Terms / (5 * t);
        var sum = 0.5 * (Transform(r) * Math.Exp(r * t)).Real;
        for (var k = 1; k < Terms; k++)
        {
            var theta = k * Math.PI / Terms;
            var cot = 1 / Math.Tan(theta);
            var s = new Complex(r * theta * cot, r * theta);
            var sigma = theta + (theta * cot - 1) * cot;
            sum += (Complex.Exp(t * s) * Transform(s) * new Complex(1, sigma)).Real;
        }
        return r / Terms * sum;
    }

    private Complex Transform(Complex s)
    {
        var d = lambda.Length;
        Complex kernel = 0, free = 0;
        for (var i = 0; i < d; i++)
        {
            var pole = 1 / (s + 2 * rate * lambda[i]);
            kernel += lambda[i] * lambda[i] * pole;
            free += lambda[i] * initialDistance[i] * pole;
        }
        kernel *= rate * rate / d;
        free = noise * noise / (2 * s) + 0.5 * free / d;
        return free / (1 - kernel);
    }
}
