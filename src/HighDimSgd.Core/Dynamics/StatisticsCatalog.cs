using HighDimSgd.Core.Expectations;
using System.Globalization;
using System.Runtime.CompilerServices;
using HighDimSgd.Core.Dynamics.Mixtures;
using MathNet.Numerics.Distributions;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The statistics a run can report, computed from the overlaps and class moments held by a
/// <see cref="DriftEvaluator"/> (and, for statistics restricted to index blocks, from <see cref="BlockOverlaps"/>).
/// The ODE and simulated SGD both go through here, so a column means the same thing on both sides.
/// </summary>
public static class StatisticsCatalog
{
    private static readonly ConditionalWeakTable<DriftEvaluator, ArgmaxError[]> ArgmaxRules = new();

    /// <summary>Every statistic name accepted in <c>[output] statistics</c>.</summary>
    public static IReadOnlyList<string> Known { get; } =
    [
        "risk", "lr", "norm", "overlap", "distance", "alignment", "lr_threshold",
        "mean_overlap", "class_risk", "classification_error", "moment1", "moment2", "moment3", "moment4",
    ];

    /// <summary>
    /// The error estimate (about a 99.5% bound) <c>classification_error</c> meets for one-hot labels at each checkpoint:
    /// 5x below the 1e-3 it is promised to; 1e-4 costs twice the points (15 classes: about 0.5 s more per solve).
    /// </summary>
    public const double ClassificationErrorTolerance = 2e-4;

    /// <summary>Highest power j of a <c>momentj</c> statistic, tr(X K^j X^T).</summary>
    public const int MaxMoment = 4;

    /// <summary>The power j of a <c>momentj</c> column, or 0 for another column.</summary>
    public static int MomentPower(string column) =>
        column.Length == 7 && column.StartsWith("moment", StringComparison.Ordinal) && column[6] is >= '1' and <= '4'
            ? column[6] - '0'
            : 0;

    /// <summary>Statistics that can be restricted to an index block (<c>name:block</c>, column <c>name_block</c>).</summary>
    public static IReadOnlyList<string> Projectable { get; } = ["norm", "overlap", "distance", "alignment", "mean_overlap"];

    /// <summary>
    /// Why <paramref name="name"/> cannot be reported for this setup, or null when it can.
    /// </summary>
    public static string? Unsupported(string name, DynamicsSetup setup)
    {
        var l = setup.StudentDirections;
        var lStar = setup.TeacherDirections;
        return name switch
        {
            "risk" or "lr" or "norm" => null,
            "overlap" or "alignment" when lStar == 0 && setup.ZeroMeans => "it needs a teacher or a class mean",
            "overlap" or "alignment" => null,
            "distance" or "lr_threshold" when l != lStar => $"it needs as many student as teacher directions (l = {l}, l* = {lStar})",
            "distance" or "lr_threshold" => null,
            "mean_overlap" when setup.ZeroMeans => "every class mean is zero",
            "mean_overlap" => null,
            "class_risk" => null,
            _ when MomentPower(name) > 0 && setup.Classes.Count > 1 => "it is defined for a single Gaussian (one K)",
            _ when MomentPower(name) > 0 => null,
            "classification_error" when !IsBinaryHardLabel(setup) && !IsOneHot(setup) =>
                "it needs hard labels: two classes with labels 1 and 0 and one student direction, or one-hot labels with one student direction per class",
            "classification_error" => null,
            _ => $"unknown statistic; known: {string.Join(", ", Known)}",
        };
    }

    /// <summary>Why <paramref name="name"/> cannot be restricted to an index block, or null when it can.</summary>
    public static string? UnsupportedProjection(string name) =>
        Projectable.Contains(name) ? null : $"only {string.Join(", ", Projectable)} can be restricted to an index block";

    private static bool IsBinaryHardLabel(DynamicsSetup setup) =>
        setup.StudentDirections == 1 && setup.Classes.Count == 2 &&
        setup.Classes.All(c => c.Labels.Length == 1 && (c.Labels[0] == 0 || c.Labels[0] == 1));

    private static bool IsOneHot(DynamicsSetup setup) =>
        setup.StudentDirections >= 2 &&
        setup.Classes.All(c => c.Labels.Length == setup.StudentDirections && c.Labels.Count(y => y == 1) == 1 && c.Labels.Count(y => y == 0) == c.Labels.Length - 1);

