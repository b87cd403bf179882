using System.Globalization;
using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;

namespace HighDimSgd.Cli.Application;

/// <summary>How <see cref="CriticalStepSize"/> searches.</summary>
/// <param name="RelativeTolerance">Bisection stops when the bracket is narrower than this times its upper end.</param>
/// <param name="Horizon">Each constant-rate ODE is integrated to this t; a slower blow-up counts as bounded.</param>
/// <param name="DivergenceFactor">A state entry this many times its initial scale counts as a blow-up.</param>
/// <param name="MaxWidenings">The search gives up (and says so) when the rate stays bounded after this many doublings.</param>
public sealed record CriticalSearchOptions(
    double RelativeTolerance = 1e-3,
    double Horizon = 200,
    double DivergenceFactor = 1e6,
    int MaxWidenings = 8);

/// <summary>
/// The outcome for one spectrum: every constant step size up to <see cref="Bounded"/> kept the risk bounded until the
/// horizon, <see cref="Diverged"/> blew up (infinity when none did up to <see cref="Bounded"/>).
/// </summary>
public sealed record CriticalStepSizeResult(
    string Spectrum,
    double MeanEigenvalue,
    double LargestEigenvalue,
    double Bounded,
    double Diverged,
    int Solves)
{
    /// <summary>True when some tried step size diverged, so <see cref="Estimate"/> is a bracketed value.</summary>
    public bool Found => double.IsFinite(Diverged);

    /// <summary>The midpoint of the final bracket (the largest bounded rate when nothing diverged).</summary>
    public double Estimate => Found ? (Bounded + Diverged) / 2 : Bounded;

    /// <summary>The least-squares threshold 2 / (Tr K / d) of theory.md section 4.</summary>
    public double Reference => 2 / MeanEigenvalue;
}

/// <summary>
/// The largest constant step size for which the risk stays bounded, by bisection on the limiting ODE: a solve either
/// reaches the horizon or stops as diverged (<see cref="TheoryResult.Diverged"/>). theory.md section 4 predicts that,
/// for least squares, it is 2 / (Tr K / d) whatever the shape of the spectrum.
/// </summary>
/// <remarks>
/// Just above the threshold the risk grows like e^{mu t} with mu proportional to the excess gamma - gamma_c. A blow-up by
/// the factor F shows within the horizon T only when mu T > ln F; a convex rise over [T/2, T] (see
/// <see cref="GrowsConvexly"/>) counts as divergence too, which shows much earlier. What is left is a bracket that may
/// sit slightly high, by an amount that falls with T.
/// </remarks>
public static class CriticalStepSize
{
    /// <summary>The first bracket is 2/(Tr K/d) times (1 -/+ this): the least-squares answer costs few solves.</summary>
    private const double InitialHalfWidth = 0.1;

    /// <summary>Factor by which a bracket end moves out while it is on the wrong side.</summary>
    private const double Widening = 2;

    /// <summary>Brackets the critical constant step size of <paramref name="setup"/> (its schedule is ignored).</summary>
    public static CriticalStepSizeResult Find(DynamicsSetup setup, string spectrum, CriticalSearchOptions search,
        SolverOptions solver)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var eigenvalues = setup.Classes.SelectMany(c => c.Eigenvalues).ToArray();
        var mean = setup.Classes.Sum(c => c.Probability * c.MeanEigenvalue);
        var grid = Enumerable.Range(0, 9).Select(k => search.Horizon * k / 8).ToArray(); // T/2, 3T/4, T at 4, 6, 8
        var options = solver with { DivergenceFactor = search.DivergenceFactor };
        var solves = 0;
        bool StaysBounded(double rate)
        {
            solves++;
            var run = setup with { Schedule = new ConstantSchedule(rate), OutputTimes = grid };
            var result = TheorySolver.Solve(run, ["risk"], options);
            if (result.Diverged) return false;
            var risk = result.Column("risk");
            return double.IsFinite(risk[^1]) && !GrowsConvexly(risk[grid.Length / 2], risk[3 * grid.Length / 4], risk[^1]);
        }

        // Start around the theory's value and widen until the bracket holds a bounded and a diverging rate.
        var guess = 2 / mean;
        var bounded = guess * (1 - InitialHalfWidth);
        while (!StaysBounded(bounded))
        {
            bounded /= Widening;
            if (bounded < guess * 1e-9)
                throw new UserErrorException($"{spectrum}: even gamma = {bounded:G3} blows up before t = {search.Horizon:G4}");
        }

        var diverged = guess * (1 + InitialHalfWidth);
        for (var widening = 0; StaysBounded(diverged); widening++)
        {
            if (widening == search.MaxWidenings)
                return new CriticalStepSizeResult(spectrum, mean, eigenvalues.Max(), diverged, double.PositiveInfinity, solves);
            bounded = diverged;
            diverged *= Widening;
        }

        while (diverged - bounded > search.RelativeTolerance * diverged)
        {
            var middle = (bounded + diverged) / 2;
            if (StaysBounded(middle)) bounded = middle;
            else diverged = middle;
        }

