using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;
using static HighDimSgd.Core.Tests.Problems.ProblemTestFiles;

namespace HighDimSgd.Core.Tests.Spectra;

public sealed class ProblemRealizationTests
{
    [Fact]
    public void Single_gaussian_is_one_class_with_zero_mean_and_no_hard_label()
    {
        var realization = ProblemRealization.Materialize(Parse(Minimal));

        var single = Assert.Single(realization.Classes);
        Assert.Equal(1.0, single.Probability);
        Assert.Equal(new double[10], single.Mean);
        Assert.Null(single.HardLabel);
        SpectrumBuilderTests.AssertClose(Enumerable.Range(1, 10).Select(i => i / 10.0).ToArray(), single.Eigenvalues);
        Assert.Equal(Enumerable.Repeat(1 / Math.Sqrt(10), 10), realization.Teacher[0]);
        Assert.Equal(new double[10], realization.StudentInit[0]);
    }

    [Fact]
    public void Dimension_override_rebuilds_every_vector_at_the_new_size()
    {
        var realization = ProblemRealization.Materialize(Parse(Minimal), dimensionOverride: 40);
        Assert.Equal(40, realization.Dimension);
        Assert.Equal(40, realization.Classes[0].Eigenvalues.Length);
        Assert.Equal(40, realization.Teacher[0].Length);
        Assert.Equal(1.0, realization.Teacher[0].Sum(x => x * x), 13);
    }

    [Fact]
    public void One_hot_labels_are_unit_vectors_in_file_order()
    {
        var problem = Parse("""
            [data]
            dimension = 6
            spectrum = { kind = "identity" }
            classes = [
              { probability = 0.2, label = "one-hot", mean = { kind = "constant" } },
              { probability = 0.3, label = "one-hot", spectrum = { kind = "blocks", values = [0, 2], fractions = [0.5, 0.5] } },
              { probability = 0.5, label = "one-hot", mean = { kind = "alternating", norm = 3 } },
            ]

            [student]
            directions = 3
            init = [ { kind = "zero" }, { kind = "power-law", exponent = 2 }, { kind = "zero" } ]
            output = ["r1", "r2", "r3"]

            [loss]
            preset = "cross-entropy"

            [optimizer]
            learning-rate = 1
            horizon = 1
            """);

        var realization = ProblemRealization.Materialize(problem);

        Assert.Empty(realization.Teacher);
        Assert.Equal([1.0, 0, 0], realization.Classes[0].HardLabel!);
        Assert.Equal([0.0, 1, 0], realization.Classes[1].HardLabel!);
        Assert.Equal([0.0, 0, 1], realization.Classes[2].HardLabel!);
        Assert.Equal([0.0, 0, 0, 2, 2, 2], realization.Classes[1].Eigenvalues);
        Assert.Equal(3.0, Math.Sqrt(realization.Classes[2].Mean.Sum(x => x * x)), 13);

        // Student power-law weights follow the probability-weighted spectrum 0.7 * 1 + 0.3 * (0 or 2) = (0.7, 0.7, 0.7, 1.3, 1.3, 1.3).
        var row = realization.StudentInit[1];
        Assert.Equal(1.3 / 0.7, row[3] / row[0], 12);
    }

    [Fact]
    public void Class_mean_may_refer_to_the_teacher()
    {
        var problem = Parse(Minimal.Replace(
            "spectrum = { kind = \"power-law\", exponent = 1.0 }",
            "spectrum = { kind = \"identity\" }\nclasses = [ { probability = 0.5, mean = { kind = \"mix\", of = [ { teacher = 1, weight = 2 } ] } }, { probability = 0.5 } ]"));

        var realization = ProblemRealization.Materialize(problem);

        Assert.Equal(realization.Teacher[0].Select(x => 2 * x), realization.Classes[0].Mean);
        Assert.All(realization.Classes, c => Assert.Null(c.HardLabel));
    }
}
