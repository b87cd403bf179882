using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;

namespace HighDimSgd.Core.Tests.Spectra;

public sealed class WeightBuilderTests
{
    private static double[] Build(WeightSpec spec, int d, double[][]? teacher = null) =>
        WeightBuilder.Vector(spec, Ones(d), teacher, ".");

    [Fact]
    public void Zero_constant_and_alternating_have_the_documented_coordinates()
    {
        Assert.Equal(new double[4], Build(new ZeroWeights(), 4));
        Assert.Equal([1.0, 1.0, 1.0, 1.0], Build(new ConstantWeights(2), 4));
        Assert.Equal([-1.0, 1.0, -1.0, 1.0], Build(new AlternatingWeights(2), 4));
    }

    [Theory]
    [InlineData(1000, 1.7320508)]
    [InlineData(999, 0.3)]
    public void Norms_are_exact(int d, double norm)
    {
        WeightSpec[] specs =
        [
            new ConstantWeights(norm), new AlternatingWeights(norm), new GaussianWeights(5, norm),
            new BlockWeights([1, 0, 3], [0.3, 0.3, 0.4], norm),
        ];
        foreach (var spec in specs)
        {
            Assert.Equal(norm, Norm(Build(spec, d)), 13);
        }

        var powerLaw = WeightBuilder.Vector(new PowerLawWeights(1.5, norm), SpectrumBuilder.Eigenvalues(new PowerLawSpectrum(1.2), d, "."), null, ".");
        Assert.Equal(norm, Norm(powerLaw), 13);
    }

    [Fact]
    public void Gaussian_weights_depend_only_on_the_seed()
    {
        var a = Build(new GaussianWeights(7, 1), 500);
        Assert.Equal(a, Build(new GaussianWeights(7, 1), 500));
        var b = Build(new GaussianWeights(8, 1), 500);
        Assert.NotEqual(a, b);

        // Independent unit vectors in d = 500 have overlap ~ N(0, 1/500); 5 standard deviations is 0.22.
        Assert.InRange(Dot(a, b), -0.22, 0.22);
        // Coordinates of a normalised Gaussian vector are ~ N(0, 1/d): their mean square is 1/d exactly and their
        // fourth moment 3/d^2 up to sampling error.
        Assert.InRange(a.Select(x => x * x * x * x).Sum() * 500, 3 - 0.6, 3 + 0.6);
    }

    [Fact]
    public void Power_law_weights_follow_the_eigenvalues()
    {
        var eigenvalues = new[] { 0.25, 1.0, 4.0 };
        var v = WeightBuilder.Vector(new PowerLawWeights(2, 1), eigenvalues, null, ".");
        // Coordinates proportional to lambda^(2/2) = (0.25, 1, 4), norm sqrt(17.0625).
        var n = Math.Sqrt(0.0625 + 1 + 16);
        SpectrumBuilderTests.AssertClose([0.25 / n, 1 / n, 4 / n], v, 14);
    }

    [Fact]
    public void Power_law_weights_with_negative_exponent_need_positive_eigenvalues()
    {
        var spec = new PowerLawWeights(-1, 1) { Location = new SpecLocation("p.toml", "teacher.weights[1]", 9) };
        var error = Assert.Throws<ProblemFileException>(() => WeightBuilder.Vector(spec, [0.0, 1.0], null, "."));
        Assert.Equal("teacher.weights[1].exponent", error.Key);
        Assert.Equal(9, error.Line);
    }

    [Fact]
    public void Mix_sets_exact_overlaps()
    {
        const int d = 1000;
        var teacher = new[] { Build(new ConstantWeights(1), d), Build(new GaussianWeights(3, 2), d) };
        var mix = new MixWeights(
        [
            new MixTerm(1, null, 0.3),
            new MixTerm(2, null, -0.25),
            new MixTerm(null, new AlternatingWeights(1), 0.95),
        ]);

        var student = Build(mix, d, teacher);

        // alternating . constant = 0 exactly for even d, so every overlap is set by the mix weights.
        var alternating = Build(new AlternatingWeights(1), d);
        for (var i = 0; i < d; i++)
        {
            Assert.Equal(0.3 * teacher[0][i] - 0.25 * teacher[1][i] + 0.95 * alternating[i], student[i], 14);
        }

        Assert.Equal(0.3 - 0.25 * Dot(teacher[1], teacher[0]), Dot(student, teacher[0]), 12);
        Assert.Equal(0.0, Dot(alternating, teacher[0]), 14);
    }

    [Fact]
    public void Nested_mix_without_teacher_rows()
    {
        var inner = new MixWeights([new MixTerm(null, new ConstantWeights(1), 2)]);
        var outer = new MixWeights([new MixTerm(null, inner, -0.5)]);
        SpectrumBuilderTests.AssertClose(Build(new ConstantWeights(-1), 9), Build(outer, 9), 14);
    }

    [Fact]
    public void Teacher_reference_without_teacher_rows_is_an_error()
    {
        var mix = new MixWeights([new MixTerm(1, null, 1)]) { Location = new SpecLocation("p.toml", "student.init[1]", 14) };
        var error = Assert.Throws<ProblemFileException>(() => Build(mix, 4));
        Assert.Equal("student.init[1].of[1].teacher", error.Key);
    }

    [Fact]
    public void Block_weights_live_only_in_their_blocks()
    {
        var v = Build(new BlockWeights([0, 1, 0], [0.25, 0.5, 0.25], 2), 8);
        var value = 2 / Math.Sqrt(4);
        Assert.Equal([0, 0, value, value, value, value, 0, 0], v);
    }

    [Fact]
    public void File_weights_are_read_relative_to_the_base_directory()
    {
        var folder = Directory.CreateTempSubdirectory("hdsgd-weights-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "w.csv"), "0.5\n-1.5\n2\n");
            var rows = WeightBuilder.Rows([new FileWeights("w.csv"), new ZeroWeights()], Ones(3), null, folder.FullName);
            Assert.Equal([0.5, -1.5, 2.0], rows[0]);
            Assert.Equal(new double[3], rows[1]);

            var error = Assert.Throws<ProblemFileException>(() => WeightBuilder.Vector(new FileWeights("w.csv"), Ones(4), null, folder.FullName));
            Assert.Contains("has 3 numbers but the dimension is 4", error.Message);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static double[] Ones(int d) => Enumerable.Repeat(1.0, d).ToArray();

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));
}
