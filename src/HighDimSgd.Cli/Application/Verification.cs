using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Models;

namespace HighDimSgd.Cli.Application;

/// <summary>One check of <c>hdsgd verify</c>: what was measured, against which bound, and whether it held.</summary>
public sealed record VerificationCheck(string Name, double Value, double Bound, bool Passed, string Detail);

/// <summary>The checks of a problem's model and theory, in order; the problem is verified when every one passed.</summary>
public sealed record VerificationReport(IReadOnlyList<VerificationCheck> Checks)
{
    /// <summary>Every check passed.</summary>
    public bool Passed => Checks.All(c => c.Passed);
}

/// <summary>Settings of <see cref="Verification.Run"/>.</summary>
/// <param name="Dimensions">The two dimensions SGD is compared with the theory at (null: d/4 and d of the problem, d at most
/// <see cref="Verification.MaxDefaultDimension"/>).</param>
/// <param name="Runs">SGD runs per dimension.</param>
/// <param name="TestSamples">Inputs in the test sample the SGD risk is measured on.</param>
/// <param name="Checkpoints">Output times of the comparisons (fewer than a problem's usual, to keep the test sample cheap).</param>
public sealed record VerificationOptions(int[]? Dimensions = null, int Runs = 20, int TestSamples = 20_000, int Checkpoints = 20, ulong Seed = 1)
{
    /// <summary>Largest relative gradient error against central differences.</summary>
    public double GradientTolerance { get; init; } = 1e-5;

    /// <summary>Largest gap of a closed form to Monte Carlo, in Monte Carlo standard errors.</summary>
    public double MonteCarloStandardErrors { get; init; } = 5;

    /// <summary>
    /// Largest gap of the theory to the SGD test-sample risk at the larger dimension, in standard errors; or, when the gap
    /// shrinks with d, of its extrapolation to d -> infinity as a + b/d.
    /// </summary>
    public double SgdStandardErrors { get; init; } = 4;
}

/// <summary>
/// The checks behind <c>hdsgd verify</c>, callable from a user's own test: the compiled model's gradient against central
/// finite differences of its loss at random points away from its kinks; its closed forms against Monte Carlo; the
/// theory's quadrature against rules of twice the order; and the theory against SGD at two dimensions, its risk measured
/// on a test sample (no quadrature), with whether the gap shrinks as d grows.
/// </summary>
public static class Verification
{
    /// <summary>Runs every check on the problem <paramref name="load"/> gives at a dimension (null: the problem's own).</summary>
    public static VerificationReport Run(Func<int?, IReadOnlyList<string>, ProblemContext> load, VerificationOptions? options = null,
        IProgress<(string Stage, double Fraction)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(load);
        options ??= new VerificationOptions();
        var context = load(null, []);
        var model = context.Model;
        var rng = new Random(unchecked((int)options.Seed));
        var checks = new List<VerificationCheck> { Gradient(context, rng, options) };
        checks.AddRange(ClosedForms(model, rng, options));
        var theory = TheorySolver.Solve(context.Dynamics, context.Statistics, context.SolverOptions(null));
        var tolerance = new SolverOptions().QuadratureTolerance;
        checks.Add(new VerificationCheck("quadrature against rules of twice the order", theory.QuadratureError, tolerance,
            theory.QuadratureError <= tolerance, "largest relative change of the ODE's Gaussian expectations at 3 states"));
        if (context.RealData is null) checks.AddRange(AgainstSgd(load, context.Dimension, options, progress));
        return new VerificationReport(checks);
    }

    private static VerificationCheck Gradient(ProblemContext context, Random rng, VerificationOptions options)
    {
        var model = context.Model;
        var l = model.StudentDirections;
        var lStar = model.TeacherDirections;
        var kinks = new double[model.KinkCount * model.KinkRowLength];
        const int points = 300;
        int used = 0, skipped = 0;
        var worst = 0.0;
        var r = new double[l];
        var rstar = new double[lStar];
        var eps = new double[model.NoiseCount];
        var gradient = new double[l];
        for (var p = 0; p < points; p++)
        {
            for (var i = 0; i < l; i++) r[i] = 1.5 * Normal(rng);
            for (var i = 0; i < lStar; i++) rstar[i] = 1.5 * Normal(rng);
            for (var i = 0; i < eps.Length; i++) eps[i] = Normal(rng);
            var labels = context.Dynamics.Classes[rng.Next(context.Dynamics.Classes.Count)].Labels;
            const double h = 1e-5;
            model.WriteKinks(labels, kinks);
            if (NearKink(kinks, model, r, rstar, eps, 100 * h))
            {
                skipped++;
                continue;
            }
            model.LossAndGradient(r, rstar, eps, labels, gradient);
            for (var i = 0; i < l; i++)
            {
                var step = h * Math.Max(1, Math.Abs(r[i]));
                var keep = r[i];
                r[i] = keep + step;
                var up = model.Loss(r, rstar, eps, labels);
                r[i] = keep - step;
                var down = model.Loss(r, rstar, eps, labels);
                r[i] = keep;
                var difference = (up - down) / (2 * step);
                worst = Math.Max(worst, Math.Abs(gradient[i] - difference) / (1 + Math.Abs(gradient[i])));
            }
            used++;
        }
        var enough = used >= points / 2;
        return new VerificationCheck("gradient against central differences", worst, options.GradientTolerance,
            enough && worst <= options.GradientTolerance,
            $"{used} random points, {skipped} skipped near a kink" + (enough ? "" : " (too few left to check)"));
    }

