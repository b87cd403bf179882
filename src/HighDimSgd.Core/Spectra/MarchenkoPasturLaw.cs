namespace HighDimSgd.Core.Spectra;

/// <summary>
/// The Marchenko-Pastur law with aspect ratio <c>r</c> and unit variance: density
/// <c>sqrt((b - x)(x - a)) / (2 pi r x)</c> on <c>[a, b] = [(1 - sqrt r)^2, (1 + sqrt r)^2]</c>, plus an atom of
/// mass <c>1 - 1/r</c> at 0 when <c>r &gt; 1</c>. Its mean is 1 and its variance <c>r</c>.
/// </summary>
public sealed class MarchenkoPasturLaw
{
    private readonly double _centre;
    private readonly double _halfWidth;
    private readonly double _arctanFactor;
    private readonly double _gap;

    public MarchenkoPasturLaw(double ratio)
    {
        if (!(ratio > 0) || !double.IsFinite(ratio))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "The aspect ratio must be positive and finite.");
        }

        Ratio = ratio;
        var root = Math.Sqrt(ratio);
        _centre = 1 + ratio;
        _halfWidth = 2 * root;
        _arctanFactor = Math.Abs(1 - root) / (1 + root);
        _gap = Math.Abs(1 - ratio);
        Lower = (1 - root) * (1 - root);
        Upper = (1 + root) * (1 + root);
        AtomAtZero = ratio > 1 ? 1 - 1 / ratio : 0;
    }

    public double Ratio { get; }

    /// <summary>Left edge of the continuous part, <c>(1 - sqrt r)^2</c>.</summary>
    public double Lower { get; }

    /// <summary>Right edge, <c>(1 + sqrt r)^2</c>.</summary>
    public double Upper { get; }

    /// <summary>Mass of the atom at 0 (zero unless <c>r &gt; 1</c>).</summary>
    public double AtomAtZero { get; }

    /// <summary>Density of the continuous part (without the atom).</summary>
    public double Density(double x) =>
        x <= Lower || x >= Upper ? 0 : Math.Sqrt((Upper - x) * (x - Lower)) / (2 * Math.PI * Ratio * x);

    /// <summary>P(X &lt;= x), atom included.</summary>
    public double Cdf(double x)
    {
        if (x < 0)
        {
            return 0;
        }

        if (x <= Lower)
        {
            return AtomAtZero;
        }

        return x >= Upper ? 1 : AtomAtZero + ContinuousMassUpTo(Math.Acos((x - _centre) / _halfWidth));
    }

    /// <summary>The <paramref name="p"/>-quantile (the smallest x with Cdf(x) &gt;= p); 0 inside the atom.</summary>
    public double Quantile(double p)
    {
        if (p is < 0 or > 1 || double.IsNaN(p))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A probability must lie in [0, 1].");
        }

        if (p <= AtomAtZero)
        {
            return AtomAtZero > 0 ? 0 : Lower;
        }

        if (p == 1)
        {
            return Upper;
        }

        // In the angle x = centre + halfWidth cos(theta) the mass is smooth and monotone, so bisection in theta
        // converges to full precision without the square-root edges slowing it down.
        var target = p - AtomAtZero;
        double low = 0, high = Math.PI;
        for (var iteration = 0; iteration < 200 && high - low > 1e-16; iteration++)
        {
            var middle = 0.5 * (low + high);
            if (ContinuousMassUpTo(middle) < target)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        var theta = 0.5 * (low + high);
        return Math.Max(Lower, _centre + _halfWidth * Math.Cos(theta));
    }

    /// <summary>
    /// Continuous mass on <c>[a, x(theta)]</c>: <c>(2/pi) G(theta)</c> with
    /// <c>G = c (pi - theta)/h^2 + sin(theta)/h - |1 - r|/(2r) (pi/2 - atan(k tan(theta/2)))</c>, the closed form of
    /// the density integrated in the angle variable (c = 1 + r, h = 2 sqrt r, k = |1 - sqrt r|/(1 + sqrt r)).
    /// </summary>
    private double ContinuousMassUpTo(double theta)
    {
        var g = _centre * (Math.PI - theta) / (_halfWidth * _halfWidth)
            + Math.Sin(theta) / _halfWidth
            - _gap / (2 * Ratio) * (Math.PI / 2 - Math.Atan(_arctanFactor * Math.Tan(theta / 2)));
        return 2 / Math.PI * g;
    }
}
