using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Dynamics.Mixtures;
using HighDimSgd.Core.Ode;
using Xunit.Abstractions;

namespace HighDimSgd.Validation.Tests.Mixtures;

/// <summary>The talk's qualitative claims about the mixture models, asserted from the ODE at the examples' own sizes.</summary>
public class MixtureClaimsTests(ITestOutputHelper output)
{
    private static double[] Risk(string file, params (string From, string To)[] edits)
    {
        var context = MixtureExamples.Load(file, null, edits);
        var result = TheorySolver.Solve(context.Dynamics, ["risk"], context.SolverOptions());
        Assert.False(result.Diverged, result.StopReason);
        return result.Column("risk");
    }

    private void Report(string name, double[] risk) =>
        output.WriteLine($"{name}: risk at T/16, T/4, T/2, T = {risk[^17]:G5}, {risk[^9]:G5}, {risk[^5]:G5}, {risk[^1]:G5}");

    [Fact]
    public void IdentityCovarianceRiskLevelsOffAtAPositiveValue()
    {
        // The example stops at T = 20, still settling; run to T = 200 (linear grid: row 20 is T/2).
        var risk = Risk("identity.toml", ("horizon = 20.0", "horizon = 200.0"));
        output.WriteLine($"identity: risk at T/10 = {risk[4]:G6}, T/2 = {risk[20]:G6}, T = {risk[^1]:G6}");
        Assert.True(risk[^1] > 0.2, $"risk {risk[^1]} should stay well above 0");
        Assert.True(Math.Abs(risk[^1] - risk[20]) < 0.005 * risk[^1], $"risk still moves: {risk[20]} -> {risk[^1]}");
    }

    [Fact]
    public void PowerLawRiskLevelsOffWhenMildAndKeepsFallingWhenExtreme()
    {
        var mild = Risk("power-law-mild.toml");
        var extreme = Risk("power-law-extreme.toml");
        Report("mild", mild);
        Report("extreme", extreme);
        // Log grid, 40 intervals from 0.1 to 200: 4 checkpoints per halving... ratio over the last factor 4 in time.
        var mildDrop = 1 - mild[^1] / mild[^9];
        var extremeDrop = 1 - extreme[^1] / extreme[^9];
        output.WriteLine($"relative drop of the risk over the last factor ~4.5 in time: mild {mildDrop:P2}, extreme {extremeDrop:P2}");
        // At d = 1000 the mild plateau is still approached slowly (a few percent per factor 4.5); the extreme case
        // loses half of its risk over the same span.
        Assert.True(mildDrop < 0.08, $"mild power law should level off, dropped {mildDrop:P2}");
        Assert.True(extremeDrop > 0.3, $"extreme power law should keep falling, dropped {extremeDrop:P2}");
        Assert.True(extremeDrop > 5 * mildDrop);
    }

    [Fact]
    public void ZeroOneRiskKeepsFallingAndTheMeanBlockOutgrowsTheOthers()
    {
        var context = MixtureExamples.Load("zero-one.toml");
        var setup = context.Dynamics;
        var d = setup.Dimension;
        DirectionBlock Block(string name, double from, double to) => new(name, (int)Math.Round(from * d), (int)Math.Round(to * d));
        DirectionBlock[] blocks = [Block("i00", 0, 0.25), Block("i01", 0.25, 0.5), Block("i10", 0.5, 0.75), Block("i11", 0.75, 1)];
        var representation = new EigenRepresentation(setup, blocks);
        var system = new LimitingDynamics(setup, representation);
        var solution = new DormandPrince45(new IntegratorOptions { RelativeTolerance = 1e-8, AbsoluteTolerance = 1e-11 })
            .Integrate(system, 0, system.InitialState(), setup.OutputTimes);
        Assert.Equal(setup.OutputTimes.Length, solution.Count);
        var overlaps = new BlockOverlaps(blocks, setup.Classes.Count, setup.StateSize);
        string[] columns = ["risk", "mean_overlap", "norm_i00", "norm_i01", "norm_i10", "norm_i11"];
        var rows = new double[solution.Count][];
        for (var k = 0; k < solution.Count; k++)
        {
            system.Evaluate(solution.Times[k], solution.State(k));
            representation.BlockOverlaps(solution.State(k), overlaps);
            rows[k] = new double[columns.Length];
            StatisticsCatalog.Compute(columns, system.Evaluator, system.Rate, rows[k], overlaps);
        }
        foreach (var k in new[] { 10, 20, 30, 40 })
            output.WriteLine($"t = {solution.Times[k]:G4}: " + string.Join(", ", columns.Select((c, j) => $"{c} {rows[k][j]:G4}")));
        var last = rows[^1];
        var quarter = rows[^9]; // log grid: 8 intervals = a factor 7.1 in time
        // The risk keeps falling (no floor) and mu . X keeps growing, like log t: equal steps per factor of time.
        Assert.True(last[0] < 0.5 * quarter[0], $"zero-one risk should keep falling: {quarter[0]} -> {last[0]}");
        var growthLate = last[1] - quarter[1];
        var growthEarlier = quarter[1] - rows[^17][1];
        Assert.True(growthLate > 0 && growthLate > 0.4 * growthEarlier && growthLate < 2.5 * growthEarlier,
            $"mu . X should grow like log t: {rows[^17][1]}, {quarter[1]}, {last[1]}");
        // The weight on I_00 (where the means live) outgrows the noise-fed blocks by far, and faster.
        for (var j = 3; j < columns.Length; j++)
        {
            Assert.True(last[2] > 10 * last[j], $"{columns[2]} = {last[2]} should dwarf {columns[j]} = {last[j]}");
            Assert.True(last[2] - quarter[2] > 10 * (last[j] - quarter[j]), $"{columns[2]} should grow much faster than {columns[j]}");
        }
        // The blocks partition the directions: their norms add up to the whole.
        system.Evaluate(solution.Times[^1], solution.State(solution.Count - 1));
        Assert.Equal(Trace(system.Evaluator.Parameters.Gram), last[2] + last[3] + last[4] + last[5], 9);
    }

    private static double Trace(double[] gram) => gram[0];
}
