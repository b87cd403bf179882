using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;
using static HighDimSgd.Core.Tests.Problems.ProblemTestFiles;

namespace HighDimSgd.Core.Tests.Problems;

/// <summary>One test per class of user mistake: each names the file and the key, and says what was expected.</summary>
public sealed class ProblemErrorTests
{
    private const string File = "examples/x.toml";
    private const string Spectrum = "spectrum = { kind = \"power-law\", exponent = 1.0 }";
    private const string TeacherWeights = "weights = [ { kind = \"constant\", norm = 1.0 } ]";
    private const string StudentInit = "init = [ { kind = \"zero\" } ]";

    [Fact]
    public void Wrong_type_gives_the_documented_message()
    {
        var error = Assert.Throws<ProblemFileException>(() => Parse(Replace(Spectrum, "spectrum = { kind = \"power-law\", exponent = \"abc\" }")));
        Assert.Equal("examples/x.toml: data.spectrum.exponent: expected a number, got \"abc\" (line 5)", error.Message);
        Assert.Equal((File, "data.spectrum.exponent", 5), (error.FilePath, error.Key, error.Line));
    }

    [Fact]
    public void Missing_problem_file()
    {
        var error = Assert.Throws<ProblemFileException>(() => ProblemLoader.Load("no/such/problem.toml"));
        Assert.Equal("no/such/problem.toml: file not found", error.Message);
    }

    [Fact]
    public void Toml_syntax_error_has_the_line()
    {
        var error = AssertError(Replace("horizon = 5.0", "horizon = = 5"), "", "TOML syntax error");
        Assert.Equal(22, error.Line);
    }

    [Fact]
    public void Duplicate_key_is_a_syntax_error()
    {
        var error = AssertError(Replace("horizon = 5.0", "horizon = 5.0\nhorizon = 6.0"), "", "already defined");
        Assert.Equal(23, error.Line);
    }

    [Fact]
    public void Unknown_section_suggests_the_closest_name()
    {
        var error = AssertError(Minimal + "\n[optimiser]\nhorizon = 1\n", "optimiser", "did you mean 'optimizer'");
        Assert.Contains("known keys:", error.Message);
    }

    [Fact]
    public void Unknown_key_for_a_spectrum_kind()
    {
        AssertError(Replace(Spectrum, "spectrum = { kind = \"power-law\", exponnent = 1.0 }"), "data.spectrum.exponnent", "did you mean 'exponent'", line: 5);
    }

    [Fact]
    public void Key_of_another_kind_is_unknown()
    {
        AssertError(Replace(Spectrum, "spectrum = { kind = \"identity\", exponent = 1.0 }"), "data.spectrum.exponent", "unknown key for spectrum kind \"identity\"");
    }

