namespace HighDimSgd.Core.Problems;

/// <summary>A validated problem file. Every command reads the same value; nothing in it is guessed.</summary>
public sealed record Problem(
    string SourcePath,
    string Title,
    DataSpec Data,
    TeacherSpec? Teacher,
    StudentSpec Student,
    LossSpec Loss,
    OptimizerSpec Optimizer,
    OutputSpec Output,
    SolverSpec Solver,
    SimulationSpec Simulation)
{
    /// <summary>The folder that relative <c>file</c> paths in the problem are resolved against.</summary>
    public string BaseDirectory => Path.GetDirectoryName(Path.GetFullPath(SourcePath)) ?? Directory.GetCurrentDirectory();

    /// <summary>True when the data is a Gaussian mixture (at least one <c>[[data.classes]]</c> entry) or real data.</summary>
    public bool IsMixture => Data.Classes.Count > 0 || Data.Source is not null;

    /// <summary>True when the labels are the classes' own hard labels rather than a teacher's outputs.</summary>
    public bool HasHardLabels => Teacher is null && IsMixture;

    /// <summary>The sections that define the model.</summary>
    public ModelSections Model => new(SourcePath, Title, Teacher, Student, Loss, Data.Classes) { Source = Data.Source };
}

/// <summary>
/// <c>[data]</c>: the dimension and either one zero-mean Gaussian (<see cref="Spectrum"/>), a Gaussian mixture
/// (<see cref="Classes"/>, empty for the single Gaussian) or real data (<see cref="Source"/>).
/// </summary>
public sealed record DataSpec(int Dimension, SpectrumSpec? Spectrum, IReadOnlyList<ClassSpec> Classes, DataSourceSpec? Source);

/// <summary>
/// Real data, <c>[data.source]</c>: labelled samples in a file format (<see cref="KnownKinds"/>), a training split and a
/// test split (its own files, or the last <see cref="TestFraction"/> of the training file), the classes kept (original
/// label values, in order) and how they become labels: binary (<see cref="Positive"/> gets y = 1, the other class 0)
/// or one-hot in the listed order.
/// </summary>
/// <param name="Epochs">Passes over the training split (the default horizon is n_train * epochs / d).</param>
/// <param name="Location">Where the table was written, for errors found while reading the data.</param>
public sealed record DataSourceSpec(
    string Kind,
    DataFiles Train,
    DataFiles? Test,
    double? TestFraction,
    IReadOnlyList<int> Classes,
    int? Positive,
    string? LabelColumn,
    int Epochs,
    SpecLocation Location)
{
    public static IReadOnlyList<string> KnownKinds { get; } = ["idx", "npy", "csv"];

    /// <summary>True for binary labels (one class is 1, the other 0); false for one-hot labels.</summary>
    public bool IsBinary => Positive is not null;
}

/// <summary>The files of one split: features (images) and labels (idx, npy) or one CSV file (<see cref="Labels"/> null).</summary>
/// <param name="Features">Full path.</param>
/// <param name="FeaturesKey">The dotted key that named <see cref="Features"/>, for errors.</param>
public sealed record DataFiles(string Features, string? Labels, string FeaturesKey, string? LabelsKey);

/// <summary>One mixture component <c>a | c ~ N(mu_c, K_c)</c>, chosen with probability <c>Probability</c>.</summary>
/// <param name="Label">The hard label, or null when a teacher gives (soft) labels.</param>
public sealed record ClassSpec(double Probability, ClassLabel? Label, WeightSpec Mean, SpectrumSpec Spectrum);

/// <summary>A class's hard label.</summary>
public abstract record ClassLabel;

/// <summary>A scalar label <c>y</c> (binary problems: 1 for one class, 0 for the other).</summary>
public sealed record ScalarLabel(double Value) : ClassLabel;

/// <summary>One-hot labels <c>y1..yC</c>: class <c>c</c> (file order) has <c>y_c = 1</c>, the others 0.</summary>
public sealed record OneHotLabel : ClassLabel;

/// <summary><c>[teacher]</c>: <c>l*</c> rows of <c>X*</c> and the output formulas <c>y = phi(r*, eps)</c>.</summary>
public sealed record TeacherSpec(int Directions, IReadOnlyList<WeightSpec> Weights, IReadOnlyList<string> Outputs);