    /// <summary>
    /// Column names for the requested statistics (risk first, class_risk expanded per class, <c>name:block</c> as
    /// <c>name_block</c>).
    /// </summary>
    public static string[] Columns(IEnumerable<string> requested, DynamicsSetup setup)
    {
        var columns = new List<string> { "risk" };
        foreach (var name in requested.Distinct())
        {
            if (name == "risk") continue;
            if (name == "class_risk")
                columns.AddRange(Enumerable.Range(1, setup.Classes.Count).Select(c => $"risk_class{c}"));
            else columns.Add(name.Replace(':', '_'));
        }
        return [.. columns];
    }

    /// <summary>
    /// What <see cref="Compute"/> reads of an evaluator for <paramref name="columns"/> besides its overlaps: the loss for
    /// risks, everything (<see cref="MomentKinds.All"/>, with the drift) for lr_threshold, nothing for overlaps, norms,
    /// errors and moments of the kernel. Simulated runs evaluate only that much at their checkpoints.
    /// </summary>
    public static MomentKinds NeededMoments(IReadOnlyList<string> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        MomentKinds needed = 0;
        foreach (var column in columns)
        {
            if (column == "lr_threshold") return MomentKinds.All;
            if (column == "risk" || column.StartsWith("risk_class", StringComparison.Ordinal)) needed |= MomentKinds.Loss;
        }
        return needed;
    }

    /// <summary>Writes the values of <paramref name="columns"/> (from <see cref="Columns"/>) at the evaluator's last state.</summary>
    public static void Compute(IReadOnlyList<string> columns, DriftEvaluator evaluator, double rate, Span<double> into) =>
        Compute(columns, evaluator, rate, into, null);

