namespace HighDimSgd.Core.Problems;

/// <summary>Turns the TOML tables of one problem file into the <see cref="Problem"/> records, section by section.</summary>
internal sealed class ProblemParser(TomlSection root, string baseDirectory)
{
    private const double ProbabilityTolerance = 1e-9;
    private static readonly string[] RootKeys = ["title", "data", "teacher", "student", "loss", "optimizer", "output", "solver", "simulation"];
    private static readonly string[] SpacingNames = ["linear", "log"];
    private static readonly string[] SolverMethodNames = ["auto", "eigen", "contour", "compressed", "dense"];

    private readonly SpecParsers _specs = new(baseDirectory);

    public Problem Problem()
    {
        root.RequireKnownKeys(RootKeys);
        var title = Title(root);
        var teacher = root.OptionalTable("teacher") is { } teacherSection ? Teacher(teacherSection) : null;
        var data = Data(root.RequiredTable("data"), teacher);
        if (teacher is null && data.Classes.Count == 0 && data.Source is null)
        {
            throw root.Error("teacher", "missing required section [teacher]: a single Gaussian needs a teacher to produce labels");
        }

        var student = Student(root.RequiredTable("student"), teacher);
        var optimizer = Optimizer(root.RequiredTable("optimizer"), realData: data.Source is not null);
        return new Problem(
            root.FilePath,
            title,
            data,
            teacher,
            student,
            Loss(root.RequiredTable("loss")),
            optimizer,
            root.OptionalTable("output") is { } output ? Output(output, optimizer.Horizon) : Output(null, optimizer.Horizon),
            root.OptionalTable("solver") is { } solver ? Solver(solver) : SolverSpec.Default,
            root.OptionalTable("simulation") is { } simulation ? Simulation(simulation) : SimulationSpec.Default);
    }

    /// <summary>The title: one line of printable text (it heads plots, tables and run.json), the file name when absent.</summary>
    private static string Title(TomlSection root)
    {
        var title = root.OptionalString("title");
        if (title is null) return Path.GetFileNameWithoutExtension(root.FilePath);
        if (title.Length > Limits.MaxTitleLength)
            throw root.Error("title", $"must be at most {Limits.MaxTitleLength} characters, got {title.Length:N0}");
        if (title.FirstOrDefault(c => char.IsControl(c) || c is '\u2028' or '\u2029') is var control && control != default)
            throw root.Error("title", $"must be one line of printable text, found the control or line-break character U+{(int)control:X4}");
        return title;
    }

    /// <summary>
    /// Only what a model derivation needs: [teacher], [student], [loss], and the class labels when [data] has classes.
    /// Other sections may be absent; those present are still checked for unknown keys at the top level.
    /// </summary>
    public ModelSections ModelSections()
    {
        root.RequireKnownKeys(RootKeys);
        var title = Title(root);
        var teacher = root.OptionalTable("teacher") is { } teacherSection ? Teacher(teacherSection) : null;
        var data = root.OptionalTable("data") is { } dataSection ? Data(dataSection, teacher) : null;
        return new ModelSections(root.FilePath, title, teacher, Student(root.RequiredTable("student"), teacher),
            Loss(root.RequiredTable("loss")), data?.Classes ?? []) { Source = data?.Source };
    }

    private DataSpec Data(TomlSection section, TeacherSpec? teacher)
    {
        section.RequireKnownKeys(["dimension", "spectrum", "classes", "source"]);
        // Real data has the dimension of its samples; a dimension written next to a source is checked when they are read.
        var dimension = section.Has("source") && !section.Has("dimension") ? 0 : PositiveInteger(section, "dimension", Limits.MaxDimension);
        var spectrum = section.OptionalTable("spectrum") is { } spectrumSection ? _specs.Spectrum(spectrumSection) : null;
        RequireDimensionMatches(spectrum, dimension);

        if (section.Has("source"))
        {
            if (section.Has("classes") || spectrum is not null)
            {
                throw section.Error("source", "real data brings its own classes and covariances; remove 'spectrum' and 'classes'");
            }

            return new DataSpec(dimension, null, [], Source(section.RequiredTable("source"), teacher));
        }

        if (!section.Has("classes"))
        {
            return spectrum is not null
                ? new DataSpec(dimension, spectrum, [], null)
                : throw section.Error("spectrum", "missing required key (a single Gaussian needs a spectrum; a mixture needs classes)");
        }

        var classes = Classes(section, spectrum, teacher);
        foreach (var c in classes)
        {
            RequireDimensionMatches(c.Spectrum, dimension);
        }

        return new DataSpec(dimension, spectrum, classes, null);
    }

