using HighDimSgd.Core.Dynamics;
using HighDimSgd.Core.Tests.Expectations;
using MathNet.Numerics.LinearAlgebra;

namespace HighDimSgd.Core.Tests.Dynamics;

/// <summary>
/// The dense form (theory.md section 10) against the per-direction form where both are exact: class covariances that
/// commute. The dense side is given them rotated by a random orthogonal matrix, so it cannot use the shared eigenbasis.
/// </summary>
public class DenseRepresentationTests
{
    private const int D = 24;
    private static readonly string[] Statistics = ["risk", "norm", "mean_overlap", "classification_error"];

    private static (DataClass[] Classes, double[] Init) Diagonal()
    {
        var random = new Random(11);
        double[] Vector(double scale) => [.. Enumerable.Range(0, D).Select(_ => scale * (random.NextDouble() - 0.5))];
        var classes = new DataClass[2];
        for (var c = 0; c < 2; c++)
        {
            var eigenvalues = Enumerable.Range(0, D).Select(_ => 0.2 + 2.8 * random.NextDouble()).ToArray();
            classes[c] = new DataClass(c == 0 ? 0.4 : 0.6, Vector(0.6), eigenvalues, [c == 0 ? 1.0 : 0.0]);
        }
        return (classes, Vector(0.5));
    }

    private static DynamicsSetup Setup(DataClass[] classes, double[] init) =>
        new(new LabelledLogistic(), classes, [], [init], new ConstantSchedule(0.8), [.. Enumerable.Range(0, 11).Select(k => 0.5 * k)]);

    private static readonly SolverOptions Tight = new(RelativeTolerance: 1e-10, AbsoluteTolerance: 1e-13);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DenseEqualsEigenOnCommutingCovariancesInAnyBasis(bool exponential)
    {
        var (classes, init) = Diagonal();
        var eigen = TheorySolver.Solve(Setup(classes, init), Statistics, Tight with { Method = "eigen" });

        var q = Matrix<double>.Build.Random(D, D, new MathNet.Numerics.Distributions.Normal(0, 1, new MathNet.Numerics.Random.MersenneTwister(5))).QR().Q;
        double[] Rotate(double[] v) => [.. (q * Vector<double>.Build.DenseOfArray(v)).ToArray()];
        var rotated = classes.Select(c =>
        {
            var k = q * Matrix<double>.Build.DiagonalOfDiagonalArray(c.Eigenvalues) * q.Transpose();
            var full = new double[D * D];
            for (var i = 0; i < D; i++)
                for (var j = 0; j < D; j++) full[i * D + j] = k[i, j];
            return c with { Mean = Rotate(c.Mean), Eigenvalues = [.. Enumerable.Range(0, D).Select(i => k[i, i])], Covariance = full };
        }).ToArray();
        var dense = TheorySolver.Solve(Setup(rotated, Rotate(init)), Statistics, Tight with { Method = "dense", Stiff = exponential });

        Assert.Equal("dense", dense.Method);
        Assert.Equal(exponential ? TheorySolver.Exponential : TheorySolver.DormandPrince, dense.Integrator);
        Assert.Equal(eigen.Times.Length, dense.Times.Length);
        foreach (var column in eigen.Columns)
        {
            var expected = eigen.Column(column);
            var actual = dense.Column(column);
            for (var k = 0; k < expected.Length; k++)
                Assert.True(Math.Abs(actual[k] - expected[k]) <= 1e-7 * (1 + Math.Abs(expected[k])),
                    $"{column} at t = {eigen.Times[k]}: dense {actual[k]:R}, eigen {expected[k]:R}");
        }
    }

