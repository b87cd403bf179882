using HighDimSgd.Core.Expectations;
using HighDimSgd.Core.Models;
using HighDimSgd.Symbolic;
using static HighDimSgd.Models.Tests.ModelTestSupport;

namespace HighDimSgd.Models.Tests;

/// <summary>
/// The hand-written hard-label cross-entropy of any class count against the model the derivation compiles at run time
/// from the same preset (an independent emission of the same formula).
/// </summary>
public class CrossEntropyHardModelTests
{
    private static Derivation Derive(int classes) =>
        ModelDerivation.Derive(new ModelSpec("ce", 0, classes, null, classes, [],
            [.. Enumerable.Range(1, classes).Select(k => $"r{k}")], ModelDerivation.LossPreset("cross-entropy", classes)));

    private static LossModel? Find(Derivation d) => BuiltInModels.Find(d);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(15)]
    public void TheDerivedPresetFindsTheHandWrittenModel(int classes)
    {
        var found = Find(Derive(classes));
        Assert.IsType<CrossEntropyHardModel>(found);
        Assert.Equal(classes, found.StudentDirections);
    }

    [Fact]
    public void TheHandWrittenModelIsCreatedByName()
    {
        // The compiled-model cache records what a problem resolved to by name.
        Assert.True(BuiltInModels.Contains("cross-entropy-hard-15"));
        Assert.Equal(15, BuiltInModels.Create("cross-entropy-hard-15").StudentDirections);
        Assert.IsNotType<CrossEntropyHardModel>(BuiltInModels.Create("cross-entropy-hard-3"));
        Assert.False(BuiltInModels.Contains("cross-entropy-hard-1"));
        Assert.False(BuiltInModels.Contains("cross-entropy-hard-+4"));
    }

    [Fact]
    public void AGeneratedCardComesFirstAndOtherFormulasAreNotMatched()
    {
        Assert.Equal("cross-entropy-hard-3", Find(Derive(3))!.Name);
        Assert.IsNotType<CrossEntropyHardModel>(Find(Derive(3)));
        // Same formula with a teacher direction, or another formula: not this model.
        Assert.Null(CrossEntropyHardModel.Find(CrossEntropyHardModel.FormulaFor(4), 4, 1, 0, 4));
        Assert.Null(CrossEntropyHardModel.Find(CrossEntropyHardModel.FormulaFor(4).Replace("r4*y4", "2*r4*y4"), 4, 0, 0, 4));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(15)]
    public void LossGradientAndBatchEqualTheCompiledModel(int classes)
    {
        var compiled = RuntimeModelCompiler.Compile(Derive(classes));
        var model = new CrossEntropyHardModel(classes);
        var rng = new Random(classes);
        // 11 points: two full vectors and a tail of three; preactivations up to +-40 so that exponentials underflow.
        const int count = 11;
        var state = new double[classes * count];
        var labels = new double[classes];
        labels[rng.Next(classes)] = 1;
        for (var k = 0; k < state.Length; k++) state[k] = 40 * (rng.NextDouble() - 0.5) * (k % 3 == 0 ? 1 : 0.1);
        var losses = new double[count];
        var gradients = new double[classes * count];
        model.LossAndGradientBatch(count, state, [], labels, losses, gradients);
        var r = new double[classes];
        var expected = new double[classes];
        var single = new double[classes];
        for (var p = 0; p < count; p++)
        {
            for (var k = 0; k < classes; k++) r[k] = state[k * count + p];
            var f = compiled.LossAndGradient(r, [], [], labels, expected);
            Assert.Equal(f, model.LossAndGradient(r, [], [], labels, single), 1e-13 * (1 + Math.Abs(f)));
            Assert.Equal(f, model.Loss(r, [], [], labels), 1e-13 * (1 + Math.Abs(f)));
            Assert.Equal(f, losses[p], 1e-13 * (1 + Math.Abs(f)));
            for (var k = 0; k < classes; k++)
            {
                Assert.Equal(expected[k], single[k], 1e-15);
                Assert.Equal(expected[k], gradients[k * count + p], 1e-15);
            }
        }
    }

    [Fact]
    public void LatticeMomentsEqualThoseOfTheCompiledModel()
    {
        // The vectorised batch inside the 15-dimensional lattice rule against the compiled model's point-by-point default.
        const int classes = 15;
        var rng = new Random(3);
        var covariance = RandomCovariance(classes, rng);
        var mean = Enumerable.Range(0, classes).Select(_ => Normal(rng)).ToArray();
        var labels = new double[classes];
        labels[5] = 1;
        var fast = new GaussianMoments(classes, 0);
        new LatticeGaussianRule(new CrossEntropyHardModel(classes)).Compute(mean, covariance, labels, fast);
        var reference = new GaussianMoments(classes, 0);
        new LatticeGaussianRule(RuntimeModelCompiler.Compile(Derive(classes))).Compute(mean, covariance, labels, reference);
        Assert.Equal(reference.Loss, fast.Loss, 1e-12);
        for (var k = 0; k < classes; k++) Assert.Equal(reference.Gradient[k], fast.Gradient[k], 1e-13);
        for (var k = 0; k < classes * classes; k++)
        {
            Assert.Equal(reference.Fisher[k], fast.Fisher[k], 1e-13);
            Assert.Equal(reference.GradientCross[k], fast.GradientCross[k], 1e-13);
        }
    }
}
