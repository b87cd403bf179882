namespace HighDimSgd.Core.Models;

/// <summary>
/// A learning problem's per-sample loss <c>f(r; r*, eps, y)</c> after the teacher and student have been
/// substituted, as seen by the ODE engine and the SGD simulator. Implementations are generated from a
/// symbolic derivation (checked-in <c>*.g.cs</c> for built-in models, compiled at run time otherwise).
/// </summary>
/// <remarks>
/// Variables, all spans in the order of their index: <c>r</c> (student preactivations, length
/// <see cref="StudentDirections"/>), <c>rstar</c> (teacher preactivations, <see cref="TeacherDirections"/>),
/// <c>eps</c> (independent standard normals, <see cref="NoiseCount"/>), <c>y</c> (free labels: class labels
/// of a mixture with hard labels, <see cref="LabelCount"/>; empty when a teacher produces the labels).
/// Matrices are row-major. <c>B</c> is the <c>(l + l*)</c>-square covariance of <c>(r, r*)</c>.
/// </remarks>
public abstract class LossModel
{
    /// <summary>Short name, e.g. "least-squares".</summary>
    public abstract string Name { get; }

    /// <summary>l: number of student directions.</summary>
    public abstract int StudentDirections { get; }

    /// <summary>l*: number of teacher directions.</summary>
    public abstract int TeacherDirections { get; }

    /// <summary>Number of independent N(0,1) noise variables eps1..</summary>
    public abstract int NoiseCount { get; }

    /// <summary>Number of free label variables y1.. (0 when a teacher supplies y).</summary>
    public abstract int LabelCount { get; }

