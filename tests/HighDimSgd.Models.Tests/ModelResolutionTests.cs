using HighDimSgd.Core.Models;
using HighDimSgd.Models.Generated;
using HighDimSgd.Symbolic;
using static HighDimSgd.Models.Tests.ModelTestSupport;

namespace HighDimSgd.Models.Tests;

/// <summary>Which formulas use a built-in class (with parameters), and the on-disk cache of the others.</summary>
public sealed class ModelResolutionTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"hdsgd-model-cache-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private static ModelSpec Spec(string teacher, string loss, string student = "r") =>
        new("problem", 1, 1, null, 0, [teacher], [student], loss);

    [Theory]
    [InlineData("rstar + 1.0*eps", "(g - y)^2/2", typeof(LeastSquaresModel), 1.0)]
    [InlineData("rstar - 2*eps", "(g - y)^2/2", typeof(LeastSquaresModel), -2.0)]
    [InlineData("step(rstar + 0.7*eps)", "softplus(g) - y*g", typeof(LogisticModel), 0.7)]
    [InlineData("step(rstar + 0.3*eps)", "log(1 + exp(g)) - y*g", typeof(LogisticModel), 0.3)]
    [InlineData("step(rstar + 0.3*eps)", "log(exp(g) + 1) - y*g", typeof(LogisticModel), 0.3)]
    public void A_card_formula_with_another_constant_uses_the_built_in_class_and_computes_what_Roslyn_compiles(
        string teacher, string loss, Type expected, double parameter)
    {
        var spec = Spec(teacher, loss);
        var builtIn = BuiltInModels.Find(ModelDerivation.Derive(spec));
        Assert.NotNull(builtIn);
        Assert.IsType(expected, builtIn);
        Assert.Equal([parameter], builtIn.Parameters);

        // The other path: the problem's own formulas, derived with the number in place and compiled.
        var compiled = RuntimeModelCompiler.Compile(ModelDerivation.Derive(spec), new CompiledModelCache(null));
        Assert.Null(BuiltInModels.Find(ModelDerivation.Derive(Spec(teacher, loss + " + 0.1*g^2"))));
        var rng = new Random(5);
        var g1 = new double[1];
        var g2 = new double[1];
        for (int trial = 0; trial < 30; trial++)
        {
            var (r, rstar, eps, y) = Sample(builtIn, rng);
            Close(compiled.LossAndGradient(r, rstar, eps, y, g2), builtIn.LossAndGradient(r, rstar, eps, y, g1));
            Close(g2[0], g1[0]);
        }

        Assert.Equal(compiled.AveragedNoise, builtIn.AveragedNoise);
        if (builtIn.AveragedNoise.Count > 0)
        {
            var f1 = new double[1];
            var f2 = new double[1];
            Close(compiled.AveragedMoments([0.4], [-0.8], [0], [], g2, f2), builtIn.AveragedMoments([0.4], [-0.8], [0], [], g1, f1));
            Close(g2[0], g1[0]);
            Close(f2[0], f1[0]);
        }

        Assert.Equal(compiled.HasClosedFormLoss, builtIn.HasClosedFormLoss);
        if (builtIn.HasClosedFormLoss)
        {
            var b = RandomCovariance(builtIn.StateDimension, rng);
            Close(compiled.ExpectedLoss(b), builtIn.ExpectedLoss(b));
        }
    }

    private static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-13 * (1 + Math.Abs(expected)), $"{actual} vs {expected}");

    [Fact]
    public void The_softplus_form_is_finite_for_a_large_preactivation_on_both_paths()
    {
        var spec = Spec("step(rstar + 0.3*eps)", "log(1 + exp(g)) - y*g");
        var builtIn = BuiltInModels.Find(ModelDerivation.Derive(spec))!;
        // A loss the built-in does not have, so that the literal expression is emitted and compiled.
        var compiled = RuntimeModelCompiler.Compile(ModelDerivation.Derive(Spec("step(rstar + 0.3*eps)", "log(1 + exp(g)) - y*g + 0.01*g^2")),
            new CompiledModelCache(null));
        var gradient = new double[1];
        Assert.Equal(800.0, builtIn.LossAndGradient([800.0], [-1.0], [0.0], [], gradient), 9);
        Assert.Equal(1.0, gradient[0], 12);
        Assert.Equal(800.0 + 0.01 * 800 * 800, compiled.LossAndGradient([800.0], [-1.0], [0.0], [], gradient), 9);
        Assert.Equal(1.0 + 0.02 * 800, gradient[0], 9);
    }

    [Fact]
    public void A_second_cache_on_the_same_folder_compiles_nothing()
    {
        var spec = Spec("rstar + 0.5*eps", "(g - y)^2/2 + 0.1*g^2");
        var first = new CompiledModelCache(folder);
        var model = RuntimeModelCompiler.Resolve(spec, first);
        Assert.Equal(1, first.Compilations);
        Assert.Equal(0.5 * 0.25 + 0.1, model.Loss([1.0], [0.5], [0.0], []), 14);

        // A fresh cache reads what the first wrote, as a new process does: by spec, and by source.
        var second = new CompiledModelCache(folder);
        var again = RuntimeModelCompiler.Resolve(spec, second);
        var bySource = RuntimeModelCompiler.Compile(ModelDerivation.Derive(spec), new CompiledModelCache(folder));
        Assert.Equal(0, second.Compilations);
        Assert.Equal(model.Loss([1.0], [0.5], [0.0], []), again.Loss([1.0], [0.5], [0.0], []));
        Assert.Equal(model.Loss([1.0], [0.5], [0.0], []), bySource.Loss([1.0], [0.5], [0.0], []));
    }

    [Fact]
    public void A_resolution_to_a_built_in_model_is_remembered_with_its_parameters()
    {
        var spec = Spec("rstar + 1.5*eps", "(g - y)^2/2");
        var first = RuntimeModelCompiler.Resolve(spec, new CompiledModelCache(folder));
        var second = RuntimeModelCompiler.Resolve(spec, new CompiledModelCache(folder));
        Assert.IsType<LeastSquaresModel>(first);
        Assert.IsType<LeastSquaresModel>(second);
        Assert.Equal([1.5], second.Parameters);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("foreign")]
    public void A_damaged_or_foreign_cache_file_is_compiled_again_and_replaced(string damage)
    {
        var spec = Spec("rstar + 0.5*eps", "(g - y)^4");
        var other = Spec("rstar + 0.5*eps", "(g - y)^6");
        RuntimeModelCompiler.Resolve(spec, new CompiledModelCache(folder));
        var files = Directory.GetFiles(folder);
        var model = Assert.Single(files, f => f.EndsWith(".model", StringComparison.Ordinal));
        switch (damage)
        {
            case "garbage":
                foreach (var file in files) File.WriteAllText(file, "not a cache file");
                break;
            case "truncated":
                foreach (var file in files) File.WriteAllBytes(file, File.ReadAllBytes(file)[..^7]);
                break;
            default:
                // Another model's whole, valid file under this model's name.
                var elsewhere = Path.Combine(folder, "elsewhere");
                RuntimeModelCompiler.Resolve(other, new CompiledModelCache(elsewhere));
                File.Copy(Directory.GetFiles(elsewhere, "*.model").Single(), model, overwrite: true);
                File.Delete(files.Single(f => f.EndsWith(".spec", StringComparison.Ordinal)));
                break;
        }

        var rebuilding = new CompiledModelCache(folder);
        Assert.Equal(Math.Pow(0.5, 4), RuntimeModelCompiler.Resolve(spec, rebuilding).Loss([1.5], [1.0], [0.0], []), 14);
        Assert.Equal(1, rebuilding.Compilations);
        var reading = new CompiledModelCache(folder);
        Assert.Equal(Math.Pow(0.5, 4), RuntimeModelCompiler.Resolve(spec, reading).Loss([1.5], [1.0], [0.0], []), 14);
        Assert.Equal(0, reading.Compilations);
    }

    [Fact]
    public void An_unwritable_cache_folder_only_costs_a_compilation()
    {
        File.WriteAllText(folder, "a file where the folder should be");
        try
        {
            var cache = new CompiledModelCache(Path.Combine(folder, "models"));
            var model = RuntimeModelCompiler.Resolve(Spec("rstar + 0.5*eps", "(g - y)^2/2 + 0.3*g^2"), cache);
            Assert.Equal(0.5 * 0.25 + 0.3, model.Loss([1.0], [0.5], [0.0], []), 14);
            Assert.Equal(1, cache.Compilations);
        }
        finally
        {
            File.Delete(folder);
        }
    }
}
