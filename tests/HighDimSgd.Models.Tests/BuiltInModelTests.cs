using HighDimSgd.Core.Models;
using HighDimSgd.Generator;
using HighDimSgd.Symbolic;
using static HighDimSgd.Models.Tests.ModelTestSupport;

namespace HighDimSgd.Models.Tests;

public class BuiltInModelTests
{
    public static TheoryData<string> Names => new(BuiltInModels.Names);

    [Fact]
    public void Checked_in_generated_code_equals_what_the_generator_produces_now()
    {
        var stale = ModelCards.differences(RepositoryRoot());
        Assert.True(stale.Length == 0, "out of date (run dotnet run --project src/HighDimSgd.Generator): " + string.Join(", ", stale));
    }

    [Fact]
    public void Every_card_has_a_registered_model_and_vice_versa()
    {
        var root = RepositoryRoot();
        var cardNames = Directory.GetFiles(ModelCards.cardsDirectory(root), "*.toml")
            .Select(path => ModelCards.readCard(path).Name)
            .Order(StringComparer.Ordinal);
        Assert.Equal(cardNames, BuiltInModels.Names);
        var error = Assert.Throws<KeyNotFoundException>(() => BuiltInModels.Create("no-such-model"));
        Assert.Contains("least-squares", error.Message);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void LossAndGradient_matches_finite_differences_of_Loss(string name)
    {
        var model = BuiltInModels.Create(name);
        Assert.Equal(name, model.Name);
        var rng = new Random(name.Length * 7919);
        var gradient = new double[model.StudentDirections];
        for (int trial = 0; trial < 50; trial++)
        {
            var (r, rstar, eps, y) = Sample(model, rng);
            double loss = model.LossAndGradient(r, rstar, eps, y, gradient);
            Assert.Equal(model.Loss(r, rstar, eps, y), loss, 12);
            for (int i = 0; i < r.Length; i++)
            {
                const double h = 1e-5;
                var plus = (double[])r.Clone();
                var minus = (double[])r.Clone();
                plus[i] += h;
                minus[i] -= h;
                double fd = (model.Loss(plus, rstar, eps, y) - model.Loss(minus, rstar, eps, y)) / (2 * h);
                // Kinks (abs in phase retrieval) are crossed with probability ~1e-5 per trial; tolerate none.
                Assert.True(Math.Abs(fd - gradient[i]) <= 1e-6 * (1 + Math.Abs(fd)), $"{name} d/dr{i + 1}: {gradient[i]} vs finite difference {fd}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Runtime_compiled_model_from_the_card_gives_the_same_numbers(string name)
    {
        var root = RepositoryRoot();
        var card = Directory.GetFiles(ModelCards.cardsDirectory(root), "*.toml")
            .Select(ModelCards.readCard)
            .Single(c => c.Name == name);
        var compiled = RuntimeModelCompiler.Compile(card.Spec);
        var builtIn = BuiltInModels.Create(name);
        Assert.Equal(builtIn.HasClosedFormLoss, compiled.HasClosedFormLoss);
        Assert.Equal(builtIn.HasClosedFormFisher, compiled.HasClosedFormFisher);
        Assert.Equal(builtIn.HasClosedFormGradientCross, compiled.HasClosedFormGradientCross);
        var rng = new Random(17);
        var g1 = new double[builtIn.StudentDirections];
        var g2 = new double[builtIn.StudentDirections];
        for (int trial = 0; trial < 20; trial++)
        {
            var (r, rstar, eps, y) = Sample(builtIn, rng);
            Assert.Equal(builtIn.LossAndGradient(r, rstar, eps, y, g1), compiled.LossAndGradient(r, rstar, eps, y, g2));
            Assert.Equal(g1, g2);
        }

        if (builtIn.HasClosedFormLoss)
        {
            var b = RandomCovariance(builtIn.StateDimension, rng);
            Assert.Equal(builtIn.ExpectedLoss(b), compiled.ExpectedLoss(b));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Loss_alone_integrates_to_the_loss_of_the_full_moments(string name)
    {
        // The risk of simulated runs takes the loss-only path (Loss, or AveragedLoss for averaged noise), the ODE the path
        // through the gradient: the two emitted methods must give one expectation.
        var model = BuiltInModels.Create(name);
        var quadrature = new HighDimSgd.Core.Expectations.GaussianQuadrature(model, new() { ForceQuadrature = true });
        var full = new HighDimSgd.Core.Expectations.GaussianMoments(model.StudentDirections, model.TeacherDirections);
        var lossOnly = new HighDimSgd.Core.Expectations.GaussianMoments(model.StudentDirections, model.TeacherDirections);
        var rng = new Random(31);
        for (var trial = 0; trial < 3; trial++)
        {
            var b = RandomCovariance(model.StateDimension, rng);
            var mean = new double[model.StateDimension];
            var (_, _, _, y) = Sample(model, rng);
            quadrature.Compute(mean, b, y, full);
            quadrature.Compute(mean, b, y, lossOnly, HighDimSgd.Core.Expectations.MomentKinds.Loss);
            Assert.Equal(full.Loss, lossOnly.Loss, 1e-12 * Math.Max(1, Math.Abs(full.Loss)));
        }
    }

    [Fact]
    public void Runtime_compiler_caches_by_source_and_reports_bad_formulas()
    {
        var first = RuntimeModelCompiler.Compile("q", 1, 1, null, 0, ["rstar"], ["r"], "(g - y)^4");
        var second = RuntimeModelCompiler.Compile("q", 1, 1, null, 0, ["rstar"], ["r"], "(g - y)^4");
        Assert.Same(first.GetType(), second.GetType());
        Assert.Equal(Math.Pow(0.5, 4), first.Loss([1.5], [1.0], [], []), 14);
        var error = Assert.Throws<FormulaException>(() => RuntimeModelCompiler.Compile("q", 1, 1, null, 0, ["rstar"], ["r + rstar"], "(g - y)^2"));
        Assert.Equal("student", error.Part);
        Assert.Equal(4, error.Position);
    }

    [Fact]
    public void Stable_numerics_for_extreme_preactivations()
    {
        var logistic = BuiltInModels.Create("logistic");
        var gradient = new double[1];
        double loss = logistic.LossAndGradient([800.0], [1.0], [0.0], [], gradient);
        Assert.Equal(0.0, loss, 12);
        Assert.Equal(0.0, gradient[0], 12);
        Assert.Equal(800.0, logistic.Loss([800.0], [-1.0], [0.0], []), 9);
        var ce = BuiltInModels.Create("cross-entropy-hard-3");
        Assert.Equal(1000.0, ce.Loss([1000.0, 0.0, 0.0], [], [], [0.0, 1.0, 0.0]), 9);
    }
}