/// <summary><c>[student]</c>: <c>l</c> rows of the initial <c>X0</c> and the output formulas <c>g(r)</c>.</summary>
public sealed record StudentSpec(int Directions, IReadOnlyList<WeightSpec> Init, IReadOnlyList<string> Outputs);

/// <summary><c>[loss]</c>: exactly one of a formula <c>f(g, y)</c> and a preset name (resolved by the model registry).</summary>
public sealed record LossSpec(string? Expression, string? Preset);

/// <summary>The step-size rule (<c>schedule</c>).</summary>
public enum LearningRateSchedule
{
    Constant,
    AdagradNorm,
    RmspropNorm,
    Polyak,
    LineSearch,
    Formula,
}

/// <summary><c>[optimizer]</c>. See docs/problem-files.md for what <see cref="LearningRate"/> means per schedule.</summary>
/// <param name="LearningRate">gamma (constant), eta (adaptive schedules); 1 and unused for <c>formula</c>.</param>
/// <param name="B0">b0 of adagrad-norm / rmsprop-norm (default 1).</param>
/// <param name="Decay">alpha of rmsprop-norm, per unit of time t (default 1).</param>
/// <param name="RateFormula">gamma(t) (key <c>rate</c>), only with schedule <c>formula</c>.</param>
/// <param name="Horizon">T = n/d.</param>
public sealed record OptimizerSpec(
    double LearningRate,
    LearningRateSchedule Schedule,
    double B0,
    double Decay,
    string? RateFormula,
    double Horizon)
{
    /// <summary>The schedule's name as written in problem files.</summary>
    public string ScheduleName => ScheduleNames[(int)Schedule];

    /// <summary>Indexed by <see cref="LearningRateSchedule"/>.</summary>
    public static IReadOnlyList<string> ScheduleNames { get; } =
        ["constant", "adagrad-norm", "rmsprop-norm", "polyak", "line-search", "formula"];
}

/// <summary>How checkpoints are placed on <c>[0, T]</c>.</summary>
public enum TimeSpacing
{
    Linear,
    Log,
}

/// <summary>
/// <c>[output]</c>. Statistics are names such as <c>"risk"</c> or, restricted to a named index block,
/// <c>"norm:low"</c> (see <see cref="StatisticRequest"/>).
/// </summary>
/// <param name="LogStart">First positive time of a log grid (key <c>log-start</c>); null: 1e-3 T.</param>
public sealed record OutputSpec(
    int Checkpoints,
    TimeSpacing Spacing,
    double? LogStart,
    IReadOnlyList<string> Statistics,
    IReadOnlyList<IndexBlock> Blocks)
{
    /// <summary>Statistics a problem may request.</summary>
    public static IReadOnlyList<string> KnownStatistics => Dynamics.StatisticsCatalog.Known;

    /// <summary>Statistics that can be restricted to an index block (<c>name:block</c>).</summary>
    public static IReadOnlyList<string> ProjectableStatistics => Dynamics.StatisticsCatalog.Projectable;

    /// <summary>The checkpoint times: t = 0 then <see cref="Checkpoints"/> - 1 more up to the horizon.</summary>
    public double[] Times(double horizon)
    {
        var times = new double[Checkpoints];
        if (Checkpoints == 1)
        {
            times[0] = horizon;
            return times;
        }

        if (Spacing == TimeSpacing.Linear)
        {
            for (var k = 0; k < Checkpoints; k++)
            {
                times[k] = horizon * k / (Checkpoints - 1);
            }

            return times;
        }

        // A log grid cannot start at 0; t = 0 is kept as the first point so every output starts at the initial state.
        var start = Math.Min(LogStart ?? 1e-3 * horizon, horizon);
        var ratio = Math.Log(horizon / start);
        for (var k = 1; k < Checkpoints; k++)
        {
            times[k] = start * Math.Exp(ratio * (k - 1) / Math.Max(1, Checkpoints - 2));
        }

        times[^1] = horizon;
        return times;
    }
}

/// <summary>
/// A named range of eigen-directions, given as fractions of <c>d</c>: <c>blocks = { low = [0, 0.25] }</c> is the
/// first quarter of the coordinates.
/// </summary>
public sealed record IndexBlock(string Name, double From, double To)
{
    /// <summary>Coordinates <c>[Start, End)</c> (0-based) of this block at dimension <paramref name="dimension"/>.</summary>
    public (int Start, int End) Range(int dimension) =>
        ((int)Math.Round(From * dimension, MidpointRounding.AwayFromZero),
         (int)Math.Round(To * dimension, MidpointRounding.AwayFromZero));
}