    /// <summary>An inline eigenvalue list must have d entries (files are checked when they are read).</summary>
    private static void RequireDimensionMatches(SpectrumSpec? spectrum, int dimension)
    {
        if (spectrum is ExplicitSpectrum { Values: { } values } && values.Count != dimension)
        {
            throw ProblemFileException.At(spectrum.Location, "values", $"has {values.Count} eigenvalues but dimension = {dimension}");
        }
    }

    private IReadOnlyList<ClassSpec> Classes(TomlSection data, SpectrumSpec? sharedSpectrum, TeacherSpec? teacher)
    {
        var sections = data.TableList("classes");
        if (sections.Count == 0)
        {
            throw data.Error("classes", "expected at least one class");
        }

        if (Limits.AtMost(sections.Count, Limits.MaxClasses) is { } tooMany)
        {
            throw data.Error("classes", $"{tooMany} classes");
        }

        var context = teacher is null
            ? new WeightContext(0, "there is no [teacher] to refer to")
            : new WeightContext(teacher.Directions, null);
        var classes = sections.Select(section => Class(section, sharedSpectrum, teacher, context)).ToList();

        var total = classes.Sum(c => c.Probability);
        if (Math.Abs(total - 1.0) > ProbabilityTolerance)
        {
            throw data.Error("classes", $"class probabilities must sum to 1, got {TomlSection.Describe(total)}");
        }

        RequireConsistentLabels(data, sections, classes);
        return classes;
    }

    private ClassSpec Class(TomlSection section, SpectrumSpec? sharedSpectrum, TeacherSpec? teacher, WeightContext context)
    {
        section.RequireKnownKeys(["probability", "label", "mean", "spectrum"]);
        var probability = section.RequiredNumber("probability");
        if (probability is <= 0 or > 1)
        {
            throw section.Error("probability", $"must be in (0, 1], got {TomlSection.Describe(probability)}");
        }

        var spectrum = section.OptionalTable("spectrum") is { } s
            ? _specs.Spectrum(s)
            : sharedSpectrum ?? throw section.Error("spectrum", "missing required key (give each class a spectrum, or one in [data])");
        var mean = section.OptionalTable("mean") is { } m ? _specs.Weight(m, context) : new ZeroWeights { Location = section.SelfLocation };
        return new ClassSpec(probability, Label(section, teacher), mean, spectrum);
    }

    private static ClassLabel? Label(TomlSection section, TeacherSpec? teacher)
    {
        if (teacher is not null)
        {
            return section.Has("label")
                ? throw section.Error("label", "a class label and a [teacher] exclude each other (the teacher gives soft labels)")
                : null;
        }

        var value = section.Required("label");
        return value switch
        {
            "one-hot" => new OneHotLabel(),
            long or double => new ScalarLabel(section.RequiredNumber("label")),
            _ => throw section.Error("label", $"expected a number or \"one-hot\", got {TomlSection.Describe(value)}"),
        };
    }

    private static void RequireConsistentLabels(TomlSection data, IReadOnlyList<TomlSection> sections, IReadOnlyList<ClassSpec> classes)
    {
        var oneHot = classes.Count(c => c.Label is OneHotLabel);
        if (oneHot != 0 && oneHot != classes.Count)
        {
            var odd = classes.Select((c, i) => (c, i)).First(x => x.c.Label is not OneHotLabel).i;
            throw sections[odd].Error("label", "mixes numeric and one-hot labels; use one kind for every class");
        }

        if (oneHot > 0 && classes.Count < 2)
        {
            throw data.Error("classes", "one-hot labels need at least two classes");
        }
    }

