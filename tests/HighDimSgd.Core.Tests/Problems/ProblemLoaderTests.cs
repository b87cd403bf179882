using HighDimSgd.Core.Problems;
using static HighDimSgd.Core.Tests.Problems.ProblemTestFiles;

namespace HighDimSgd.Core.Tests.Problems;

public sealed class ProblemLoaderTests
{
    [Fact]
    public void Minimal_problem_gets_the_documented_defaults()
    {
        var problem = Parse(Minimal);

        Assert.Equal("minimal", problem.Title);
        Assert.Equal(10, problem.Data.Dimension);
        Assert.Equal(new PowerLawSpectrum(1.0) { Location = problem.Data.Spectrum!.Location }, problem.Data.Spectrum);
        Assert.Empty(problem.Data.Classes);
        Assert.Equal(SpectrumNormalization.None, problem.Data.Spectrum.Normalize);
        Assert.Equal(1.0, problem.Data.Spectrum.Scale);

        Assert.Equal(LearningRateSchedule.Constant, problem.Optimizer.Schedule);
        Assert.Equal(1.0, problem.Optimizer.B0);
        Assert.Equal(1.0, problem.Optimizer.Decay);
        Assert.Null(problem.Optimizer.RateFormula);

        Assert.Equal(200, problem.Output.Checkpoints);
        Assert.Equal(TimeSpacing.Linear, problem.Output.Spacing);
        Assert.Equal(["risk"], problem.Output.Statistics);
        Assert.Empty(problem.Output.Blocks);
        Assert.Equal(SolverSpec.Default, problem.Solver);
        Assert.Equal(new SimulationSpec(20, 1), problem.Simulation);
        Assert.Equal(new LossSpec(null, "least-squares"), problem.Loss);
        Assert.Equal(["rstar"], problem.Teacher!.Outputs);
    }

    [Fact]
    public void Title_defaults_to_the_file_name()
    {
        var problem = Parse(Replace("title = \"minimal\"", ""), "some/dir/my-problem.toml");
        Assert.Equal("my-problem", problem.Title);
    }

    [Fact]
    public void Every_section_and_key_is_read()
    {
        var problem = Parse("""
            [data]
            dimension = 8
            spectrum = { kind = "sigma-power", q = 0.75, lo = 0.5, hi = 2, normalize = "mean", scale = 3 }

            [teacher]
            directions = 2
            weights = [ { kind = "gaussian", seed = 4, norm = 2 }, { kind = "power-law", exponent = -0.5 } ]
            output = ["rstar1 + eps", "rstar2"]

            [student]
            directions = 1
            init = [ { kind = "mix", of = [ { teacher = 2, weight = -0.5 }, { vector = { kind = "alternating" }, weight = 1 } ] } ]
            output = "r"

            [loss]
            expression = "(g - y1)^2/2"

            [optimizer]
            learning-rate = 0.7
            schedule = "rmsprop-norm"
            b0 = 0.5
            decay = 2.5
            horizon = 12

            [output]
            checkpoints = 50
            spacing = "log"
            log-start = 0.02
            statistics = ["risk", "lr", "norm:head"]
            blocks = { head = [0, 0.5], rest = [0.5, 1] }

            [solver]
            method = "contour"
            rtol = 1e-9
            atol = 1e-12
            quadrature-order = 24
            quadrature-order-3d = 30
            quadrature-order-4d = 12
            contour-nodes = 64
            stiff = true

            [simulation]
            runs = 7
            seed = 99
            """);

        var spectrum = Assert.IsType<SigmaPowerSpectrum>(problem.Data.Spectrum);
        Assert.Equal((0.75, 0.5, 2.0, SpectrumNormalization.Mean, 3.0), (spectrum.Q, spectrum.Lo, spectrum.Hi, spectrum.Normalize, spectrum.Scale));
        Assert.Equal(new GaussianWeights(4, 2.0), problem.Teacher!.Weights[0] with { Location = null });
        Assert.Equal(new PowerLawWeights(-0.5, 1.0), problem.Teacher.Weights[1] with { Location = null });
        Assert.Equal(["rstar1 + eps", "rstar2"], problem.Teacher.Outputs);

        var mix = Assert.IsType<MixWeights>(problem.Student.Init[0]);
        Assert.Equal(2, mix.Terms[0].TeacherIndex);
        Assert.Equal(-0.5, mix.Terms[0].Weight);
        Assert.Equal(new AlternatingWeights(1.0), mix.Terms[1].Vector! with { Location = null });

        Assert.Equal(new LossSpec("(g - y1)^2/2", null), problem.Loss);
        Assert.Equal(new OptimizerSpec(0.7, LearningRateSchedule.RmspropNorm, 0.5, 2.5, null, 12.0), problem.Optimizer);
        Assert.Equal((50, TimeSpacing.Log, 0.02), (problem.Output.Checkpoints, problem.Output.Spacing, problem.Output.LogStart));
        Assert.Equal(["risk", "lr", "norm:head"], problem.Output.Statistics);
        Assert.Equal([new IndexBlock("head", 0, 0.5), new IndexBlock("rest", 0.5, 1)], problem.Output.Blocks);
        Assert.Equal(new SolverSpec(SolverMethod.Contour, 1e-9, 1e-12, 24, 64, true) { QuadratureOrderThreeDimensions = 30, QuadratureOrderFourDimensions = 12 }, problem.Solver);
        Assert.Equal(new SimulationSpec(7, 99), problem.Simulation);
    }