    [Fact]
    public void Missing_required_key()
    {
        var error = AssertError(Replace("dimension = 10", ""), "data.dimension", "missing required key");
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Missing_required_section()
    {
        AssertError(Minimal.Replace("[loss]\npreset = \"least-squares\"", ""), "loss", "missing required key");
    }

    [Theory]
    [InlineData("dimension = 10", "dimension = 0", "data.dimension", "must be positive")]
    [InlineData("dimension = 10", "dimension = 2.5", "data.dimension", "expected an integer, got 2.5")]
    [InlineData("horizon = 5.0", "horizon = -1", "optimizer.horizon", "must be positive")]
    [InlineData("learning-rate = 0.5", "learning-rate = 0", "optimizer.learning-rate", "must be positive")]
    [InlineData("directions = 1\nweights", "directions = -1\nweights", "teacher.directions", "must be positive")]
    [InlineData(Spectrum, "spectrum = { kind = \"marchenko-pastur\", ratio = 0 }", "data.spectrum.ratio", "must be positive")]
    [InlineData(Spectrum, "spectrum = { kind = \"sigma-power\", q = 1, lo = 2, hi = 1 }", "data.spectrum.hi", "must be larger than lo")]
    [InlineData(Spectrum, "spectrum = { kind = \"identity\", scale = 0 }", "data.spectrum.scale", "must be positive")]
    [InlineData(Spectrum, "spectrum = { kind = \"blocks\", values = [-1, 1], fractions = [0.5, 0.5] }", "data.spectrum.values", "negative")]
    [InlineData(TeacherWeights, "weights = [ { kind = \"constant\", norm = -1 } ]", "teacher.weights[1].norm", "must be at least 0")]
    public void Values_out_of_range(string line, string replacement, string key, string fragment)
    {
        AssertError(Replace(line, replacement), key, fragment);
    }

    [Fact]
    public void Unknown_spectrum_kind_lists_the_known_kinds()
    {
        var error = AssertError(Replace(Spectrum, "spectrum = { kind = \"powerlaw\" }"), "data.spectrum.kind", "unknown spectrum kind \"powerlaw\"");
        Assert.Contains("did you mean \"power-law\"", error.Message);
        Assert.Contains("identity, power-law, sigma-power, marchenko-pastur, blocks, values", error.Message);
    }

    [Fact]
    public void Unknown_weight_kind_lists_the_known_kinds()
    {
        var error = AssertError(Replace(StudentInit, "init = [ { kind = \"random\" } ]"), "student.init[1].kind", "unknown weight vector kind \"random\"");
        Assert.Contains("zero, constant, alternating, gaussian, power-law, blocks, mix, file", error.Message);
    }

    [Fact]
    public void Weights_count_must_match_directions()
    {
        AssertError(Replace(TeacherWeights, "weights = [ { kind = \"constant\" }, { kind = \"zero\" } ]"), "teacher.weights", "has 2 entries but directions = 1", line: 9);
    }

    [Fact]
    public void Teacher_reference_out_of_range()
    {
        var init = "init = [ { kind = \"mix\", of = [ { teacher = 2, weight = 1 } ] } ]";
        AssertError(Replace(StudentInit, init), "student.init[1].of[1].teacher", "teacher row 2 does not exist; the teacher has rows 1..1");
    }

    [Fact]
    public void Teacher_reference_inside_the_teacher()
    {
        var weights = "weights = [ { kind = \"mix\", of = [ { teacher = 1, weight = 1 } ] } ]";
        AssertError(Replace(TeacherWeights, weights), "teacher.weights[1].of[1].teacher", "teacher rows cannot refer to teacher rows");
    }

    [Fact]
    public void Mix_term_needs_exactly_one_of_teacher_and_vector()
    {
        var init = "init = [ { kind = \"mix\", of = [ { teacher = 1, vector = { kind = \"zero\" }, weight = 1 } ] } ]";
        AssertError(Replace(StudentInit, init), "student.init[1].of[1]", "exactly one of 'teacher'");
    }

    [Fact]
    public void Values_and_fractions_must_have_the_same_length()
    {
        AssertError(Replace(Spectrum, "spectrum = { kind = \"blocks\", values = [0, 1], fractions = [1] }"), "data.spectrum.fractions", "has 1 entries but values has 2");
    }

    [Fact]
    public void Fractions_must_sum_to_one()
    {
        AssertError(Replace(Spectrum, "spectrum = { kind = \"blocks\", values = [0, 1], fractions = [0.5, 0.4] }"), "data.spectrum.fractions", "must sum to 1");
    }

    [Fact]
    public void Inline_eigenvalue_list_must_have_dimension_entries()
    {
        AssertError(Replace(Spectrum, "spectrum = { kind = \"values\", values = [1, 2, 3] }"), "data.spectrum.values", "has 3 eigenvalues but dimension = 10");
    }

    [Fact]
    public void File_not_found_is_resolved_relative_to_the_problem_file()
    {
        var error = AssertError(Replace(Spectrum, "spectrum = { kind = \"values\", file = \"missing.csv\" }"), "data.spectrum.file", "file not found");
        Assert.Contains(Path.GetFullPath(Path.Combine("examples", "missing.csv")), error.Message);
    }

    [Fact]
    public void Malformed_number_file_names_its_line()
    {
        var folder = Directory.CreateTempSubdirectory("hdsgd-problem-");
        try
        {
            System.IO.File.WriteAllText(Path.Combine(folder.FullName, "w.csv"), "1\n2\nabc\n");
            var path = Path.Combine(folder.FullName, "p.toml");
            var problem = ProblemLoader.Parse(Replace(StudentInit, "init = [ { kind = \"file\", file = \"w.csv\" } ]"), path);

            var error = Assert.Throws<ProblemFileException>(() => ProblemRealization.Materialize(problem));
            Assert.Equal(path, error.FilePath);
            Assert.Equal("student.init[1].file", error.Key);
            Assert.Contains("w.csv line 3: expected one finite number, got \"abc\"", error.Message);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("preset = \"least-squares\"", "preset = \"least-squares\"\nexpression = \"g\"")]
    [InlineData("preset = \"least-squares\"", "")]
    public void Loss_needs_exactly_one_of_expression_and_preset(string line, string replacement)
    {
        AssertError(Replace(line, replacement), "loss", "exactly one of 'expression'");
    }

    [Fact]
    public void Unknown_schedule_lists_the_schedules()
    {
        AssertError(Replace("horizon = 5.0", "horizon = 5.0\nschedule = \"adam\""), "optimizer.schedule",
            "unknown value \"adam\"; expected one of: constant, adagrad-norm, rmsprop-norm, polyak, line-search, formula");
    }

    [Fact]
    public void Key_of_another_schedule_is_rejected()
    {
        AssertError(Replace("horizon = 5.0", "horizon = 5.0\nb0 = 2"), "optimizer.b0", "applies only to schedule adagrad-norm and rmsprop-norm");
    }

    [Fact]
    public void Formula_schedule_needs_a_rate()
    {
        AssertError(Replace("learning-rate = 0.5", "schedule = \"formula\""), "optimizer.rate", "missing required key");
    }

    [Fact]
    public void Formula_must_be_a_string()
    {
        AssertError(Replace("output = \"rstar\"", "output = [\"rstar\", 3]"), "teacher.output[2]", "expected a string, got 3");
    }

    [Fact]
    public void Unknown_statistic_suggests_the_closest()
    {
        AssertError(Minimal + "\n[output]\nstatistics = [\"risk\", \"overlapp\"]\n", "output.statistics[2]", "unknown statistic \"overlapp\" (did you mean \"overlap\"?)");
    }

    [Fact]
    public void Log_start_must_lie_before_the_horizon()
    {
        AssertError(Minimal + "\n[output]\nspacing = \"log\"\nlog-start = 5\n", "output.log-start", "must be below the horizon 5");
    }

    [Fact]
    public void Misspelt_choice_suggests_the_closest()
    {
        AssertError(Replace("horizon = 5.0", "horizon = 5.0\nschedule = \"Constant\""), "optimizer.schedule", "unknown value \"Constant\" (did you mean \"constant\"?)");
    }

    [Fact]
    public void Misspelt_step_estimate_suggests_the_closest()
    {
        AssertError(Minimal + "\n[simulation]\nstep-estimate = \"sample\"\n", "simulation.step-estimate",
            "unknown value \"sample\" (did you mean \"samples\"?); expected one of: samples, oracle");
    }

    [Fact]
    public void Statistic_on_an_undeclared_block()
    {
        AssertError(Minimal + "\n[output]\nstatistics = [\"norm:top\"]\n", "output.statistics[1]", "unknown block \"top\"; none are declared");
    }

    [Fact]
    public void Probabilities_must_sum_to_one()
    {
        var toml = Replace(Spectrum, "classes = [ { probability = 0.5, spectrum = { kind = \"identity\" } }, { probability = 0.4, spectrum = { kind = \"identity\" } } ]");
        AssertError(toml, "data.classes", "class probabilities must sum to 1");
    }

    [Fact]
    public void Class_label_and_teacher_exclude_each_other()
    {
        var toml = Replace(Spectrum, "classes = [ { probability = 1, label = 1, spectrum = { kind = \"identity\" } } ]");
        AssertError(toml, "data.classes[1].label", "exclude each other");
    }

    [Fact]
    public void Hard_labels_must_be_all_numbers_or_all_one_hot()
    {
        var toml = Minimal.Replace("[teacher]\ndirections = 1\n" + TeacherWeights + "\noutput = \"rstar\"", "")
            .Replace(Spectrum, "classes = [ { probability = 0.5, label = \"one-hot\", spectrum = { kind = \"identity\" } }, { probability = 0.5, label = 0, spectrum = { kind = \"identity\" } } ]");
        AssertError(toml, "data.classes[2].label", "mixes numeric and one-hot labels");
    }

    [Fact]
    public void Single_gaussian_needs_a_teacher()
    {
        AssertError(Minimal.Replace("[teacher]\ndirections = 1\n" + TeacherWeights + "\noutput = \"rstar\"", ""), "teacher", "missing required section [teacher]");
    }

    [Fact]
    public void Gaussian_weights_need_a_seed()
    {
        AssertError(Replace(StudentInit, "init = [ { kind = \"gaussian\", norm = 1 } ]"), "student.init[1].seed", "missing required key");
    }

    [Fact]
    public void Real_data_sources_parse_and_refuse_what_they_cannot_use()
    {
        var folder = Directory.CreateTempSubdirectory("hdsgd-problem-");
        try
        {
            System.IO.File.WriteAllText(Path.Combine(folder.FullName, "images.idx"), "");
            System.IO.File.WriteAllText(Path.Combine(folder.FullName, "labels.idx"), "");
            var path = Path.Combine(folder.FullName, "p.toml");
            const string source = "source = { kind = \"idx\", train = { images = \"images.idx\", labels = \"labels.idx\" }, test-fraction = 0.25, classes = [0, 6], positive = 6 }";
            var withTeacher = Replace(Spectrum, source);
            var error = Assert.Throws<ProblemFileException>(() => ProblemLoader.Parse(withTeacher, path));
            Assert.Equal("data.source", error.Key);
            Assert.Contains("real data brings its own labels; remove the [teacher] section", error.Message);

            var toml = $$"""
                [data]
                {{source}}
                [student]
                directions = 1
                output = "r"
                [loss]
                preset = "logistic"
                [optimizer]
                learning-rate = 0.5
                """;
            var problem = ProblemLoader.Parse(toml, path);
            var spec = problem.Data.Source!;
            Assert.Equal(("idx", Path.Combine(folder.FullName, "images.idx"), 0.25, 6, 1), (spec.Kind, spec.Train.Features, spec.TestFraction, spec.Positive, spec.Epochs));
            Assert.Equal([0, 6], spec.Classes);
            Assert.True(double.IsNaN(problem.Optimizer.Horizon));
            Assert.Equal(1, problem.Model.LabelCount);

            var both = toml.Replace("test-fraction = 0.25", "test-fraction = 0.25, test = { images = \"images.idx\", labels = \"labels.idx\" }");
            Assert.Contains("give either a [test] split or a test-fraction", Assert.Throws<ProblemFileException>(() => ProblemLoader.Parse(both, path)).Message);
            var neither = toml.Replace("test-fraction = 0.25, ", "");
            Assert.Equal("data.source.test", Assert.Throws<ProblemFileException>(() => ProblemLoader.Parse(neither, path)).Key);
            var column = toml.Replace("positive = 6", "positive = 6, label-column = 0");
            Assert.Contains("only csv data has a label column", Assert.Throws<ProblemFileException>(() => ProblemLoader.Parse(column, path)).Message);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static ProblemFileException AssertError(string toml, string key, string fragment, int? line = null)
    {
        var error = Assert.Throws<ProblemFileException>(() => Parse(toml));
        Assert.Equal(File, error.FilePath);
        Assert.Equal(key, error.Key);
        var prefix = key.Length == 0 ? File + ": " : $"{File}: {key}: ";
        Assert.StartsWith(prefix, error.Message);
        Assert.Contains(fragment, error.Message);
        if (line is not null)
        {
            Assert.Equal(line, error.Line);
        }

        return error;
    }
}
