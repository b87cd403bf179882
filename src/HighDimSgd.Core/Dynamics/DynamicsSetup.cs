using HighDimSgd.Core.Models;

namespace HighDimSgd.Core.Dynamics;

/// <summary>One Gaussian component of the data, in the eigenbasis of the (commuting) covariances.</summary>
/// <param name="Probability">p_c.</param>
/// <param name="Mean">mu_c, length d (all zeros for the single-Gaussian case).</param>
/// <param name="Eigenvalues">Spectrum of K_c, length d.</param>
/// <param name="Labels">Values of the free label variables y for this class (empty when a teacher gives y).</param>
public sealed record DataClass(double Probability, double[] Mean, double[] Eigenvalues, double[] Labels)
{
    /// <summary>The single-Gaussian case: one class, probability 1, zero mean, no free labels.</summary>
    public static DataClass CenteredGaussian(double[] eigenvalues) => new(1.0, new double[eigenvalues.Length], eigenvalues, []);

    /// <summary>
    /// The full covariance K_c (row-major d x d) in the basis of the other vectors, when it is not diagonal there (real
    /// data: the classes' covariances do not commute); <see cref="Eigenvalues"/> is then its diagonal, which is what the
    /// per-direction forms use (the commuting approximation). Null: K_c is diagonal with entries <see cref="Eigenvalues"/>.
    /// </summary>
    public double[]? Covariance { get; init; }

    /// <summary>True when the class mean is exactly zero.</summary>
    public bool HasZeroMean => Array.TrueForAll(Mean, m => m == 0);

    /// <summary>Tr K_c / d.</summary>
    public double MeanEigenvalue => Eigenvalues.Average();
}

/// <summary>
/// Everything the limiting dynamics needs, as plain arrays: the model, the data classes, the teacher
/// and initial student rows (coordinates in the eigenbasis), the schedule and the time grid.
/// </summary>
public sealed record DynamicsSetup(
    LossModel Model,
    IReadOnlyList<DataClass> Classes,
    double[][] Teacher,
    double[][] Init,
    StepSizeSchedule Schedule,
    double[] OutputTimes)
{
    /// <summary>Named index ranges for block-projected statistics (e.g. the zero-one model's I_00 .. I_11).</summary>
    public IReadOnlyList<Mixtures.DirectionBlock> Blocks { get; init; } = [];

    /// <summary>d.</summary>
    public int Dimension => Classes[0].Eigenvalues.Length;

    /// <summary>l.</summary>
    public int StudentDirections => Init.Length;

    /// <summary>l*.</summary>
    public int TeacherDirections => Teacher.Length;

    /// <summary>l + l*: size of the overlap matrices.</summary>
    public int StateSize => Init.Length + Teacher.Length;

    /// <summary>Rows of W = [X0; X*].</summary>
    public double[][] Rows => [.. Init, .. Teacher];

    /// <summary>True when every class has zero mean (no Q states are needed).</summary>
    public bool ZeroMeans => Classes.All(c => c.HasZeroMean);

    /// <summary>Checks the shapes; a violation is a programming error, not a user mistake.</summary>
    public void Validate()
    {
        if (Classes.Count == 0) throw new ArgumentException("At least one data class is required.");
        var d = Dimension;
        foreach (var c in Classes)
            if (c.Mean.Length != d || c.Eigenvalues.Length != d)
                throw new ArgumentException("Every class needs a mean and a spectrum of length d.");
        foreach (var row in Rows)
            if (row.Length != d) throw new ArgumentException("Every weight row must have length d.");
        if (Model.StudentDirections != StudentDirections || Model.TeacherDirections != TeacherDirections)
            throw new ArgumentException(
                $"Model '{Model.Name}' has l = {Model.StudentDirections}, l* = {Model.TeacherDirections}, but the problem has {StudentDirections} and {TeacherDirections} rows.");
        if (OutputTimes.Length < 2) throw new ArgumentException("At least two output times are required.");
    }
}