    private DataSourceSpec Source(TomlSection section, TeacherSpec? teacher)
    {
        section.RequireKnownKeys(["kind", "train", "test", "test-fraction", "classes", "positive", "label-column", "epochs"]);
        if (teacher is not null)
            throw section.Error("", "real data brings its own labels; remove the [teacher] section");
        var kind = DataSourceSpec.KnownKinds[section.Choice("kind", DataSourceSpec.KnownKinds, null)];
        var train = Split(section.RequiredTable("train"), kind);
        var test = section.OptionalTable("test") is { } testSection ? Split(testSection, kind) : null;
        double? fraction = null;
        if (section.Has("test-fraction"))
        {
            if (test is not null) throw section.Error("test-fraction", "give either a [test] split or a test-fraction of the training file, not both");
            fraction = section.RequiredNumber("test-fraction");
            if (fraction is not (> 0 and < 1)) throw section.Error("test-fraction", $"must be in (0, 1), got {TomlSection.Describe(fraction)}");
        }
        else if (test is null)
        {
            throw section.Error("test", "missing required key (give the test split's files, or test-fraction to hold out the end of the training file)");
        }

        var classes = section.IntegerList("classes");
        if (classes.Count == 0) throw section.Error("classes", "expected at least one class label");
        if (Limits.AtMost(classes.Count, Limits.MaxClasses) is { } tooMany) throw section.Error("classes", $"{tooMany} classes");
        if (classes.Distinct().Count() != classes.Count) throw section.Error("classes", "lists a class twice");
        int? positive = section.Has("positive") ? section.RequiredInteger("positive") : null;
        if (positive is { } p && (classes.Count != 2 || !classes.Contains(p)))
            throw section.Error("positive", classes.Count != 2
                ? $"binary labels need exactly two classes, 'classes' has {classes.Count} (omit 'positive' for one-hot labels)"
                : $"must be one of the classes {string.Join(", ", classes)}, got {p}");
        if (positive is null && classes.Count < 2)
            throw section.Error("classes", "one-hot labels need at least two classes (or give 'positive' with two classes for binary labels)");
        var labelColumn = section.Has("label-column")
            ? section.Required("label-column") switch
            {
                string name => name,
                long index when index >= 0 => index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                var other => throw section.Error("label-column", $"expected a column name or a 0-based index, got {TomlSection.Describe(other)}"),
            }
            : null;
        if (labelColumn is not null && kind != "csv") throw section.Error("label-column", $"only csv data has a label column ({kind} keeps labels in their own file)");
        var epochs = section.Has("epochs") ? PositiveInteger(section, "epochs", Limits.MaxEpochs) : 1;
        return new DataSourceSpec(kind, train, test, fraction, classes, positive, labelColumn, epochs, section.SelfLocation);
    }

    /// <summary>One split's files: <c>{ images, labels }</c> for idx and npy, <c>{ file }</c> for csv.</summary>
    private DataFiles Split(TomlSection section, string kind)
    {
        if (kind == "csv")
        {
            section.RequireKnownKeys(["file"]);
            return new DataFiles(_specs.ExistingFullPath(section, "file"), null, section.KeyPath("file"), null);
        }

        section.RequireKnownKeys(["images", "labels"]);
        return new DataFiles(_specs.ExistingFullPath(section, "images"), _specs.ExistingFullPath(section, "labels"), section.KeyPath("images"), section.KeyPath("labels"));
    }

    private TeacherSpec Teacher(TomlSection section)
    {
        section.RequireKnownKeys(["directions", "weights", "output"]);
        var directions = PositiveInteger(section, "directions", Limits.MaxDirections);
        var context = new WeightContext(0, "teacher rows cannot refer to teacher rows");
        var weights = Rows(section, "weights", directions, context, required: true);
        return new TeacherSpec(directions, weights, Formulas(section, "output"));
    }

