using HighDimSgd.Core.Models;
using HighDimSgd.Symbolic;
using static HighDimSgd.Models.Tests.ModelTestSupport;

namespace HighDimSgd.Models.Tests;

/// <summary>
/// Models compiled at run time from user formulas (not the cards): LossAndGradient's gradient against central finite
/// differences of Loss, and AveragedMoments against an independent integral of the unaveraged loss over the noise.
/// </summary>
public class RuntimeModelFiniteDifferenceTests
{
    private const double H = 1e-5;

    // Central differences at h = 1e-5 have a truncation error of about h^2 |f'''| / 6 ~ 2e-11 and a rounding error of about
    // 1e-16 |f| / h ~ 1e-11 for the O(1) values here, so 1e-6 relative plus absolute leaves a wide margin and still
    // catches any wrong term of the gradient.
    private const double Tolerance = 1e-6;

    /// <summary>User formulas, each smooth in r (the teacher is never differentiated): every point is checked.</summary>
    public static TheoryData<string> Formulas => new(Specs.Keys.Order(StringComparer.Ordinal));

    private static readonly Dictionary<string, ModelSpec> Specs = new()
    {
        ["tanh"] = new("user tanh", 1, 1, null, 0, ["tanh(rstar) + 0.3*eps"], ["tanh(2*r)"], "(g - y)^2/2"),
        ["erf"] = new("user erf", 2, 2, null, 0, ["erf(rstar1) - 0.5*erf(rstar2)"], ["erf(r1/sqrt(2)) + 0.7*erf(r2 - 0.2)"],
            "(g - y)^2/2 + 0.05*g^4"),
        ["softplus-noisy"] = new("user softplus", 1, 2, null, 0, ["step(rstar + 0.4*eps)"], ["r1 + 0.3*tanh(r2)"], "softplus(g) - y*g"),
        ["logsumexp"] = new("user logsumexp", 3, 3, null, 0,
            ["softmax(1, rstar1, rstar2, rstar3 + eps)", "softmax(2, rstar1, rstar2, rstar3 + eps)", "softmax(3, rstar1, rstar2, rstar3 + eps)"],
            ["r1", "2*r2 - r1", "r3 + r1/2"], "logsumexp(g1, g2, g3) - (y1*g1 + y2*g2 + y3*g3)"),
        ["power"] = new("user power", 1, 1, null, 0, ["rstar + 0.5*eps"], ["r + 0.1*r^3"], "(1 + (g - y)^2)^1.5 + pow(1 + g^2, -0.5)"),
        ["two-binary-noisy"] = new("user two noisy", 2, 2, null, 0, ["sign(rstar1 + 0.5*eps1)", "step(rstar2 - 0.3*eps2)"],
            ["tanh(r1)", "sigmoid(r2 + r1)"], "(g1 - y1)^2/2 + softplus(-g2)*y2 + softplus(g2)*(1 - y2)"),
        ["log-sqrt"] = new("user log sqrt", 1, 1, null, 0, ["rstar"], ["r"], "log(1 + (g - y)^2) + sqrt(1 + g^2)"),
    };

    /// <summary>The noise variables (0-based) each noisy binary teacher must have averaged out.</summary>
    public static TheoryData<string, int[]> Averaged => new()
    {
        { "softplus-noisy", [0] },
        { "two-binary-noisy", [0, 1] },
    };

    private static LossModel Compile(string key) =>
        RuntimeModelCompiler.Compile(ModelDerivation.Derive(Specs[key]), new CompiledModelCache(null));

    /// <summary>The central difference of f in coordinate i of r.</summary>
    private static double Difference(Func<double[], double> f, double[] r, int i)
    {
        var plus = (double[])r.Clone();
        var minus = (double[])r.Clone();
        plus[i] += H;
        minus[i] -= H;
        return (f(plus) - f(minus)) / (2 * H);
    }

    private static void AssertClose(double exact, double fd, string what)
    {
        Assert.True(double.IsFinite(exact) && Math.Abs(exact - fd) <= Tolerance * (1 + Math.Abs(fd)),
            $"{what}: {exact:R} vs finite difference {fd:R}");
    }

