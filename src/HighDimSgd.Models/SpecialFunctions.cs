using HighDimSgd.Core.Expectations;
namespace HighDimSgd.Models;

/// <summary>
/// Numerically stable scalar functions called by generated model code (see docs/formula-language.md
/// for the conventions at kinks: step(0) = 0, sign(0) = 0).
/// </summary>
public static class SpecialFunctions
{
    /// <summary>x squared.</summary>
    public static double Square(double x) => x * x;

    /// <summary>x to an integer power by repeated squaring (exact sign for negative x).</summary>
    public static double PowInt(double x, int n)
    {
        if (n < 0)
        {
            return 1.0 / PowInt(x, -n);
        }

        double result = 1.0;
        double factor = x;
        while (n > 0)
        {
            if ((n & 1) == 1)
            {
                result *= factor;
            }

            factor *= factor;
            n >>= 1;
        }

        return result;
    }

    /// <summary>sign(x) in {-1, 0, 1} as a double.</summary>
    public static double Sign(double x) => x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0;

    /// <summary>Heaviside step with step(0) = 0.</summary>
    public static double Step(double x) => x > 0.0 ? 1.0 : 0.0;

    /// <summary>log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).</summary>
    public static double Softplus(double x) => Math.Max(x, 0.0) + LogOnePlus(Math.Exp(-Math.Abs(x)));

    /// <summary>1 / (1 + e^-x) without overflow for either sign of x.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0.0)
        {
            return 1.0 / (1.0 + Math.Exp(-x));
        }

        double e = Math.Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>Error function (W. J. Cody's approximations, <see cref="StandardNormal.Erf"/>).</summary>
    public static double Erf(double x) => StandardNormal.Erf(x);

    /// <summary>
    /// arcsin of a correlation: the argument is clamped to [-1, 1] (rounding can push |rho| past 1), and
    /// NaN gives 0. NaN only arises as 0/0 from a degenerate covariance (a zero variance); the arcsine
    /// law's terms then vanish, since the Gaussian on that axis is the constant 0.
    /// </summary>
    public static double Asin(double x) => double.IsNaN(x) ? 0.0 : Math.Asin(Math.Clamp(x, -1.0, 1.0));

    /// <summary>log(1 + x), accurate for small x (the classical u = 1 + x correction).</summary>
    public static double LogOnePlus(double x)
    {
        double u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }
}