    [Theory]
    [InlineData("", StepEstimate.Samples)]
    [InlineData("\n[simulation]\nstep-estimate = \"oracle\"\n", StepEstimate.Oracle)]
    [InlineData("\n[simulation]\nstep-estimate = \"samples\"\n", StepEstimate.Samples)]
    public void Step_estimate_defaults_to_the_samples(string section, StepEstimate expected)
    {
        Assert.Equal(expected, Parse(Minimal + section).Simulation.StepEstimate);
    }

    [Fact]
    public void Formula_schedule_stores_the_rate()
    {
        var problem = Parse(Replace("learning-rate = 0.5", "schedule = \"formula\"\nrate = \"0.5/(1 + t)\""));
        Assert.Equal(LearningRateSchedule.Formula, problem.Optimizer.Schedule);
        Assert.Equal("0.5/(1 + t)", problem.Optimizer.RateFormula);
    }

    [Fact]
    public void Mixture_written_as_array_of_tables_and_inline_gives_the_same_classes()
    {
        const string common = """
            [student]
            directions = 1
            output = "r"

            [loss]
            preset = "logistic"

            [optimizer]
            learning-rate = 1
            horizon = 2
            """;
        var tables = Parse("""
            [data]
            dimension = 4

            [[data.classes]]
            probability = 0.25
            label = 1
            mean = { kind = "constant" }
            spectrum = { kind = "identity" }

            [[data.classes]]
            probability = 0.75
            label = 0
            spectrum = { kind = "blocks", values = [0, 1], fractions = [0.5, 0.5] }
            """ + "\n" + common);
        var inline = Parse("""
            [data]
            dimension = 4
            classes = [
              { probability = 0.25, label = 1, mean = { kind = "constant" }, spectrum = { kind = "identity" } },
              { probability = 0.75, label = 0, spectrum = { kind = "blocks", values = [0, 1], fractions = [0.5, 0.5] } },
            ]
            """ + "\n" + common);

        foreach (var problem in new[] { tables, inline })
        {
            Assert.Null(problem.Teacher);
            Assert.True(problem.HasHardLabels);
            Assert.Equal(2, problem.Data.Classes.Count);
            Assert.Equal([0.25, 0.75], problem.Data.Classes.Select(c => c.Probability));
            Assert.Equal(new ScalarLabel(1), problem.Data.Classes[0].Label);
            Assert.Equal(new ScalarLabel(0), problem.Data.Classes[1].Label);
            Assert.IsType<ConstantWeights>(problem.Data.Classes[0].Mean);
            Assert.IsType<ZeroWeights>(problem.Data.Classes[1].Mean);
            Assert.IsType<BlockSpectrum>(problem.Data.Classes[1].Spectrum);
            Assert.IsType<ZeroWeights>(problem.Student.Init[0]);
        }
    }

    [Fact]
    public void Class_spectrum_falls_back_to_the_data_spectrum()
    {
        var problem = Parse("""
            [data]
            dimension = 4
            spectrum = { kind = "power-law", exponent = 2 }
            classes = [ { probability = 0.5, label = "one-hot" }, { probability = 0.5, label = "one-hot", spectrum = { kind = "identity" } } ]

            [student]
            directions = 2
            output = ["r1", "r2"]

            [loss]
            preset = "cross-entropy"

            [optimizer]
            learning-rate = 1
            horizon = 2
            """);

        Assert.IsType<PowerLawSpectrum>(problem.Data.Classes[0].Spectrum);
        Assert.IsType<IdentitySpectrum>(problem.Data.Classes[1].Spectrum);
        Assert.All(problem.Data.Classes, c => Assert.IsType<OneHotLabel>(c.Label));
    }

    [Fact]
    public void Load_reads_the_file_and_resolves_spectrum_files_next_to_it()
    {
        var folder = Directory.CreateTempSubdirectory("hdsgd-problem-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "eigs.csv"), "# eigenvalues\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
            var path = Path.Combine(folder.FullName, "p.toml");
            File.WriteAllText(path, Replace("spectrum = { kind = \"power-law\", exponent = 1.0 }", "spectrum = { kind = \"values\", file = \"eigs.csv\" }"));

            var problem = ProblemLoader.Load(path);

            Assert.Equal(new ExplicitSpectrum(null, "eigs.csv"), problem.Data.Spectrum! with { Location = null });
            Assert.Equal(folder.FullName, problem.BaseDirectory);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(5, TimeSpacing.Linear, null, new[] { 0.0, 2.5, 5.0, 7.5, 10.0 })]
    [InlineData(4, TimeSpacing.Log, 0.1, new[] { 0.0, 0.1, 1.0, 10.0 })]
    public void Checkpoint_times_follow_the_spacing(int checkpoints, TimeSpacing spacing, double? logStart, double[] expected)
    {
        var output = new OutputSpec(checkpoints, spacing, logStart, ["risk"], []);
        var times = output.Times(10.0);
        Assert.Equal(expected.Length, times.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k], times[k], 12);
        }
    }

    [Fact]
    public void Index_blocks_cover_their_fraction_of_the_coordinates()
    {
        Assert.Equal((0, 250), new IndexBlock("a", 0, 0.25).Range(1000));
        Assert.Equal((250, 1000), new IndexBlock("b", 0.25, 1).Range(1000));
        Assert.Equal(new StatisticRequest("norm", "a"), StatisticRequest.Parse("norm:a"));
        Assert.Equal("norm_a", StatisticRequest.Parse("norm:a").ColumnName);
        Assert.Equal(new StatisticRequest("risk", null), StatisticRequest.Parse("risk"));
    }
}