    [Theory]
    [MemberData(nameof(Formulas))]
    public void LossAndGradient_of_a_compiled_user_formula_matches_central_differences_of_Loss(string key)
    {
        var model = Compile(key);
        var rng = new Random(key.Length * 104729 + key[0]);
        var gradient = new double[model.StudentDirections];
        for (int trial = 0; trial < 40; trial++)
        {
            var (r, rstar, eps, y) = Sample(model, rng);
            double loss = model.LossAndGradient(r, rstar, eps, y, gradient);
            Assert.True(double.IsFinite(loss), $"{key}: loss {loss} at r = [{string.Join(", ", r)}]");
            Assert.Equal(model.Loss(r, rstar, eps, y), loss, 12);
            for (int i = 0; i < r.Length; i++)
            {
                double fd = Difference(x => model.Loss(x, rstar, eps, y), r, i);
                AssertClose(gradient[i], fd, $"{key} d/dr{i + 1} at r = [{string.Join(", ", r)}], rstar = [{string.Join(", ", rstar)}], eps = [{string.Join(", ", eps)}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Averaged))]
    public void AveragedMoments_of_a_noisy_teacher_match_the_integral_of_the_unaveraged_loss_over_the_noise(string key, int[] averaged)
    {
        var model = Compile(key);
        Assert.Equal(averaged, model.AveragedNoise);
        int l = model.StudentDirections;
        var rng = new Random(key.Length * 7919 + key[0]);
        // Midpoint rule in probability: eps = Phi^-1((i + 1/2) / n) per averaged variable, weight 1/n each. Given the rest, the
        // unaveraged integrand is piecewise constant in each averaged eps (its teacher output is binary and monotone in it),
        // so only the cells holding a jump are in error, each by at most the integrand's range times its weight: the whole
        // rule is within (averaged variables) * range / n of the expectation. The range is taken over the nodes and
        // +-1e6 (weight 0), so that a jump in an outermost cell, beyond every node, counts too.
        int n = averaged.Length == 1 ? 100_000 : 1000;
        var nodes = Enumerable.Range(0, n).Select(i => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, (i + 0.5) / n))
            .Prepend(-1e6).Append(1e6).ToArray();
        int size = n + 2;
        var gradient = new double[l];
        var fisher = new double[l * l];
        var g = new double[l];
        for (int trial = 0; trial < 4; trial++)
        {
            var (r, rstar, eps, y) = Sample(model, rng);
            double averagedLoss = model.AveragedMoments(r, rstar, eps, y, gradient, fisher);

            int m = 1 + l + l * l; // loss, gradient, outer product
            var sum = new double[m];
            var min = Enumerable.Repeat(double.PositiveInfinity, m).ToArray();
            var max = Enumerable.Repeat(double.NegativeInfinity, m).ToArray();
            var e = (double[])eps.Clone();
            var index = new int[averaged.Length];
            long cells = 1;
            foreach (var _ in averaged)
            {
                cells *= size;
            }

            var values = new double[m];
            for (long cell = 0; cell < cells; cell++)
            {
                long rest = cell;
                bool interior = true;
                for (int k = 0; k < averaged.Length; k++)
                {
                    index[k] = (int)(rest % size);
                    rest /= size;
                    e[averaged[k]] = nodes[index[k]];
                    interior &= index[k] > 0 && index[k] <= n;
                }

                values[0] = model.LossAndGradient(r, rstar, e, y, g);
                for (int i = 0; i < l; i++)
                {
                    values[1 + i] = g[i];
                    for (int j = 0; j < l; j++)
                    {
                        values[1 + l + i * l + j] = g[i] * g[j];
                    }
                }

                for (int c = 0; c < m; c++)
                {
                    sum[c] += interior ? values[c] : 0.0;
                    min[c] = Math.Min(min[c], values[c]);
                    max[c] = Math.Max(max[c], values[c]);
                }
            }

            var exact = new double[m];
            exact[0] = averagedLoss;
            gradient.CopyTo(exact, 1);
            fisher.CopyTo(exact, 1 + l);
            for (int c = 0; c < m; c++)
            {
                double reference = sum[c] / Math.Pow(n, averaged.Length);
                double bound = averaged.Length * (max[c] - min[c]) / n + 1e-12 * (1 + Math.Abs(reference));
                string what = c == 0 ? "loss" : c <= l ? $"gradient[{c - 1}]" : $"fisher[{(c - 1 - l) / l},{(c - 1 - l) % l}]";
                Assert.True(Math.Abs(exact[c] - reference) <= bound,
                    $"{key} averaged {what} at r = [{string.Join(", ", r)}], rstar = [{string.Join(", ", rstar)}]: {exact[c]:R}, integral {reference:R} (bound {bound:G3})");
            }

            // The averaged loss is smooth in r: its gradient is the averaged gradient.
            for (int i = 0; i < l; i++)
            {
                double fd = Difference(x => model.AveragedMoments(x, rstar, eps, y, new double[l], new double[l * l]), r, i);
                AssertClose(gradient[i], fd, $"{key} averaged d/dr{i + 1} at r = [{string.Join(", ", r)}]");
            }
        }
    }
}