    [Fact]
    public void DiagonalRatesAreTheDiagonalOfTheLinearDriftAtFixedCoefficients()
    {
        // Non-commuting full covariances, two rows (student and teacher), random coefficients: with the drift terms held
        // fixed the derivative is affine in the state, so a symmetric unit perturbation of entry I reads column I of
        // the linear part exactly; its own component is the rate the exponential integrator treats exactly.
        var random = new Random(4);
        const int d = 6;
        double[] Vector() => [.. Enumerable.Range(0, d).Select(_ => random.NextDouble() - 0.5)];
        var classes = Enumerable.Range(0, 2).Select(c =>
        {
            var g = Matrix<double>.Build.Dense(d, d, (_, _) => random.NextDouble() - 0.5);
            var k = g * g.Transpose() + Matrix<double>.Build.DenseIdentity(d);
            var full = new double[d * d];
            for (var i = 0; i < d; i++)
                for (var j = 0; j < d; j++) full[i * d + j] = k[i, j];
            return new DataClass(0.5, Vector(), [.. Enumerable.Range(0, d).Select(i => k[i, i])], []) { Covariance = full };
        }).ToArray();
        var setup = new DynamicsSetup(new SumLeastSquares(1, 1, 0.3), classes, [Vector()], [Vector()], new ConstantSchedule(0.7), [0, 1]);
        var dense = new DenseRepresentation(setup);
        var drift = new DriftTerms(2, 2);
        for (var c = 0; c < 2; c++)
        {
            for (var k = 0; k < 4; k++)
            {
                drift.Jacobians[c][k] = random.NextDouble();
                drift.Fishers[c][k] = random.NextDouble();
            }
            for (var a = 0; a < 2; a++) drift.Gradients[c][a] = random.NextDouble() - 0.5;
        }
        const double rate = 0.7;
        var state = new double[dense.Dimension];
        dense.InitialState(state);
        var rates = new double[dense.Dimension];
        dense.DiagonalRates(drift, rate, rates);
        var baseline = new double[dense.Dimension];
        dense.Derivative(state, drift, rate, baseline);
        var n = 2 * d;
        var perturbed = new double[dense.Dimension];
        void Check(int entry, int mirror)
        {
            var moved = (double[])state.Clone();
            moved[entry] += 1;
            if (mirror != entry) moved[mirror] += 1;
            dense.Derivative(moved, drift, rate, perturbed);
            var column = perturbed[entry] - baseline[entry];
            Assert.True(Math.Abs(column - rates[entry]) <= 1e-12 * (1 + Math.Abs(column)), $"entry {entry}: rate {rates[entry]:R}, linear part {column:R}");
        }
        for (var i = 0; i < n; i++) Check(i, i);
        foreach (var (i, j) in new[] { (0, 0), (1, 4), (3, 9), (7, 7), (11, 2) })
            Check(n + i * n + j, n + j * n + i);
    }

    [Fact]
    public void DenseCarriesTheSquaredKernelThatLineSearchReads()
    {
        var random = new Random(2);
        double[] Vector() => [.. Enumerable.Range(0, D).Select(_ => random.NextDouble() - 0.5)];
        var eigenvalues = Enumerable.Range(0, D).Select(_ => 0.2 + 2.8 * random.NextDouble()).ToArray();
        var setup = new DynamicsSetup(new SumLeastSquares(1, 1, 0.3), [DataClass.CenteredGaussian(eigenvalues)], [Vector()], [Vector()],
            new LineSearchSchedule(1.0), [.. Enumerable.Range(0, 6).Select(k => 0.5 * k)]);
        var eigen = TheorySolver.Solve(setup, ["risk", "lr"], Tight with { Method = "eigen" });
        var dense = TheorySolver.Solve(setup, ["risk", "lr"], Tight with { Method = "dense" });
        foreach (var column in new[] { "risk", "lr" })
            for (var k = 0; k < eigen.Times.Length; k++)
                Assert.True(Math.Abs(dense.Column(column)[k] - eigen.Column(column)[k]) <= 1e-7 * (1 + Math.Abs(eigen.Column(column)[k])),
                    $"{column} at t = {eigen.Times[k]}: dense {dense.Column(column)[k]:R}, eigen {eigen.Column(column)[k]:R}");
        Assert.All(dense.Column("lr"), rate => Assert.True(double.IsFinite(rate) && rate > 0));
    }

    [Fact]
    public void AStateTooLargeForMemoryIsRefusedWithTheReason()
    {
        var big = new DataClass(1.0, new double[20000], [.. Enumerable.Repeat(1.0, 20000)], []);
        var setup = new DynamicsSetup(new SumLeastSquares(1, 1, 0.3), [big], [new double[20000]], [new double[20000]],
            new ConstantSchedule(0.5), [0, 1]);
        Assert.Contains("GiB per state", DenseRepresentation.Unaffordable(setup));
        Assert.Throws<ArgumentException>(() => new DenseRepresentation(setup));
    }

    [Fact]
    public void AutoPicksDenseForFullCovariancesAndTheCommutingApproximationAboveTheCostLimit()
    {
        var (classes, init) = Diagonal();
        var full = classes.Select(c => c with { Covariance = DiagonalMatrix(c.Eigenvalues) }).ToArray();
        var (dense, why) = TheorySolver.ChooseRepresentation(Setup(full, init), new SolverOptions());
        Assert.IsType<DenseRepresentation>(dense);
        Assert.StartsWith("auto: dense", why);
        var (eigen, reason) = TheorySolver.ChooseRepresentation(Setup(full, init), new SolverOptions { DenseCostLimit = 10 });
        Assert.IsType<EigenRepresentation>(eigen);
        Assert.Contains("commuting approximation", reason);
    }

    private static double[] DiagonalMatrix(double[] values)
    {
        var m = new double[values.Length * values.Length];
        for (var i = 0; i < values.Length; i++) m[i * values.Length + i] = values[i];
        return m;
    }
}