    private StudentSpec Student(TomlSection section, TeacherSpec? teacher)
    {
        section.RequireKnownKeys(["directions", "init", "output"]);
        var directions = PositiveInteger(section, "directions", Limits.MaxDirections);
        var context = teacher is null
            ? new WeightContext(0, "there is no [teacher] to refer to")
            : new WeightContext(teacher.Directions, null);
        var init = Rows(section, "init", directions, context, required: false);
        return new StudentSpec(directions, init, Formulas(section, "output"));
    }

    /// <summary>One weight table per row; an omitted optional list means zero rows.</summary>
    private IReadOnlyList<WeightSpec> Rows(TomlSection section, string key, int directions, WeightContext context, bool required)
    {
        if (!required && !section.Has(key))
        {
            return Enumerable.Range(0, directions).Select(_ => (WeightSpec)new ZeroWeights { Location = section.Location(key) }).ToList();
        }

        var rows = section.TableList(key);
        if (rows.Count != directions)
        {
            throw section.Error(key, $"has {rows.Count} entries but directions = {directions}; give one entry per row");
        }

        return rows.Select(row => _specs.Weight(row, context)).ToList();
    }

    private static IReadOnlyList<string> Formulas(TomlSection section, string key)
    {
        var formulas = section.StringOrStringList(key);
        for (var i = 0; i < formulas.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(formulas[i]))
            {
                var where = formulas.Count == 1 ? key : $"{key}[{i + 1}]";
                throw section.Error(where, "the formula is empty");
            }
        }

