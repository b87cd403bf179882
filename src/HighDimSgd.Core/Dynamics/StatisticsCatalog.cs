using MathNet.Numerics.Distributions;

namespace HighDimSgd.Core.Dynamics;

/// <summary>
/// The statistics a run can report, computed from the overlaps and class moments held by a
/// <see cref="DriftEvaluator"/>. The ODE and simulated SGD both go through here, so a column means the
/// same thing on both sides.
/// </summary>
public static class StatisticsCatalog
{
    /// <summary>Every statistic name accepted in <c>[output] statistics</c>.</summary>
    public static IReadOnlyList<string> Known { get; } =
    [
        "risk", "lr", "norm", "overlap", "distance", "alignment", "lr_threshold",
        "mean_overlap", "class_risk", "classification_error",
    ];

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
            "classification_error" when !IsBinaryHardLabel(setup) =>
                "it is available for a two-class mixture with labels 1 and 0 and a single student direction",
            "classification_error" => null,
            _ => $"unknown statistic; known: {string.Join(", ", Known)}",
        };
    }

    private static bool IsBinaryHardLabel(DynamicsSetup setup) =>
        setup.StudentDirections == 1 && setup.Classes.Count == 2 &&
        setup.Classes.All(c => c.Labels.Length == 1 && (c.Labels[0] == 0 || c.Labels[0] == 1));

    /// <summary>Column names for the requested statistics (risk first, class_risk expanded per class).</summary>
    public static string[] Columns(IEnumerable<string> requested, DynamicsSetup setup)
    {
        var columns = new List<string> { "risk" };
        foreach (var name in requested.Distinct())
        {
            if (name == "risk") continue;
            if (name == "class_risk")
                columns.AddRange(Enumerable.Range(1, setup.Classes.Count).Select(c => $"risk_class{c}"));
            else columns.Add(name);
        }
        return [.. columns];
    }

    /// <summary>Writes the values of <paramref name="columns"/> (from <see cref="Columns"/>) at the evaluator's last state.</summary>
    public static void Compute(IReadOnlyList<string> columns, DriftEvaluator evaluator, double rate, Span<double> into)
    {
        var setup = evaluator.Setup;
        var n = setup.StateSize;
        var l = setup.StudentDirections;
        var gram = evaluator.Parameters.Gram;
        for (var k = 0; k < columns.Count; k++)
        {
            var column = columns[k];
            into[k] = column switch
            {
                "risk" => evaluator.Risk,
                "lr" => rate,
                "norm" => Trace(gram, n, 0, 0, l),
                "overlap" => Overlap(evaluator),
                "distance" => Trace(gram, n, 0, 0, l) - 2 * Trace(gram, n, 0, l, l) + Trace(gram, n, l, l, l),
                "alignment" => Alignment(evaluator),
                "lr_threshold" => evaluator.Context.StabilityThreshold,
                "mean_overlap" => evaluator.Parameters.Means[0][0],
                "classification_error" => BinaryError(evaluator),
                _ when column.StartsWith("risk_class", StringComparison.Ordinal) =>
                    evaluator.Moments[int.Parse(column["risk_class".Length..], System.Globalization.CultureInfo.InvariantCulture) - 1].Loss,
                _ => throw new ArgumentException($"Unknown statistic column '{column}'."),
            };
        }
    }

    private static double Trace(double[] m, int n, int row0, int col0, int count)
    {
        double s = 0;
        for (var i = 0; i < count; i++) s += m[(row0 + i) * n + col0 + i];
        return s;
    }

    /// <summary>X . X* summed over paired rows when there is a teacher; otherwise X . mu_1 (first row).</summary>
    private static double Overlap(DriftEvaluator evaluator)
    {
        var setup = evaluator.Setup;
        var l = setup.StudentDirections;
        if (setup.TeacherDirections == 0) return evaluator.Parameters.Means[0][0];
        return Trace(evaluator.Parameters.Gram, setup.StateSize, 0, l, Math.Min(l, setup.TeacherDirections));
    }

    /// <summary>Cosine between the student and the teacher (or the first class mean) for the first row.</summary>
    private static double Alignment(DriftEvaluator evaluator)
    {
        var setup = evaluator.Setup;
        var n = setup.StateSize;
        var gram = evaluator.Parameters.Gram;
        var l = setup.StudentDirections;
        var studentNorm = Math.Sqrt(gram[0]);
        if (setup.TeacherDirections > 0)
            return gram[l] / (studentNorm * Math.Sqrt(gram[l * n + l]));
        var mean = setup.Classes[0].Mean;
        var meanNorm = Math.Sqrt(mean.Sum(x => x * x));
        return evaluator.Parameters.Means[0][0] / (studentNorm * meanNorm);
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