        return new CriticalStepSizeResult(spectrum, mean, eigenvalues.Max(), bounded, diverged, solves);
    }

    /// <summary>
    /// True when the risk at T/2, 3T/4, T rises and is convex: an unstable mode C + A e^{mu t} (A, mu > 0) dominates and
    /// will blow up later. A bounded run rises concavely towards its stationary level (C - b e^{-nu t}) or falls.
    /// This sees an unstable mode well before it has grown by the divergence factor, which sharpens the bracket.
    /// </summary>
    private static bool GrowsConvexly(double half, double threeQuarters, double end)
    {
        // Changes within the integrator's relative tolerance are not a trend.
        var significant = 1e-6 * Math.Abs(end);
        var early = threeQuarters - half;
        var late = end - threeQuarters;
        return early > significant && late > early + significant;
    }

    /// <summary>
    /// The problem's ODE input with its spectrum replaced by <paramref name="spectrum"/> (teacher and initial weights
    /// rebuilt, as they may follow the spectrum); the problem must be a single Gaussian.
    /// </summary>
    public static DynamicsSetup WithSpectrum(ProblemContext context, SpectrumSpec spectrum)
    {
        var problem = context.Problem;
        if (problem.Data.Spectrum is null || problem.Data.Classes.Count > 0)
            throw new UserErrorException($"{problem.SourcePath}: --spectra replaces [data] spectrum; this problem has none (a mixture or real data)");
        var changed = problem with { Data = problem.Data with { Spectrum = spectrum } };
        try
        {
            var data = ProblemRealization.Materialize(changed, context.Dimension);
            return context.Dynamics with { Classes = ProblemContext.Classes(data), Teacher = data.Teacher, Init = data.StudentInit };
        }
        catch (ProblemFileException e)
        {
            throw new UserErrorException(e.Message);
        }
    }
}

/// <summary>
/// A spectrum written on the command line as <c>kind:key=value,key=value</c> (lists separated by <c>/</c>), e.g.
/// <c>sigma-power:q=2</c>, <c>marchenko-pastur:ratio=0.5</c>, <c>blocks:values=0.5/1.5,fractions=0.5/0.5</c>,
/// <c>identity</c>. Always normalised to mean 1 (then multiplied by <c>scale</c> when given), so that spectra of
/// different shapes share Tr K / d.
/// </summary>
public static class SpectrumArgument
{
    private static readonly Dictionary<string, string[]> KeysByKind = new()
    {
        ["identity"] = [],
        ["power-law"] = ["exponent"],
        ["sigma-power"] = ["q", "lo", "hi"],
        ["marchenko-pastur"] = ["ratio"],
        ["blocks"] = ["values", "fractions"],
    };

    /// <summary>The syntax, for help texts.</summary>
    public const string Syntax = "kind:key=value,... with kind identity, power-law (exponent), sigma-power (q, lo, hi), " +
                                 "marchenko-pastur (ratio) or blocks (values, fractions as a/b/c); each normalised to mean 1";

    /// <summary>Parses one argument; a mistake is a <see cref="UserErrorException"/> naming it.</summary>
    public static SpectrumSpec Parse(string text)
    {
        var colon = text.IndexOf(':');
        var kind = (colon < 0 ? text : text[..colon]).Trim();
        if (!KeysByKind.TryGetValue(kind, out var keys))
            throw Error(text, $"unknown kind '{kind}'; known: {string.Join(", ", KeysByKind.Keys)}");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (colon >= 0)
        {
            foreach (var pair in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var equals = pair.IndexOf('=');
                if (equals <= 0) throw Error(text, $"'{pair}' is not key=value");
                var key = pair[..equals].Trim();
                if (key != "scale" && !keys.Contains(key))
                    throw Error(text, $"kind '{kind}' takes {string.Join(", ", [.. keys, "scale"])}, not '{key}'");
                if (!values.TryAdd(key, pair[(equals + 1)..].Trim())) throw Error(text, $"'{key}' given twice");
            }
        }

        double Number(string key, double? fallback = null)
        {
            if (!values.TryGetValue(key, out var raw))
                return fallback ?? throw Error(text, $"kind '{kind}' needs '{key}'");
            return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
                ? x
                : throw Error(text, $"'{key}' must be a number, got '{raw}'");
        }

        double[] List(string key)
        {
            if (!values.TryGetValue(key, out var raw)) throw Error(text, $"kind '{kind}' needs '{key}'");
            return [.. raw.Split('/').Select(part =>
                double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
                    ? x
                    : throw Error(text, $"'{key}' must be numbers separated by '/', got '{raw}'"))];
        }

        SpectrumSpec spec = kind switch
        {
            "identity" => new IdentitySpectrum(),
            "power-law" => new PowerLawSpectrum(Number("exponent")),
            "sigma-power" => SigmaPower(text, Number("q"), Number("lo", 0), Number("hi", 1)),
            "marchenko-pastur" => Number("ratio") is > 0 and var ratio
                ? new MarchenkoPasturSpectrum(ratio)
                : throw Error(text, "'ratio' must be positive"),
            _ => Blocks(text, List("values"), List("fractions")),
        };
        var scale = Number("scale", 1);
        if (!(scale > 0)) throw Error(text, "'scale' must be positive");
        // Errors found while building the spectrum name the argument, as the file's name a key.
        return spec with { Normalize = SpectrumNormalization.Mean, Scale = scale, Location = new SpecLocation($"--spectra '{text}'", "", null) };
    }

    private static SigmaPowerSpectrum SigmaPower(string text, double q, double lo, double hi) =>
        lo >= 0 && hi > lo ? new SigmaPowerSpectrum(q, lo, hi) : throw Error(text, "need 0 <= lo < hi");

    private static BlockSpectrum Blocks(string text, double[] values, double[] fractions)
    {
        if (values.Length != fractions.Length) throw Error(text, "'values' and 'fractions' need the same length");
        if (values.Any(v => v < 0) || fractions.Any(f => !(f > 0)))
            throw Error(text, "values must be non-negative and fractions positive");
        if (Math.Abs(fractions.Sum() - 1) > 1e-9) throw Error(text, "'fractions' must sum to 1");
        return new BlockSpectrum(values, fractions);
    }

    private static UserErrorException Error(string text, string message) => new($"--spectra '{text}': {message}");
}
