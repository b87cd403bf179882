namespace HighDimSgd.Core.Expectations;

/// <summary>Which moments <see cref="GaussianQuadrature.Compute"/> should fill.</summary>
[Flags]
public enum MomentKinds
{
    /// <summary>E f.</summary>
    Loss = 1,

    /// <summary>E grad_r f.</summary>
    Gradient = 2,

    /// <summary>E[grad_r f grad_r f^T].</summary>
    Fisher = 4,

    /// <summary>E[grad_r f (x - M)^T].</summary>
    GradientCross = 8,

    /// <summary>Everything.</summary>
    All = Loss | Gradient | Fisher | GradientCross,
}

/// <summary>
/// Moments of a per-sample loss under <c>x = (r, r*) ~ N(M, B)</c>, <c>eps ~ N(0, I)</c>. Buffers are
/// allocated once and overwritten by each <see cref="GaussianQuadrature.Compute"/>; matrices are row-major.
/// </summary>
public sealed class GaussianMoments
{
    /// <summary>Buffers for l student and l* teacher directions.</summary>
    public GaussianMoments(int studentDirections, int teacherDirections)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(studentDirections);
        ArgumentOutOfRangeException.ThrowIfNegative(teacherDirections);
        StudentDirections = studentDirections;
        TeacherDirections = teacherDirections;
        Gradient = new double[studentDirections];
        Fisher = new double[studentDirections * studentDirections];
        GradientCross = new double[studentDirections * (studentDirections + teacherDirections)];
    }

    /// <summary>l.</summary>
    public int StudentDirections { get; }

    /// <summary>l*.</summary>
    public int TeacherDirections { get; }

    /// <summary>l + l*, the length of x.</summary>
    public int StateDimension => StudentDirections + TeacherDirections;

    /// <summary>E f.</summary>
    public double Loss { get; internal set; }

    /// <summary>E grad_r f (length l).</summary>
    public double[] Gradient { get; }

    /// <summary>E[grad_r f grad_r f^T] (l x l).</summary>
    public double[] Fisher { get; }

    /// <summary>E[grad_r f (x - M)^T] (l x (l + l*)); times B^+ it is the drift J (Stein's lemma).</summary>
    public double[] GradientCross { get; }

    /// <summary>Which moments the last computation filled.</summary>
    public MomentKinds Filled { get; internal set; }

    /// <summary>Effective dimension (rank of B plus noise count) of the last quadrature, or -1 when closed forms covered everything.</summary>
    public int EffectiveDimension { get; internal set; }
}