        return formulas;
    }

    private static LossSpec Loss(TomlSection section)
    {
        section.RequireKnownKeys(["expression", "preset"]);
        var expression = section.OptionalString("expression");
        var preset = section.OptionalString("preset");
        if ((expression is null) == (preset is null))
        {
            throw section.Error("", "give exactly one of 'expression' (a formula in g and y) and 'preset' (a name such as \"logistic\")");
        }

        if (expression is not null && string.IsNullOrWhiteSpace(expression))
        {
            throw section.Error("expression", "the formula is empty");
        }

        if (preset is not null && string.IsNullOrWhiteSpace(preset))
        {
            throw section.Error("preset", "the preset name is empty");
        }

        return new LossSpec(expression, preset);
    }

    private static OptimizerSpec Optimizer(TomlSection section, bool realData)
    {
        section.RequireKnownKeys(["learning-rate", "schedule", "b0", "decay", "rate", "horizon"]);
        var schedule = (LearningRateSchedule)section.Choice("schedule", OptimizerSpec.ScheduleNames, "constant");
        var name = OptimizerSpec.ScheduleNames[(int)schedule];
        var adaptive = schedule is LearningRateSchedule.AdagradNorm or LearningRateSchedule.RmspropNorm;
        OnlyFor(section, "b0", adaptive, name, "adagrad-norm and rmsprop-norm");
        OnlyFor(section, "decay", schedule == LearningRateSchedule.RmspropNorm, name, "rmsprop-norm");
        OnlyFor(section, "rate", schedule == LearningRateSchedule.Formula, name, "formula");

        double learningRate = 1.0;
        string? rate = null;
        if (schedule == LearningRateSchedule.Formula)
        {
            if (section.Has("learning-rate"))
            {
                throw section.Error("learning-rate", "schedule \"formula\" takes gamma(t) from 'rate'; remove 'learning-rate'");
            }

            rate = section.RequiredString("rate");
            if (string.IsNullOrWhiteSpace(rate))
            {
                throw section.Error("rate", "the formula is empty");
            }
        }
        else
        {
            learningRate = PositiveNumber(section, "learning-rate");
        }

        var b0 = section.Number("b0", 1.0);
        if (b0 <= 0)
        {
            throw section.Error("b0", $"must be positive, got {TomlSection.Describe(b0)}");
        }

        var decay = section.Number("decay", 1.0);
        if (decay < 0)
        {
            throw section.Error("decay", $"must be at least 0, got {TomlSection.Describe(decay)}");
        }

        // Real data's default horizon is its passes over the training split, known once the files are read (NaN until then).
        var horizon = realData && !section.Has("horizon") ? double.NaN : PositiveNumber(section, "horizon");
        if (horizon > Limits.MaxHorizon)
            throw section.Error("horizon", $"must be at most {TomlSection.Describe(Limits.MaxHorizon)}, got {TomlSection.Describe(horizon)}");
        return new OptimizerSpec(learningRate, schedule, b0, decay, rate, horizon);
    }

    private static void OnlyFor(TomlSection section, string key, bool applies, string schedule, string owners)
    {
        if (section.Has(key) && !applies)
        {
            throw section.Error(key, $"applies only to schedule {owners}, not \"{schedule}\"");
        }
    }

    private static OutputSpec Output(TomlSection? section, double horizon)
    {
        if (section is null)
        {
            return new OutputSpec(200, TimeSpacing.Linear, null, ["risk"], []);
        }

        section.RequireKnownKeys(["checkpoints", "spacing", "log-start", "statistics", "blocks"]);
        var checkpoints = section.Integer("checkpoints", 200);
        if (checkpoints < 2)
        {
            throw section.Error("checkpoints", $"must be at least 2, got {checkpoints}");
        }

        if (Limits.AtMost(checkpoints, Limits.MaxCheckpoints) is { } tooMany)
        {
            throw section.Error("checkpoints", tooMany);
        }

        var spacing = (TimeSpacing)section.Choice("spacing", SpacingNames, "linear");
        var logStart = section.OptionalNumber("log-start");
        if (logStart is not null && spacing != TimeSpacing.Log)
        {
            throw section.Error("log-start", "applies only to spacing = \"log\"");
        }

        if (logStart is <= 0)
        {
            throw section.Error("log-start", $"must be positive, got {TomlSection.Describe(logStart.Value)}");
        }

        if (logStart >= horizon)
        {
            throw section.Error("log-start", $"must be below the horizon {TomlSection.Describe(horizon)}, got {TomlSection.Describe(logStart.Value)}");
        }

        var blocks = section.OptionalTable("blocks") is { } blockSection ? Blocks(blockSection) : [];
        var statistics = section.Has("statistics") ? section.StringList("statistics") : ["risk"];
        RequireKnownStatistics(section, statistics, blocks);
        return new OutputSpec(checkpoints, spacing, logStart, statistics, blocks);
    }

    private static IReadOnlyList<IndexBlock> Blocks(TomlSection section)
    {
        var blocks = new List<IndexBlock>();
        foreach (var name in section.Keys)
        {
            var range = section.NumberList(name);
            if (range.Count != 2)
            {
                throw section.Error(name, $"expected [from, to] (fractions of d), got {range.Count} numbers");
            }

            if (range[0] < 0 || range[1] > 1 || range[0] >= range[1])
            {
                throw section.Error(name, $"expected 0 <= from < to <= 1, got [{TomlSection.Describe(range[0])}, {TomlSection.Describe(range[1])}]");
            }

            blocks.Add(new IndexBlock(name, range[0], range[1]));
        }

        return blocks;
    }

    private static void RequireKnownStatistics(TomlSection section, IReadOnlyList<string> statistics, IReadOnlyList<IndexBlock> blocks)
    {
        for (var i = 0; i < statistics.Count; i++)
        {
            var key = $"statistics[{i + 1}]";
            var request = StatisticRequest.Parse(statistics[i]);
            if (!OutputSpec.KnownStatistics.Contains(request.Name))
            {
                var suggestion = KeySuggestions.Closest(request.Name, OutputSpec.KnownStatistics);
                var hint = suggestion is null ? "" : $" (did you mean \"{suggestion}\"?)";
                throw section.Error(key, $"unknown statistic \"{request.Name}\"{hint}; known: {string.Join(", ", OutputSpec.KnownStatistics)}");
            }

            if (request.Block is null)
            {
                continue;
            }

            if (!OutputSpec.ProjectableStatistics.Contains(request.Name))
            {
                throw section.Error(key, $"\"{request.Name}\" cannot be restricted to a block; these can: {string.Join(", ", OutputSpec.ProjectableStatistics)}");
            }

            if (blocks.All(b => b.Name != request.Block))
            {
                var declared = blocks.Count == 0 ? "none are declared in output.blocks" : $"declared: {string.Join(", ", blocks.Select(b => b.Name))}";
                throw section.Error(key, $"unknown block \"{request.Block}\"; {declared}");
            }
        }
    }

    private static SolverSpec Solver(TomlSection section)
    {
        section.RequireKnownKeys(["method", "rtol", "atol", "quadrature-order", "quadrature-order-3d", "quadrature-order-4d", "contour-nodes", "stiff"]);
        var defaults = SolverSpec.Default;
        var rtol = PositiveNumber(section, "rtol", defaults.RelativeTolerance);
        if (rtol < Limits.MinRelativeTolerance)
            throw section.Error("rtol", $"must be at least {TomlSection.Describe(Limits.MinRelativeTolerance)} (double precision cannot meet a tighter tolerance), got {TomlSection.Describe(rtol)}");
        var atol = PositiveNumber(section, "atol", defaults.AbsoluteTolerance);
        var quadratureOrder = section.Has("quadrature-order") ? PositiveInteger(section, "quadrature-order", Limits.MaxQuadratureOrder) : (int?)null;
        var contourNodes = section.Has("contour-nodes") ? PositiveInteger(section, "contour-nodes", Limits.MaxContourNodes) : (int?)null;
        if (contourNodes is { } nodes && (nodes < 4 || nodes % 2 != 0))
            throw section.Error("contour-nodes", $"must be an even number of at least 4 (half are stored by conjugate symmetry), got {nodes}");
        return new SolverSpec(
            (SolverMethod)section.Choice("method", SolverMethodNames, "auto"),
            rtol,
            atol,
            quadratureOrder,
            contourNodes,
            section.Has("stiff") ? section.Boolean("stiff", false) : null)
        {
            QuadratureOrderThreeDimensions = section.Has("quadrature-order-3d")
                ? PositiveInteger(section, "quadrature-order-3d", Limits.MaxQuadratureOrderThreeDimensions) : null,
            QuadratureOrderFourDimensions = section.Has("quadrature-order-4d")
                ? PositiveInteger(section, "quadrature-order-4d", Limits.MaxQuadratureOrderFourDimensions) : null,
        };
    }

    private static SimulationSpec Simulation(TomlSection section)
    {
        section.RequireKnownKeys(["runs", "seed", "test-samples", "step-estimate"]);
        var runs = section.Has("runs") ? PositiveInteger(section, "runs", Limits.MaxRuns) : SimulationSpec.Default.Runs;
        var seed = section.Long("seed", SimulationSpec.Default.Seed);
        if (seed < 0) throw section.Error("seed", $"must be at least 0, got {seed}");
        var testSamples = section.Integer("test-samples", SimulationSpec.Default.TestSamples);
        if (testSamples < 0) throw section.Error("test-samples", $"must be at least 0 (0: no test sample), got {testSamples}");
        if (Limits.AtMost(testSamples, Limits.MaxTestSamples) is { } tooLarge) throw section.Error("test-samples", tooLarge);
        var stepEstimate = (StepEstimate)section.Choice("step-estimate", SimulationSpec.StepEstimateNames, "samples");
        return new SimulationSpec(runs, seed, testSamples, stepEstimate);
    }

    private static int PositiveInteger(TomlSection section, string key, int max = int.MaxValue)
    {
        var value = section.RequiredInteger(key);
        if (value <= 0) throw section.Error(key, $"must be positive, got {value}");
        return Limits.AtMost(value, max) is { } tooLarge ? throw section.Error(key, tooLarge) : value;
    }

    private static double PositiveNumber(TomlSection section, string key, double? fallback = null)
    {
        if (fallback is double f && !section.Has(key))
        {
            return f;
        }

        var value = section.RequiredNumber(key);
        return value > 0 ? value : throw section.Error(key, $"must be positive, got {TomlSection.Describe(value)}");
    }
}