    /// <summary>Per-sample loss f.</summary>
    public abstract double Loss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y);

    /// <summary>Writes grad_r f (length l) into <paramref name="gradient"/> and returns f.</summary>
    public abstract double LossAndGradient(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient);

    /// <summary>
    /// <see cref="LossAndGradient"/> at <paramref name="count"/> points stored by variable: entry <c>k * count + p</c>
    /// of <paramref name="state"/> is variable k of <c>(r, r*)</c> at point p, and likewise for <paramref name="eps"/>
    /// (<see cref="NoiseCount"/> rows) and <paramref name="gradient"/> (l rows); <paramref name="loss"/> gets f at each
    /// point. Quadrature calls this on blocks of points so that a model can vectorise across them; this default loops.
    /// </summary>
    public virtual void LossAndGradientBatch(int count, ReadOnlySpan<double> state, ReadOnlySpan<double> eps,
        ReadOnlySpan<double> y, Span<double> loss, Span<double> gradient)
    {
        var l = StudentDirections;
        var n = StateDimension;
        var noise = NoiseCount;
        Span<double> x = stackalloc double[n];
        Span<double> e = stackalloc double[noise];
        Span<double> g = stackalloc double[l];
        for (var p = 0; p < count; p++)
        {
            for (var k = 0; k < n; k++) x[k] = state[k * count + p];
            for (var k = 0; k < noise; k++) e[k] = eps[k * count + p];
            loss[p] = LossAndGradient(x[..l], x[l..], e, y, g);
            for (var k = 0; k < l; k++) gradient[k * count + p] = g[k];
        }
    }

    /// <summary>
    /// The derived per-sample loss f(r; r*, eps, y) as re-parseable infix, when the model was generated from formulas;
    /// it may use a model card's parameters c1.., whose values are <see cref="Parameters"/>.
    /// Two models with the same directions, noise, labels, formula and parameters compute the same thing.
    /// </summary>
    public virtual string? Formula => null;

    /// <summary>The values of the parameters c1.. in <see cref="Formula"/>, bound at construction; empty when it has none.</summary>
    public virtual IReadOnlyList<double> Parameters => [];

    /// <summary>
    /// Noise variables (0-based) that <see cref="AveragedMoments"/> integrates out in closed form; empty when none.
    /// Quadrature then runs over the other noise variables only, on a smooth integrand.
    /// </summary>
    public virtual IReadOnlyList<int> AveragedNoise => [];

    /// <summary>
    /// E over the <see cref="AveragedNoise"/> variables (their entries of <paramref name="eps"/> are ignored) of f,
    /// of grad_r f (into <paramref name="gradient"/>, length l) and of grad_r f grad_r f^T (into <paramref name="fisher"/>,
    /// l x l row-major); returns the averaged f.
    /// </summary>
    public virtual double AveragedMoments(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y,
        Span<double> gradient, Span<double> fisher) =>
        throw new InvalidOperationException($"Model '{Name}' averages no noise variable in closed form.");

    /// <summary>
    /// The averaged f of <see cref="AveragedMoments"/> alone (a risk needs no gradient); generated models compute only it,
    /// others fall back to the full moments.
    /// </summary>
    public virtual double AveragedLoss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y)
    {
        Span<double> gradient = stackalloc double[StudentDirections];
        Span<double> fisher = stackalloc double[StudentDirections * StudentDirections];
        return AveragedMoments(r, rstar, eps, y, gradient, fisher);
    }

    /// <summary>
    /// Number of hyperplanes <c>a . (r, r*, eps) + a0 = 0</c> across which the integrand of <see cref="LossAndGradient"/>
    /// may have a kink or a jump (the linear arguments of abs, sign, step, relu, max and min); 0 when it is smooth.
    /// </summary>
    public virtual int KinkCount => 0;

    /// <summary>
    /// Writes the <see cref="KinkCount"/> hyperplanes for free labels <paramref name="y"/>, each as a row of
    /// <see cref="KinkRowLength"/> numbers: the coefficients of r1..rl, r*1..r*l*, eps1..epsm, then a0.
    /// </summary>
    public virtual void WriteKinks(ReadOnlySpan<double> y, Span<double> rows)
    {
    }

    /// <summary>As <see cref="KinkCount"/>, for the integrand of <see cref="AveragedMoments"/> (the averaged noise is gone).</summary>
    public virtual int AveragedKinkCount => 0;

    /// <summary>As <see cref="WriteKinks"/>, for <see cref="AveragedMoments"/>: coefficients of averaged noise variables are 0.</summary>
    public virtual void WriteAveragedKinks(ReadOnlySpan<double> y, Span<double> rows)
    {
    }

    /// <summary>Numbers per kink row: l + l* + m coefficients and the offset.</summary>
    public int KinkRowLength => StudentDirections + TeacherDirections + NoiseCount + 1;

    /// <summary>True when <see cref="ExpectedLoss"/> is a closed form of E f under (r, r*) ~ N(0, B), eps ~ N(0, 1).</summary>
    public virtual bool HasClosedFormLoss => false;

    /// <summary>True when <see cref="ExpectedFisher"/> is a closed form of E[grad_r f grad_r f^T].</summary>
    public virtual bool HasClosedFormFisher => false;

    /// <summary>True when <see cref="ExpectedGradientCross"/> is a closed form of E[grad_r f (r; r*)^T].</summary>
    public virtual bool HasClosedFormGradientCross => false;

    /// <summary>Closed-form E f for zero-mean (r, r*) with covariance <paramref name="b"/>.</summary>
    public virtual double ExpectedLoss(ReadOnlySpan<double> b) =>
        throw new InvalidOperationException($"Model '{Name}' has no closed-form expected loss; use quadrature.");

    /// <summary>Closed-form Fisher matrix E[grad_r f grad_r f^T] (l x l, row-major) into <paramref name="fisher"/>.</summary>
    public virtual void ExpectedFisher(ReadOnlySpan<double> b, Span<double> fisher) =>
        throw new InvalidOperationException($"Model '{Name}' has no closed-form Fisher matrix; use quadrature.");

    /// <summary>Closed-form E[grad_r f (r; r*)^T] (l x (l + l*), row-major) into <paramref name="cross"/>.</summary>
    public virtual void ExpectedGradientCross(ReadOnlySpan<double> b, Span<double> cross) =>
        throw new InvalidOperationException($"Model '{Name}' has no closed-form gradient cross moment; use quadrature.");

    /// <summary>Size l + l* of the covariance B.</summary>
    public int StateDimension => StudentDirections + TeacherDirections;
}
