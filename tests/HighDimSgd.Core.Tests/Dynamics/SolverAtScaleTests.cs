using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Ode;
using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;
using HighDimSgd.Core.Tests.Expectations;

namespace HighDimSgd.Core.Tests.Dynamics;

/// <summary>
/// The solver at d far beyond what exact eigen-groups afford, against an exact reference that shares no code with it
/// (<see cref="LeastSquaresLaplaceReference"/>): every representation that <c>auto</c> can pick, long horizons without
/// spurious divergence, error falling with the resolution, and implicit step counts that do not grow with the
/// stiffness.
/// </summary>
public class SolverAtScaleTests
{
    private const double Noise = 1.0;
    private const double Rate = 0.5;

    private static readonly SolverOptions Tight = new(RelativeTolerance: 1e-10, AbsoluteTolerance: 1e-13);

    private static double[] PowerLaw(int d, double exponent) =>
        SpectrumBuilder.Eigenvalues(new PowerLawSpectrum(exponent) { Normalize = SpectrumNormalization.Mean }, d, ".");

    private static double[] LogTimes(double horizon, int points) =>
        [0, .. Enumerable.Range(0, points - 1).Select(k => horizon * Math.Pow(1e-3, 1 - (double)k / (points - 2)))];

    private static DynamicsSetup LeastSquares(double[] lambda, double horizon, int points = 41)
    {
        var d = lambda.Length;
        var teacher = Enumerable.Range(0, d).Select(i => (i % 2 == 0 ? 1.0 : -1.0) / Math.Sqrt(d)).ToArray();
        return new DynamicsSetup(new SumLeastSquares(1, 1, Noise),
            [new DataClass(1.0, new double[d], lambda, [])], [teacher], [new double[d]],
            new ConstantSchedule(Rate), LogTimes(horizon, points));
    }

    private static double[] Reference(DynamicsSetup setup)
    {
        var teacher = setup.Teacher[0];
        var d = setup.Dimension;
        var reference = new LeastSquaresLaplaceReference(setup.Classes[0].Eigenvalues,
            [.. teacher.Select(x => d * x * x)], Rate, Noise);
        return [.. setup.OutputTimes.Select(reference.Risk)];
    }

