using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;

namespace HighDimSgd.Core.Tests.Problems;

public sealed class ExampleFilesTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in ProblemTestFiles.ExampleFiles())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void There_is_an_example_for_every_built_in_model()
    {
        var names = ProblemTestFiles.ExampleFiles().Select(Path.GetFileNameWithoutExtension).ToHashSet();
        string[] expected = ["least-squares", "logistic", "phase-retrieval", "smooth-phase-retrieval", "erf-committee", "softmax-3", "two-class-mixture"];
        Assert.All(expected, name => Assert.Contains(name, names));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_example_parses_and_materializes(string fileName)
    {
        var path = Path.Combine(ProblemTestFiles.RepositoryRoot(), "examples", fileName);
        var problem = ProblemLoader.Load(path);
        var realization = ProblemRealization.Materialize(problem);

        Assert.Equal(problem.Data.Dimension, realization.Dimension);
        Assert.InRange(problem.Data.Dimension, 500, 1000);
        Assert.InRange(problem.Optimizer.Horizon, 10, 20);
        Assert.Equal(problem.Student.Directions, realization.StudentInit.Length);
        Assert.Equal(problem.Teacher?.Directions ?? 0, realization.Teacher.Length);
        Assert.All(realization.StudentInit.Concat(realization.Teacher), row => Assert.Equal(realization.Dimension, row.Length));
        Assert.Equal(1.0, realization.Classes.Sum(c => c.Probability), 12);
        Assert.All(realization.Classes, c => Assert.All(c.Eigenvalues, lambda => Assert.True(lambda >= 0 && double.IsFinite(lambda))));
    }

    [Fact]
    public void Phase_retrieval_warm_start_has_exactly_the_declared_overlap()
    {
        var problem = ProblemLoader.Load(Path.Combine(ProblemTestFiles.RepositoryRoot(), "examples", "phase-retrieval.toml"));
        var realization = ProblemRealization.Materialize(problem);
        var teacher = realization.Teacher[0];
        var student = realization.StudentInit[0];

        Assert.Equal(0.3, Dot(student, teacher), 12);
        Assert.Equal(0.3 * 0.3 + 0.95 * 0.95, Dot(student, student), 12);
    }

    [Fact]
    public void Two_class_example_puts_opposite_means_where_both_variances_vanish()
    {
        var problem = ProblemLoader.Load(Path.Combine(ProblemTestFiles.RepositoryRoot(), "examples", "two-class-mixture.toml"));
        var classes = ProblemRealization.Materialize(problem).Classes;

        Assert.Equal([1.0], classes[0].HardLabel!);
        Assert.Equal([0.0], classes[1].HardLabel!);
        for (var i = 0; i < 1000; i++)
        {
            var inBlock00 = i < 250;
            Assert.Equal(inBlock00, classes[0].Eigenvalues[i] + classes[1].Eigenvalues[i] == 0);
            Assert.Equal(inBlock00 ? 1 / Math.Sqrt(250) : 0.0, classes[0].Mean[i], 14);
            Assert.Equal(-classes[0].Mean[i], classes[1].Mean[i], 14);
        }
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();
}