    private static bool NearKink(double[] kinks, LossModel model, double[] r, double[] rstar, double[] eps, double distance)
    {
        var width = model.KinkRowLength;
        for (var f = 0; f < model.KinkCount; f++)
        {
            var row = kinks.AsSpan(f * width, width);
            double value = row[^1], norm = 0;
            var k = 0;
            foreach (var v in r) { value += row[k] * v; norm += row[k] * row[k]; k++; }
            foreach (var v in rstar) { value += row[k] * v; norm += row[k] * row[k]; k++; }
            foreach (var v in eps) { value += row[k] * v; norm += row[k] * row[k]; k++; }
            if (Math.Abs(value) < distance * Math.Max(1, Math.Sqrt(norm))) return true;
        }
        return false;
    }

    private static IEnumerable<VerificationCheck> ClosedForms(LossModel model, Random rng, VerificationOptions options)
    {
        if (!(model.HasClosedFormLoss || model.HasClosedFormFisher || model.HasClosedFormGradientCross) || model.LabelCount != 0) yield break;
        var n = model.StateDimension;
        var worst = 0.0;
        const int samples = 200_000, states = 3;
        var closedFisher = new double[model.StudentDirections * model.StudentDirections];
        var closedCross = new double[model.StudentDirections * n];
        for (var s = 0; s < states; s++)
        {
            var (b, factor) = RandomCovariance(n, rng);
            var estimates = new List<(double Closed, double[] Values)>();
            if (model.HasClosedFormLoss) estimates.Add((model.ExpectedLoss(b), new double[samples]));
            if (model.HasClosedFormFisher) model.ExpectedFisher(b, closedFisher);
            if (model.HasClosedFormGradientCross) model.ExpectedGradientCross(b, closedCross);
            var fisher = model.HasClosedFormFisher ? closedFisher.Select(_ => new double[samples]).ToArray() : [];
            var cross = model.HasClosedFormGradientCross ? closedCross.Select(_ => new double[samples]).ToArray() : [];
            var x = new double[n];
            var z = new double[n];
            var eps = new double[model.NoiseCount];
            var gradient = new double[model.StudentDirections];
            for (var k = 0; k < samples; k++)
            {
                for (var i = 0; i < n; i++) z[i] = Normal(rng);
                for (var i = 0; i < n; i++)
                {
                    double sum = 0;
                    for (var j = 0; j <= i; j++) sum += factor[i * n + j] * z[j];
                    x[i] = sum;
                }
                for (var i = 0; i < eps.Length; i++) eps[i] = Normal(rng);
                var r = x.AsSpan(0, model.StudentDirections);
                var rstar = x.AsSpan(model.StudentDirections);
                var loss = model.LossAndGradient(r, rstar, eps, [], gradient);
                if (model.HasClosedFormLoss) estimates[0].Values[k] = loss;
                for (var a = 0; a < fisher.Length; a++) fisher[a][k] = gradient[a / model.StudentDirections] * gradient[a % model.StudentDirections];
                for (var a = 0; a < cross.Length; a++) cross[a][k] = gradient[a / n] * x[a % n];
            }
            for (var a = 0; a < fisher.Length; a++) estimates.Add((closedFisher[a], fisher[a]));
            for (var a = 0; a < cross.Length; a++) estimates.Add((closedCross[a], cross[a]));
            foreach (var (closed, values) in estimates)
            {
                var mean = values.Average();
                var se = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (samples - 1) / samples);
                worst = Math.Max(worst, se > 0 ? Math.Abs(closed - mean) / se : closed == mean ? 0 : double.PositiveInfinity);
            }
        }
        yield return new VerificationCheck("closed forms against Monte Carlo", worst, options.MonteCarloStandardErrors,
            worst <= options.MonteCarloStandardErrors, $"largest gap in standard errors, {states} random covariances x {samples:N0} samples");
    }

    /// <summary>The largest dimension the SGD check runs at unless <see cref="VerificationOptions.Dimensions"/> says otherwise.</summary>
    public const int MaxDefaultDimension = 2000;

    private static IEnumerable<VerificationCheck> AgainstSgd(Func<int?, IReadOnlyList<string>, ProblemContext> load, int dimension,
        VerificationOptions options, IProgress<(string Stage, double Fraction)>? progress)
    {
        // By default at most MaxDefaultDimension: the check is of the theory's form, which holds at every d, and SGD over a
        // long horizon at d = 1e5 or 1e6 (the solver examples) would take hours and a test sample of tens of GiB.
        var capped = Math.Min(dimension, MaxDefaultDimension);
        var dimensions = options.Dimensions ?? [Math.Max(16, capped / 4), capped];
        var overrides = new[] { $"simulation.test-samples={options.TestSamples}", $"output.checkpoints={options.Checkpoints}" };
        var gaps = new List<(int D, AgreementSummary Summary, double MeanGap, CheckpointAgreement[] Rows)>();
        foreach (var d in dimensions.Distinct().Order())
        {
            var context = load(d, overrides);
            var comparison = Comparison.Run(context, options.Runs, options.Seed, homogenized: false, progress: progress);
            var rows = comparison.TestRiskAgreement()!.Where(r => r.Time > 0).ToArray();
            var meanGap = rows.Select(r => r.RelativeGap).DefaultIfEmpty(0).Average();
            gaps.Add((d, comparison.TestRiskSummary()!, meanGap, rows));
        }
        var largest = gaps[^1];
        var sigmas = largest.Summary.MaxStandardErrors ?? double.PositiveInfinity;
        var shrinks = gaps.Count < 2 || gaps[^1].MeanGap <= gaps[0].MeanGap;
        var diverged = gaps.Sum(g => g.Summary.Diverged);
        var extrapolated = gaps.Count < 2 ? double.PositiveInfinity : ExtrapolatedStandardErrors(gaps[0].D, gaps[0].Rows, gaps[^1].D, gaps[^1].Rows);
        var holds = diverged == 0 && (sigmas <= options.SgdStandardErrors || (shrinks && extrapolated <= options.SgdStandardErrors));
        var detail = string.Join("; ", gaps.Select(g => $"d = {g.D}: largest gap {g.Summary.Gap:P2}, {g.Summary.MaxStandardErrors:F1} se, mean {g.MeanGap:P2}")) +
                     (shrinks ? "; the mean gap shrinks with d" : "; the mean gap does NOT shrink with d") +
                     (gaps.Count < 2 ? "" : $"; extrapolated to d -> infinity as a + b/d: {extrapolated:F1} se") +
                     (diverged > 0 ? $"; {diverged} runs diverged" : "");
        yield return new VerificationCheck($"theory against SGD's test-sample risk ({options.Runs} runs, {options.TestSamples:N0} test inputs)",
            Math.Min(sigmas, shrinks ? extrapolated : double.PositiveInfinity), options.SgdStandardErrors, holds, detail);
    }

    /// <summary>
    /// The largest |a| / se(a) over the checkpoints of the relative gap extrapolated as <c>gap = a + b/d</c> from the two
    /// dimensions: SGD's finite-size bias is O(1/d) (near a stability threshold it is large at any affordable d), so a
    /// theory that is right leaves an intercept within its standard error, and a wrong one does not.
    /// </summary>
    internal static double ExtrapolatedStandardErrors(int small, CheckpointAgreement[] atSmall, int large, CheckpointAgreement[] atLarge)
    {
        var worst = 0.0;
        for (var k = 0; k < Math.Min(atSmall.Length, atLarge.Length); k++)
        {
            var (p, q) = (atSmall[k], atLarge[k]);
            if (p.Theory == 0 || q.Theory == 0) continue;
            var gapSmall = (p.Mean - p.Theory) / p.Theory;
            var gapLarge = (q.Mean - q.Theory) / q.Theory;
            var intercept = (large * gapLarge - small * gapSmall) / (large - small);
            var se = Math.Sqrt(Math.Pow(large * q.StandardError / q.Theory, 2) + Math.Pow(small * p.StandardError / p.Theory, 2)) / (large - small);
            var z = se > 0 ? Math.Abs(intercept) / se : intercept == 0 ? 0 : double.PositiveInfinity;
            worst = Math.Max(worst, double.IsNaN(z) ? double.PositiveInfinity : z);
        }
        return worst;
    }

    private static (double[] B, double[] Factor) RandomCovariance(int n, Random rng)
    {
        var w = new double[n * (n + 2)];
        for (var i = 0; i < w.Length; i++) w[i] = Normal(rng);
        var b = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                double s = 0;
                for (var k = 0; k < n + 2; k++) s += w[i * (n + 2) + k] * w[j * (n + 2) + k];
                b[i * n + j] = s / (n + 2) + (i == j ? 0.2 : 0);
            }
        var factor = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, n, (i, j) => b[i * n + j]).Cholesky().Factor;
        return (b, [.. Enumerable.Range(0, n * n).Select(k => factor[k / n, k % n])]);
    }

    private static double Normal(Random rng) => MathNet.Numerics.Distributions.Normal.Sample(rng, 0, 1);
}