/// <summary>A parsed statistics entry: <c>"norm"</c> or <c>"norm:low"</c>.</summary>
public sealed record StatisticRequest(string Name, string? Block)
{
    public static StatisticRequest Parse(string text)
    {
        var colon = text.IndexOf(':');
        return colon < 0 ? new StatisticRequest(text, null) : new StatisticRequest(text[..colon], text[(colon + 1)..]);
    }

    /// <summary>A CSV column name: <c>norm</c> or <c>norm_low</c>.</summary>
    public string ColumnName => Block is null ? Name : $"{Name}_{Block}";

    public override string ToString() => Block is null ? Name : $"{Name}:{Block}";
}

/// <summary>How the theory side represents the spectrum.</summary>
public enum SolverMethod
{
    /// <summary>Per eigen-direction (grouped) when there are few distinct eigenvalues, a compressed spectrum otherwise.</summary>
    Auto,

    /// <summary>Per eigen-direction (grouped by distinct eigenvalue).</summary>
    Eigen,

    /// <summary>Resolvent contour quadrature.</summary>
    Contour,

    /// <summary>Per eigen-direction on a compressed spectrum (interpolation in log lambda; cost independent of d).</summary>
    Compressed,

    /// <summary>Dense second moments (theory.md section 10): exact when the class covariances do not commute.</summary>
    Dense,
}

/// <summary><c>[solver]</c>, optional. Null orders mean "chosen automatically".</summary>
public sealed record SolverSpec(
    SolverMethod Method,
    double RelativeTolerance,
    double AbsoluteTolerance,
    int? QuadratureOrder,
    int? ContourNodes,
    bool? Stiff)
{
    public static SolverSpec Default { get; } = new(SolverMethod.Auto, 1e-7, 1e-10, null, null, null);

    /// <summary>Gauss-Hermite nodes per axis for 3 effective dimensions (null: the default, 16).</summary>
    public int? QuadratureOrderThreeDimensions { get; init; }

    /// <summary>Gauss-Hermite nodes per axis for 4 effective dimensions (null: the default, 10).</summary>
    public int? QuadratureOrderFourDimensions { get; init; }
}

/// <summary><c>[simulation]</c>, optional.</summary>
/// <param name="TestSamples">
/// Size of the fixed test sample on which each SGD run's loss (and classification error) is averaged, independently of
/// the theory's quadrature; 0: none.
/// </param>
/// <param name="StepEstimate">Where simulated SGD's Polyak and line-search steps get their inputs.</param>
public sealed record SimulationSpec(int Runs, long Seed, int TestSamples = 0, StepEstimate StepEstimate = StepEstimate.Samples)
{
    public static SimulationSpec Default { get; } = new(20, 1);

    /// <summary>Values of <c>simulation.step-estimate</c>, in the order of <see cref="Problems.StepEstimate"/>.</summary>
    public static IReadOnlyList<string> StepEstimateNames { get; } = ["samples", "oracle"];
}

/// <summary><c>simulation.step-estimate</c>: how simulated SGD evaluates a step-size rule that reads the state.</summary>
public enum StepEstimate
{
    /// <summary>Running averages over the samples SGD draws: an estimate the theory did not compute.</summary>
    Samples,

    /// <summary>
    /// The theory's own rate formula at the exact overlaps of the run's weights: not a check of that formula, since
    /// both sides share it.
    /// </summary>
    Oracle,
}

/// <summary>The parts of a problem that define its model: what <c>derive</c> reads.</summary>
public sealed record ModelSections(
    string SourcePath,
    string Title,
    TeacherSpec? Teacher,
    StudentSpec Student,
    LossSpec Loss,
    IReadOnlyList<ClassSpec> Classes)
{
    /// <summary>Real data, whose labels come from its files (null for synthetic data).</summary>
    public DataSourceSpec? Source { get; init; }

    /// <summary>Free label variables y1..: 0 with a teacher; 1 for numeric class labels; C for one-hot.</summary>
    public int LabelCount => Source is { } source
        ? source.IsBinary ? 1 : source.Classes.Count
        : Teacher is not null || Classes.Count == 0
        ? 0
        : Classes[0].Label switch
        {
            OneHotLabel => Classes.Count,
            ScalarLabel => 1,
            _ => 0,
        };
}
