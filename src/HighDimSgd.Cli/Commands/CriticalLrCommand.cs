using System.CommandLine;
using System.Globalization;
using HighDimSgd.Cli.Application;

namespace HighDimSgd.Cli.Commands;

/// <summary>
/// <c>hdsgd critical-lr PROBLEM [--spectra S1 S2 ...]</c>: the largest constant step size for which the risk of the
/// limiting ODE stays bounded, next to 2 / (Tr K / d), for the problem's spectrum or for several spectra.
/// </summary>
internal static class CriticalLrCommand
{
    /// <summary>Without --dimension, problems are solved at most at this d.</summary>
    public const int DefaultDimensionCap = 256;

    public static Command Create()
    {
        var problem = CommonOptions.Problem();
        var dimension = CommonOptions.Dimension();
        var method = CommonOptions.Method();
        var spectra = new Option<string[]>("--spectra")
        {
            Description = "Compare these spectra instead of the problem's: " + SpectrumArgument.Syntax +
                          ". Example: --spectra sigma-power:q=1 sigma-power:q=4 marchenko-pastur:ratio=0.5",
            AllowMultipleArgumentsPerToken = true,
        };
        var tolerance = new Option<double>("--tolerance")
        {
            Description = "Relative width of the final bisection bracket.",
            DefaultValueFactory = _ => new CriticalSearchOptions().RelativeTolerance,
        };
        var horizon = new Option<double>("--horizon")
        {
            Description = "Time t each constant-rate ODE is integrated to; a longer horizon sees slower blow-ups.",
            DefaultValueFactory = _ => new CriticalSearchOptions().Horizon,
        };
        var set = CommonOptions.Set();
        var command = new Command("critical-lr",
            "Find the largest constant step size for which the risk stays bounded (bisection on the ODE), next to 2/(Tr K/d).")
        {
            problem, dimension, method, spectra, tolerance, horizon, set,
        };
        command.SetAction(result =>
        {
            // The threshold does not depend on d (theory.md section 4), the cost of each solve does: cap the default.
            var context = ProblemContext.Load(result.GetValue(problem)!, result.GetValue(dimension), result.GetValue(set));
            if (result.GetValue(dimension) is null && context.Dimension > DefaultDimensionCap && context.RealData is null)
                context = ProblemContext.Load(result.GetValue(problem)!, DefaultDimensionCap, result.GetValue(set));
            var search = new CriticalSearchOptions(result.GetValue(tolerance), result.GetValue(horizon));
            if (!(search.RelativeTolerance is > 0 and < 1))
                throw new UserErrorException($"--tolerance must lie in (0, 1), got {search.RelativeTolerance}");
            if (!(search.Horizon > 0) || !double.IsFinite(search.Horizon))
                throw new UserErrorException($"--horizon must be positive, got {search.Horizon}");
            var solver = context.SolverOptions(result.GetValue(method));
            var requested = result.GetValue(spectra) ?? [];
            var cases = requested.Length == 0
                ? [("problem", context.Dynamics)]
                : requested.Select(text => (text, CriticalStepSize.WithSpectrum(context, SpectrumArgument.Parse(text)))).ToArray();

            var output = Console.Out;
            output.WriteLine($"{context.Problem.Title}: critical constant step size, d = {context.Dimension}, ODE to t = {search.Horizon:G4}, " +
                             $"bisection to {search.RelativeTolerance:G2} relative");
            output.WriteLine(Header());
            foreach (var (label, setup) in cases)
                output.WriteLine(Row(CriticalStepSize.Find(setup, label, search, solver)));
            return 0;
        });
        return command;
    }

    private static string Header() =>
        $"{"spectrum",-28} {"Tr K/d",8} {"lambda_max",10} {"critical gamma",14} {"bracket",23} {"2/(Tr K/d)",10} {"ratio",7}";

    private static string Row(CriticalStepSizeResult r)
    {
        var bracket = r.Found ? $"[{F(r.Bounded)}, {F(r.Diverged)}]" : $"bounded up to {F(r.Bounded)}";
        var critical = r.Found ? F(r.Estimate) : $">{F(r.Bounded)}";
        return $"{r.Spectrum,-28} {F(r.MeanEigenvalue),8} {F(r.LargestEigenvalue),10} {critical,14} {bracket,23} " +
               $"{F(r.Reference),10} {(r.Found ? F(r.Estimate / r.Reference) : "-"),7}";
    }

    private static string F(double x) => x.ToString("G5", CultureInfo.InvariantCulture);
}
