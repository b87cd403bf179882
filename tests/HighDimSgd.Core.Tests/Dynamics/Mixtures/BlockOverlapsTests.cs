using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Dynamics.Mixtures;
using HighDimSgd.Core.Tests.Dynamics;

namespace HighDimSgd.Core.Tests.Dynamics.Mixtures;

public class BlockOverlapsTests
{
    /// <summary>A two-class setup on a two-level spectrum: blocks cut across the eigen-groups.</summary>
    private static DynamicsSetup TwoClasses(int d)
    {
        var lambda = Enumerable.Range(0, d).Select(i => i % 2 == 0 ? 1.0 : 0.25).ToArray();
        var mean = Enumerable.Range(0, d).Select(i => Math.Sin(i + 1.0) / Math.Sqrt(d)).ToArray();
        var init = Enumerable.Range(0, d).Select(i => Math.Cos(3.0 * i) / Math.Sqrt(d)).ToArray();
        var times = new[] { 0.0, 1.0 };
        return new DynamicsSetup(new SoftmaxCrossEntropy(2),
            [new DataClass(0.5, mean, lambda, [1, 0]), new DataClass(0.5, [.. mean.Select(x => -x)], lambda, [0, 1])],
            [], [init, [.. init.Select(x => -0.5 * x)]], new ConstantSchedule(0.5), times);
    }

    [Fact]
    public void BlocksSplitGroupsAndTheirOverlapsMatchTheWeights()
    {
        const int d = 40;
        var setup = TwoClasses(d);
        DirectionBlock[] blocks = [new("low", 0, 15), new("high", 15, 40)];
        var plain = new EigenRepresentation(setup);
        var split = new EigenRepresentation(setup, blocks);
        Assert.Equal(2, plain.GroupCount);
        Assert.Equal(4, split.GroupCount);

        // The whole-space overlaps do not depend on the grouping.
        var a = new OrderParameters(2, 2, 2);
        var b = new OrderParameters(2, 2, 2);
        var stateA = new double[plain.Dimension];
        var stateB = new double[split.Dimension];
        plain.InitialState(stateA);
        split.InitialState(stateB);
        plain.Overlaps(stateA, a);
        split.Overlaps(stateB, b);
        for (var k = 0; k < 4; k++) Assert.Equal(a.Gram[k], b.Gram[k], 12);
        for (var c = 0; c < 2; c++)
            for (var k = 0; k < 2; k++) Assert.Equal(a.Means[c][k], b.Means[c][k], 12);

        // Block overlaps of the ODE state at t = 0 equal those computed from the weights directly.
        var fromState = new BlockOverlaps(blocks, 2, 2);
        split.BlockOverlaps(stateB, fromState);
        var fromWeights = new BlockOverlaps(blocks, 2, 2);
        var w = setup.Rows.SelectMany(row => row).ToArray();
        fromWeights.FromWeights(w, d, [.. setup.Classes.Select(c => c.Mean)]);
        for (var block = 0; block < 2; block++)
        {
            for (var k = 0; k < 4; k++) Assert.Equal(fromWeights.Grams[block][k], fromState.Grams[block][k], 12);
            for (var c = 0; c < 2; c++)
                for (var k = 0; k < 2; k++) Assert.Equal(fromWeights.Means[block][c][k], fromState.Means[block][c][k], 12);
        }
    }

    [Fact]
    public void SplittingGroupsDoesNotChangeTheDynamics()
    {
        var setup = TwoClasses(40) with { OutputTimes = [0.0, 0.5, 1.0] };
        var plain = TheorySolver.Solve(setup, ["risk", "norm", "mean_overlap"], new SolverOptions("eigen"));
        var representation = new EigenRepresentation(setup, [new DirectionBlock("low", 0, 15)]);
        var system = new LimitingDynamics(setup, representation);
        var solution = new HighDimSgd.Core.Ode.DormandPrince45(new HighDimSgd.Core.Ode.IntegratorOptions { RelativeTolerance = 1e-8, AbsoluteTolerance = 1e-11 })
            .Integrate(system, 0, system.InitialState(), setup.OutputTimes);
        system.Evaluate(1.0, solution.State(solution.Count - 1));
        Assert.Equal(plain.Column("risk")[^1], system.Evaluator.Risk, 7);
        Assert.Equal(plain.Column("mean_overlap")[^1], system.Evaluator.Parameters.Means[0][0], 7);
    }
}