    /// <summary>
    /// Writes the values of <paramref name="columns"/> at the evaluator's last state; block-restricted columns
    /// (<c>name_block</c>) read <paramref name="blocks"/>, filled for the same state.
    /// </summary>
    public static void Compute(IReadOnlyList<string> columns, DriftEvaluator evaluator, double rate, Span<double> into, BlockOverlaps? blocks)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(evaluator);
        var p = evaluator.Parameters;
        var whole = new OverlapView(p.Gram, p.Means, 0, evaluator.Setup.Dimension);
        for (var k = 0; k < columns.Count; k++)
        {
            var column = columns[k];
            into[k] = column switch
            {
                "risk" => evaluator.Risk,
                "lr" => rate,
                "lr_threshold" => evaluator.Context.StabilityThreshold,
                "classification_error" => ClassificationError(evaluator),
                _ when MomentPower(column) is > 0 and var j => p.StudentKernelMoments[j],
                _ when column.StartsWith("risk_class", StringComparison.Ordinal) =>
                    evaluator.Moments[int.Parse(column["risk_class".Length..], CultureInfo.InvariantCulture) - 1].Loss,
                _ when Projectable.Contains(column) => Projected(column, whole, evaluator.Setup),
                _ => ProjectedColumn(column, evaluator.Setup, blocks),
            };
        }
    }

    /// <summary>Overlaps summed over a range of directions: N, M_c and the range (for |mu_c| on it).</summary>
    private readonly record struct OverlapView(double[] Gram, double[][] Means, int Start, int End);

    private static double ProjectedColumn(string column, DynamicsSetup setup, BlockOverlaps? blocks)
    {
        foreach (var name in Projectable)
        {
            if (!column.StartsWith(name + "_", StringComparison.Ordinal)) continue;
            var blockName = column[(name.Length + 1)..];
            if (blocks is null)
                throw new ArgumentException($"Column '{column}' is restricted to block '{blockName}' but no block overlaps were given.");
            var b = blocks.IndexOf(blockName);
            if (b < 0) continue;
            var block = blocks.Blocks[b];
            return Projected(name, new OverlapView(blocks.Grams[b], blocks.Means[b], block.Start, block.End), setup);
        }
        throw new ArgumentException($"Unknown statistic column '{column}'.");
    }

    private static double Projected(string name, OverlapView view, DynamicsSetup setup)
    {
        var n = setup.StateSize;
        var l = setup.StudentDirections;
        var gram = view.Gram;
        return name switch
        {
            "norm" => Trace(gram, n, 0, 0, l),
            "overlap" => setup.TeacherDirections == 0 ? view.Means[0][0] : Trace(gram, n, 0, l, Math.Min(l, setup.TeacherDirections)),
            "distance" => Trace(gram, n, 0, 0, l) - 2 * Trace(gram, n, 0, l, l) + Trace(gram, n, l, l, l),
            "alignment" => Alignment(view, setup),
            "mean_overlap" => view.Means[0][0],
            _ => throw new ArgumentException($"Unknown statistic '{name}'."),
        };
    }

    private static double Trace(double[] m, int n, int row0, int col0, int count)
    {
        double s = 0;
        for (var i = 0; i < count; i++) s += m[(row0 + i) * n + col0 + i];
        return s;
    }

    /// <summary>Cosine between the first student row and the teacher (or the first class mean), on the view's directions.</summary>
    private static double Alignment(OverlapView view, DynamicsSetup setup)
    {
        var n = setup.StateSize;
        var gram = view.Gram;
        var l = setup.StudentDirections;
        var studentNorm = Math.Sqrt(gram[0]);
        if (setup.TeacherDirections > 0)
            return gram[l] / (studentNorm * Math.Sqrt(gram[l * n + l]));
        var mean = setup.Classes[0].Mean;
        double meanSquared = 0;
        for (var i = view.Start; i < view.End; i++) meanSquared += mean[i] * mean[i];
        return view.Means[0][0] / (studentNorm * Math.Sqrt(meanSquared));
    }

    /// <summary>
    /// P(wrong class) = sum_c p_c P_c(wrong): the sign of r for binary labels 1/0, the argmax of r for one-hot labels.
    /// Both read the preactivations: this is the error of the student outputs g when g is increasing in r (g = r).
    /// </summary>
    /// <remarks>
    /// One-hot: each class has its own <see cref="ArgmaxError"/> rule, seeded by its index, so the classes' errors are
    /// independent and that of the sum is sqrt(sum_c p_c^2 e_c^2); each class's tolerance
    /// <see cref="ClassificationErrorTolerance"/> / sqrt(sum_c p_c^2) makes it at most that.
    /// </remarks>
    private static double ClassificationError(DriftEvaluator evaluator)
    {
        var setup = evaluator.Setup;
        if (setup.StudentDirections == 1) return BinaryError(evaluator);
        var rules = ArgmaxRules.GetValue(evaluator, e =>
        {
            var classes = e.Setup.Classes;
            var tolerance = ClassificationErrorTolerance / Math.Sqrt(classes.Sum(c => c.Probability * c.Probability));
            return [.. Enumerable.Range(0, classes.Count).Select(c => new ArgmaxError(e.Setup.StudentDirections, tolerance, seed: c))];
        });
        double error = 0;
        for (var c = 0; c < setup.Classes.Count; c++)
        {
            var correct = Array.IndexOf(setup.Classes[c].Labels, 1.0);
            error += setup.Classes[c].Probability *
                     rules[c].Estimate(evaluator.Parameters.Means[c], evaluator.Parameters.Covariances[c], setup.StateSize, correct).Probability;
        }
        return error;
    }

    /// <summary>P(wrong sign) for a binary mixture with labels 1/0 and r ~ N(M_c, B_c) per class.</summary>
    private static double BinaryError(DriftEvaluator evaluator)
    {
        double error = 0;
        var classes = evaluator.Setup.Classes;
        for (var c = 0; c < classes.Count; c++)
        {
            var mean = evaluator.Parameters.Means[c][0];
            var sd = Math.Sqrt(Math.Max(evaluator.Parameters.Covariances[c][0], 0));
            var positive = classes[c].Labels[0] == 1;
            double wrong;
            if (sd == 0) wrong = positive ? (mean > 0 ? 0 : mean < 0 ? 1 : 0.5) : (mean < 0 ? 0 : mean > 0 ? 1 : 0.5);
            else wrong = positive ? Normal.CDF(0, 1, -mean / sd) : Normal.CDF(0, 1, mean / sd);
            error += classes[c].Probability * wrong;
        }
        return error;
    }
}
