namespace HighDimSgd.Core.Expectations;

/// <summary>Accuracy settings of <see cref="GaussianQuadrature"/>.</summary>
/// <remarks>
/// The effective dimension is rank(B) plus the model's noise count. Up to
/// <see cref="MaxTensorDimension"/> it uses a tensor Gauss-Hermite rule; beyond, a Smolyak sparse grid
/// on Gauss-Hermite rules of orders 1, 3, 5, ... Both are deterministic, so moments are smooth in B.
/// </remarks>
public sealed record QuadratureOptions
{
    /// <summary>
    /// Nodes per dimension for effective dimension 1 or 2. High because a smooth integrand can still change steeply (a
    /// noisy step teacher integrated with <see cref="AlignTransitions"/> off leaves a transition of width ~ noise / signal:
    /// 96 nodes are off by 4e-4 for a 0.3 / 2 ratio, 24 by 10 %).
    /// </summary>
    public int OrderLowDimensions { get; init; } = 96;

    /// <summary>Nodes per dimension for effective dimension 3.</summary>
    public int OrderThreeDimensions { get; init; } = 16;

    /// <summary>Nodes per dimension for effective dimension 4.</summary>
    public int OrderFourDimensions { get; init; } = 10;

    /// <summary>Largest effective dimension integrated by a tensor rule.</summary>
    public int MaxTensorDimension { get; init; } = 4;

    /// <summary>Smolyak level (1 = the centre point only) for higher dimensions.</summary>
    public int SparseGridLevel { get; init; } = 6;

    /// <summary>Beyond <see cref="MaxTensorDimension"/>, use the rank-1 lattice rule (default) instead of Smolyak grids.</summary>
    public bool UseLatticeBeyondTensor { get; init; } = true;

    /// <summary>
    /// Integrate a model whose integrand has kinks or jumps on hyperplanes (relu, abs, step, sign, max and min of linear
    /// forms) by rules split there (<see cref="SplitGaussianRule"/>), up to <see cref="MaxSplitDimension"/> dimensions.
    /// </summary>
    public bool SplitAtKinks { get; init; } = true;

    /// <summary>Largest effective dimension integrated by split rules; beyond, the tensor or lattice rule as for smooth models.</summary>
    public int MaxSplitDimension { get; init; } = 3;

    /// <summary>
    /// Split rules in 1 or 2 dimensions: nodes of the half-range rule on each tail of an axis, and Gauss-Legendre nodes per
    /// finite piece. (8, 10) integrates products of relus and steps to about 1e-10 with 3000-6200 points; for two
    /// directions correlated at rho -> 1 the integral over one leaves a steep change of width sqrt(1 - rho^2) in the other,
    /// and the error grows to about 2e-6 for a product of steps at rho = 0.999 (4e-9 for relus).
    /// </summary>
    public (int HalfRange, int Piece) SplitOrdersLowDimensions { get; init; } = (8, 10);

    /// <summary>Split rules in 3 dimensions: (10, 8) gives 1e-10 to 1e-7 on orthant probabilities with 16,000-64,000 points.</summary>
    public (int HalfRange, int Piece) SplitOrdersThreeDimensions { get; init; } = (10, 8);

    /// <summary>The split rule's orders for an effective dimension.</summary>
    public (int HalfRange, int Piece) SplitOrders(int dimension) => dimension <= 2 ? SplitOrdersLowDimensions : SplitOrdersThreeDimensions;

    /// <summary>
    /// Integrate the transition an averaged noisy jump leaves (<c>Phi(r* / s)</c> for a teacher <c>step(r* + s eps)</c>)
    /// on a factor aligned with it (<see cref="TransitionGaussianRule"/>); off, the tensor rule takes it as it takes a
    /// smooth integrand.
    /// </summary>
    public bool AlignTransitions { get; init; } = true;

    /// <summary>
    /// The aligned transition rule's orders: Gauss-Legendre nodes per piece across the transition, and Gauss-Hermite nodes
    /// of each other variable in one or two dimensions. (8, 24) is within 3e-10 of (16, 64) on the logistic example's
    /// noisy teacher at every overlap, with fewer points than the 96 x 96 tensor rule, which is off by 4e-4 there (three and four dimensions take <see cref="OrderThreeDimensions"/>
    /// and <see cref="OrderFourDimensions"/>).
    /// </summary>
    public (int Piece, int Across) TransitionOrders { get; init; } = (8, 24);

    /// <summary>The aligned transition rule's Gauss-Hermite order of the other variables for an effective dimension.</summary>
    public int TransitionAcrossOrder(int dimension) => dimension <= 2 ? TransitionOrders.Across : TensorOrder(dimension);

    /// <summary>
    /// Points (a prime) of the rank-1 lattice rule beyond the tensor range. 4093, not 2039: on the 15-class example at
    /// d = 1000 the 2039-point rule left the final risk 0.46 % and the norm 0.7 % off (a 5 standard error gap to SGD at
    /// t = 10), 4093 points 2e-4 (8191: 2e-5).
    /// </summary>
    public int LatticePoints { get; init; } = 4093;

    /// <summary>Eigenvalues of B at or below this fraction of the largest are dropped (the Gaussian lives on the rest).</summary>
    public double RankTolerance { get; init; } = SmallSymmetric.DefaultRelativeTolerance;

    /// <summary>Ignore the model's closed forms and always integrate numerically (for testing the closed forms).</summary>
    public bool ForceQuadrature { get; init; }

    /// <summary>The defaults.</summary>
    public static QuadratureOptions Default { get; } = new();

    /// <summary>Tensor order used for an effective dimension (1 to <see cref="MaxTensorDimension"/>).</summary>
    public int TensorOrder(int dimension) => dimension switch
    {
        <= 2 => OrderLowDimensions,
        3 => OrderThreeDimensions,
        4 => OrderFourDimensions,
        // Tensor beyond 4 only when asked for: keep the point count near that of dimension 4.
        _ => Math.Max(2, (int)Math.Floor(Math.Pow(Math.Pow(OrderFourDimensions, 4), 1.0 / dimension))),
    };

    internal void Validate()
    {
        if (OrderLowDimensions < 1 || OrderThreeDimensions < 1 || OrderFourDimensions < 1)
            throw new ArgumentException("Gauss-Hermite orders must be positive.");
        if (SplitOrdersLowDimensions.HalfRange < 1 || SplitOrdersLowDimensions.Piece < 1 ||
            SplitOrdersThreeDimensions.HalfRange < 1 || SplitOrdersThreeDimensions.Piece < 1)
            throw new ArgumentException("Split rule orders must be positive.");
        if (TransitionOrders.Piece < 1 || TransitionOrders.Across < 1) throw new ArgumentException("Transition rule orders must be positive.");
        if (LatticePoints < 7) throw new ArgumentException("The lattice rule needs at least 7 points.");
        if (MaxTensorDimension < 0) throw new ArgumentException("MaxTensorDimension must be non-negative.");
        if (SparseGridLevel < 1) throw new ArgumentException("SparseGridLevel must be at least 1.");
        if (!(RankTolerance >= 0 && RankTolerance < 1)) throw new ArgumentException("RankTolerance must be in [0, 1).");
    }
}