    private static double MaxRelativeGap(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y) / Math.Abs(y)).Max();

    [Fact]
    public void TheReferenceAgreesWithTheExactEigenForm()
    {
        // The reference itself is checked where exact groups are cheap.
        var setup = LeastSquares(PowerLaw(1500, 1.0), horizon: 200);
        var eigen = TheorySolver.Solve(setup, ["risk"], Tight with { Method = "eigen" });
        Assert.True(MaxRelativeGap(eigen.Column("risk"), Reference(setup)) < 1e-8);
    }

    public static TheoryData<double, double> Spectra => new()
    {
        { 1.0, 200 },    // lambda in [1e-4, 2]: wide on a log scale, mild stiffness
        { -0.5, 200 },   // lambda_max ~ sqrt(d) / 2 = 71: stiff, Rodas4
        { 1.0, 2000 },   // a long horizon
    };

    [Theory]
    [MemberData(nameof(Spectra))]
    public void EveryMethodMatchesTheReferenceWithoutSpuriousDivergence(double exponent, double horizon)
    {
        var setup = LeastSquares(PowerLaw(20_000, exponent), horizon);
        var reference = Reference(setup);
        var auto = TheorySolver.Solve(setup, ["risk"], Tight);
        Assert.Equal("compressed", auto.Method);
        Assert.Equal(OdeStatus.Completed, auto.Status);
        Assert.True(MaxRelativeGap(auto.Column("risk"), reference) < 1e-6, $"auto ({auto.Integrator}) is off the reference");
        Assert.True(auto.CompressionError < 1e-6);
        foreach (var stiff in new[] { false, true })
        {
            var compressed = TheorySolver.Solve(setup, ["risk"], Tight with { Method = "compressed", Stiff = stiff });
            Assert.True(MaxRelativeGap(compressed.Column("risk"), reference) < 1e-6, $"compressed, stiff = {stiff}");
        }
        var contour = TheorySolver.Solve(setup, ["risk"], Tight with { Method = "contour" });
        Assert.Equal(OdeStatus.Completed, contour.Status);
        Assert.True(MaxRelativeGap(contour.Column("risk"), reference) < 1e-6, "contour is off the reference");
    }

    [Fact]
    public void CompressionErrorFallsWithTheNodesPerPanelAndIsBoundedByItsEstimate()
    {
        var setup = LeastSquares(PowerLaw(20_000, 1.0), horizon: 200);
        var reference = Reference(setup);
        var errors = new List<double>();
        foreach (var nodes in new[] { 4, 8, 16 })
        {
            var options = Tight with
            {
                Method = "compressed",
                Compression = new CompressionOptions(NodesPerPanel: nodes),
                CompressionTolerance = double.PositiveInfinity,
            };
            var result = TheorySolver.Solve(setup, ["risk"], options);
            var error = MaxRelativeGap(result.Column("risk"), reference);
            errors.Add(error);
            // The shadow rule has half the nodes, so its distance bounds the solution's error (up to the integrator's).
            Assert.True(error <= result.CompressionError!.Value + 1e-9, $"{nodes} nodes: error {error:G3} above the estimate {result.CompressionError:G3}");
        }
        Assert.True(errors[0] > 10 * errors[1] && errors[1] > 10 * errors[2], $"errors {string.Join(", ", errors.Select(e => e.ToString("G3")))}");
        Assert.True(errors[2] < 1e-7);
    }

    [Fact]
    public void ContourRuleErrorFallsGeometricallyWithTheNodes()
    {
        var setup = LeastSquares(PowerLaw(20_000, 1.0), horizon: 1);
        var errors = new[] { 32, 64, 96, 128 }.Select(nodes => ContourRepresentation.InitialRuleError(setup, nodes)).ToArray();
        // Geometric decay down to round-off: sums of 2e4 terms of size 1 carry errors of a few 1e-13.
        for (var k = 1; k < errors.Length; k++)
            Assert.True(errors[k] < errors[k - 1] / 100 || errors[k] < 1e-12, $"errors {string.Join(", ", errors.Select(e => e.ToString("G3")))}");
        Assert.NotNull(ContourRepresentation.Unresolved(setup, 32));
        Assert.Null(ContourRepresentation.Unresolved(setup, 128));
        Assert.Throws<ArgumentException>(() => TheorySolver.Solve(setup, ["risk"], Tight with { Method = "contour", ContourNodes = 32 }));
    }

    [Fact]
    public void ImplicitStepCountsDoNotGrowWithTheHorizonOrTheLargestEigenvalue()
    {
        // lambda_max ~ sqrt(d) / 2: 22 at d = 2000, 71 at d = 20000. gamma lambda_max T spans 1e3 .. 3.5e4.
        var options = new SolverOptions(Method: "compressed", Stiff: true);
        int Steps(int d, double horizon) => TheorySolver.Solve(LeastSquares(PowerLaw(d, -0.5), horizon), ["risk"], options).Steps.Accepted;
        var shortSmall = Steps(2000, 100);
        var longSmall = Steps(2000, 1000);
        var longLarge = Steps(20_000, 1000);
        Assert.True(longSmall < 2 * shortSmall, $"T = 100: {shortSmall} steps, T = 1000: {longSmall}");
        Assert.True(longLarge < 1.5 * longSmall, $"d = 2000: {longSmall} steps, d = 20000: {longLarge}");
        // The explicit method on the same problem is held by stability: its steps grow with lambda_max T.
        var explicitSteps = TheorySolver.Solve(LeastSquares(PowerLaw(20_000, -0.5), 1000), ["risk"],
            options with { Stiff = false }).Steps.Accepted;
        Assert.True(explicitSteps > 10 * longLarge, $"dopri5 {explicitSteps} steps against rodas4 {longLarge}");
    }

    [Fact]
    public void AutoSaysWhatItChoseAndWhy()
    {
        var few = TheorySolver.Solve(LeastSquares(PowerLaw(300, 1.0), 10), ["risk"]);
        Assert.Equal("eigen", few.Method);
        Assert.Equal("dopri5", few.Integrator);
        Assert.Contains("300 eigen-groups", few.Choice);
        Assert.Null(few.CompressionError);
        var many = TheorySolver.Solve(LeastSquares(PowerLaw(5000, -0.5), 400), ["risk"]);
        Assert.Equal("compressed", many.Method);
        Assert.Equal("rodas4", many.Integrator);
        Assert.Contains("5000 distinct eigenvalues", many.Choice);
        Assert.Contains("stiffness index", many.Choice);
    }
}
