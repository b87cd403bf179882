using System.Runtime.CompilerServices;
using HighDimSgd.Core.Models;

namespace HighDimSgd.Core.Expectations;

/// <summary>
/// Expectations of a <see cref="LossModel"/> over <c>x = (r, r*) ~ N(M, B)</c> and <c>eps ~ N(0, I)</c>
/// at fixed free labels <c>y</c>. B is factored by a symmetric eigen-decomposition and directions with
/// eigenvalue at or below <see cref="QuadratureOptions.RankTolerance"/> times the largest are dropped, so a
/// singular B (e.g. a zero student row at X0 = 0) integrates over its range only. The rule is
/// deterministic, so the moments are smooth in (M, B) as an adaptive ODE solver needs.
/// </summary>
/// <remarks>
/// All rules and buffers are built in the constructor: <see cref="Compute"/> allocates nothing.
/// An instance is not thread-safe; use one per thread.
/// </remarks>
public sealed class GaussianQuadrature
{
    private readonly LossModel _model;
    private readonly int _l, _n, _noise;
    private readonly StandardNormalRule[] _rules;
    private readonly bool _averaged;
    private readonly LatticeGaussianRule? _lattice;
    private readonly int[] _integratedNoise;
    private readonly double[] _eps, _fisher;
    private readonly double[] _symmetric, _eigenvalues, _eigenvectors, _work, _factor, _x, _centered, _gradient, _empty;
    private readonly double[] _factored;
    private int _factoredRank = -1;
    // Kinks and jumps of the integrand (LossModel.WriteKinks): split rules on a triangular factor instead of the tensor rule.
    private readonly int _kinkCount;
    // Indexed by the effective dimension: the orders fall with it.
    private readonly SplitGaussianRule[]? _split;
    private readonly double[] _kinks, _splitForms;
    // A noisy jump whose noise the model averages leaves a steep smooth transition (Phi(r*/s) for step(r* + s eps)):
    // integrated on a factor whose first variable crosses it (TransitionGaussianRule), not by the tensor rule.
    private readonly TransitionGaussianRule? _transition;
    private readonly double[] _transitionRows, _direction;

    /// <summary>Prepares rules for every effective dimension the model can reach.</summary>
    public GaussianQuadrature(LossModel model, QuadratureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Options = options ?? QuadratureOptions.Default;
        Options.Validate();
        _model = model;
        _l = model.StudentDirections;
        _n = model.StateDimension;
        _averaged = model.AveragedNoise.Count > 0 && !(options?.ForceQuadrature ?? false);
        _noise = model.NoiseCount - (_averaged ? model.AveragedNoise.Count : 0);
        _eps = new double[model.NoiseCount];
        _integratedNoise = [.. Enumerable.Range(0, model.NoiseCount).Where(k => !_averaged || !model.AveragedNoise.Contains(k))];
        _fisher = new double[model.StudentDirections * model.StudentDirections];
        // Beyond the tensor range a lattice rule replaces Smolyak grids, which grow to ~4e5 points by 15 dimensions
        // (softmax over 15 classes) and take seconds to build.
        var highest = Options.UseLatticeBeyondTensor ? Math.Min(_n + _noise, Options.MaxTensorDimension) : _n + _noise;
        _rules = new StandardNormalRule[highest + 1];
        for (var d = 0; d < _rules.Length; d++)
            _rules[d] = d <= Options.MaxTensorDimension
                ? StandardNormalRule.Tensor(d, Options.TensorOrder(d))
                : StandardNormalRule.Smolyak(d, Options.SparseGridLevel);
        _lattice = Options.UseLatticeBeyondTensor && _n + _noise > Options.MaxTensorDimension ? new LatticeGaussianRule(model, Options.LatticePoints) : null;
        _symmetric = new double[_n * _n];
        _eigenvalues = new double[_n];
        _eigenvectors = new double[_n * _n];
        _work = new double[_n * _n];
        _factor = new double[_n * _n];
        _factored = new double[_n * _n];
        _x = new double[_n];
        _centered = new double[_n];
        _gradient = new double[_l];
        _empty = [];
        _kinkCount = _averaged ? model.AveragedKinkCount : model.KinkCount;
        var splitDimension = _n + _noise;
        if (_kinkCount > 0 && Options.SplitAtKinks && splitDimension <= Options.MaxSplitDimension)
        {
            _split = new SplitGaussianRule[splitDimension + 1];
            for (var d = 1; d <= splitDimension; d++)
            {
                var (half, piece) = Options.SplitOrders(d);
                _split[d] = new SplitGaussianRule(d, half, piece);
            }
            _kinks = new double[_kinkCount * model.KinkRowLength];
            _splitForms = new double[_kinkCount * (splitDimension + 1)];
        }
        else
        {
            _kinks = _splitForms = [];
        }
        if (_averaged && _split is null && model.KinkCount > 0 && Options.AlignTransitions)
        {
            _transition = new TransitionGaussianRule(_n + _noise, Options.TransitionOrders.Piece, Options.TransitionAcrossOrder);
            _transitionRows = new double[model.KinkCount * model.KinkRowLength];
            _direction = new double[_n];
        }
        else
        {
            _transitionRows = _direction = [];
        }
    }

    /// <summary>
    /// True when the model averages the noise of a noisy jump in closed form and this instance integrates the transition
    /// that leaves on a factor aligned with it (<see cref="TransitionGaussianRule"/>), not by the tensor rule.
    /// </summary>
    public bool AlignsTransitions => _transition is not null;

    /// <summary>
    /// True when the model's integrand has kinks or jumps on hyperplanes and this instance integrates it by rules split
    /// there (<see cref="SplitGaussianRule"/>), not by the tensor rule.
    /// </summary>
    public bool SplitsAtKinks => _split is not null;

    /// <summary>Accuracy settings.</summary>
    public QuadratureOptions Options { get; }

    /// <summary>The model integrated.</summary>
    public LossModel Model => _model;

    /// <summary>The rule used for effective dimension <paramref name="dimension"/>.</summary>
    public StandardNormalRule RuleFor(int dimension) => _rules[dimension];

    /// <summary>
    /// Fills the requested moments of <paramref name="result"/>. The model's closed forms are used when
    /// its Has* flags allow, the mean is zero and there are no free labels (the closed forms assume both),
    /// unless <see cref="QuadratureOptions.ForceQuadrature"/> is set.
    /// </summary>
    /// <param name="mean">M, length l + l*.</param>
    /// <param name="covariance">B, (l + l*)^2 row-major, symmetric positive semi-definite.</param>
    /// <param name="labels">Free label values y (length <see cref="LossModel.LabelCount"/>).</param>
    public void Compute(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance, ReadOnlySpan<double> labels,
        GaussianMoments result, MomentKinds kinds = MomentKinds.All)
    {
        CheckArguments(mean, covariance, labels, result);
        var closed = ClosedFormKinds(mean, kinds);
        result.EffectiveDimension = -1;
        if ((closed & MomentKinds.Loss) != 0)
        {
            result.Loss = _model.ExpectedLoss(covariance);
            if (!double.IsFinite(result.Loss)) closed &= ~MomentKinds.Loss;
        }
        if ((closed & MomentKinds.Fisher) != 0)
        {
            _model.ExpectedFisher(covariance, result.Fisher);
            if (!AllFinite(result.Fisher)) closed &= ~MomentKinds.Fisher;
        }
        if ((closed & MomentKinds.GradientCross) != 0)
        {
            _model.ExpectedGradientCross(covariance, result.GradientCross);
            if (!AllFinite(result.GradientCross)) closed &= ~MomentKinds.GradientCross;
        }
        // A closed form can be 0/0 on the boundary of its domain (e.g. phase retrieval at X = 0): quadrature covers it.
        var numeric = kinds & ~closed;
        if (numeric != 0) Integrate(mean, covariance, labels, result, numeric);
        result.Filled = kinds;
    }

    /// <summary>Zero-mean, no free labels: moments E f, I and E[grad (r; r*)^T] under (r, r*) ~ N(0, B).</summary>
    public void Compute(ReadOnlySpan<double> covariance, GaussianMoments result, MomentKinds kinds = MomentKinds.All)
    {
        Span<double> zeroMean = stackalloc double[_n];
        zeroMean.Clear();
        Compute(zeroMean, covariance, _empty, result, kinds);
    }

    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (var v in values)
            if (!double.IsFinite(v)) return false;
        return true;
    }

    private MomentKinds ClosedFormKinds(ReadOnlySpan<double> mean, MomentKinds kinds)
    {
        if (Options.ForceQuadrature || _model.LabelCount != 0) return 0;
        foreach (var m in mean)
            if (m != 0) return 0;
        MomentKinds closed = 0;
        if (_model.HasClosedFormLoss) closed |= MomentKinds.Loss;
        if (_model.HasClosedFormFisher) closed |= MomentKinds.Fisher;
        if (_model.HasClosedFormGradientCross) closed |= MomentKinds.GradientCross;
        return closed & kinds;
    }

    private void Integrate(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance, ReadOnlySpan<double> labels,
        GaussianMoments result, MomentKinds kinds)
    {
        if (_split is not null)
        {
            IntegrateSplit(mean, covariance, labels, result, kinds);
            return;
        }
        if (_transition is not null && AlignTransition(mean, covariance, labels, out var transitionRank, out var centre, out var width))
        {
            result.EffectiveDimension = transitionRank + _noise;
            _transition.Build(transitionRank + _noise, centre, width);
            Accumulate(_transition, mean, labels, result, kinds, transitionRank);
            return;
        }
        var rank = FactorCovariance(covariance);
        if (rank + _noise >= _rules.Length && _lattice is not null)
        {
            _lattice.Compute(mean, covariance, labels, result);
            result.EffectiveDimension = rank + _noise;
            return;
        }
        var rule = _rules[rank + _noise];
        result.EffectiveDimension = rank + _noise;
        Accumulate(rule, mean, labels, result, kinds, rank);
    }

    /// <summary>
    /// The rules split at the model's kink hyperplanes: B factored triangularly in the order (r, r*), so that a kink of
    /// one coordinate depends on that coordinate's variable and the ones before it, and each hyperplane moved into the
    /// variables z of x = M + L z (noise variables keep their own).
    /// </summary>
    private void IntegrateSplit(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance, ReadOnlySpan<double> labels,
        GaussianMoments result, MomentKinds kinds)
    {
        var rank = FactorTriangular(covariance);
        var dimension = rank + _noise;
        result.EffectiveDimension = dimension;
        if (_averaged) _model.WriteAveragedKinks(labels, _kinks);
        else _model.WriteKinks(labels, _kinks);
        var width = _model.KinkRowLength;
        for (var f = 0; f < _kinkCount; f++)
        {
            var a = _kinks.AsSpan(f * width, width);
            var c = _splitForms.AsSpan(f * (dimension + 1), dimension + 1);
            var offset = a[^1];
            for (var i = 0; i < _n; i++) offset += a[i] * mean[i];
            for (var k = 0; k < rank; k++)
            {
                double sum = 0;
                for (var i = 0; i < _n; i++) sum += a[i] * _factor[i * _n + k];
                c[k] = sum;
            }
            for (var j = 0; j < _noise; j++) c[rank + j] = a[_n + _integratedNoise[j]];
            c[dimension] = offset;
        }
        if (dimension == 0)
        {
            Accumulate(StandardNormalRule.Point0, mean, labels, result, kinds, 0);
            return;
        }
        // A variable's scale: the largest standard deviation it carries into a coordinate (noise variables: 1).
        Span<double> scales = stackalloc double[dimension];
        for (var k = 0; k < dimension; k++)
        {
            var scale = 1.0;
            if (k < rank)
                for (var i = 0; i < _n; i++) scale = Math.Max(scale, Math.Abs(_factor[i * _n + k]));
            scales[k] = scale;
        }
        var rule = _split![dimension];
        rule.Build(dimension, _splitForms, _kinkCount, scales);
        Accumulate(rule, mean, labels, result, kinds, rank);
    }

    /// <summary>
    /// For exactly one averaged noisy jump <c>a . x + a0 + s . eps</c> (a kink row with averaged noise, none of the rule's
    /// own): B = L L^T with the first column <c>B a / sqrt(a^T B a)</c>, the only one <c>a . x</c> depends on, and the
    /// rest the eigen-factor of the residual <c>B - B a a^T B / (a^T B a)</c>. The transition then sits at
    /// <c>z_1 = -(a . M + a0) / sqrt(a^T B a)</c> with width <c>|s| / sqrt(a^T B a)</c>. False (use the tensor rule) for
    /// no or several such jumps, or when <c>a . x</c> does not vary.
    /// </summary>
    // Called once per expectation (a few thousand times in a process): below the tiering threshold it would stay unoptimised.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool AlignTransition(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance, ReadOnlySpan<double> labels,
        out int rank, out double centre, out double width)
    {
        rank = 0;
        centre = width = 0;
        var rowLength = _model.KinkRowLength;
        _model.WriteKinks(labels, _transitionRows);
        var found = -1;
        for (var f = 0; f < _model.KinkCount; f++)
        {
            var row = _transitionRows.AsSpan(f * rowLength, rowLength);
            double averagedNoise = 0, ownNoise = 0;
            for (var k = 0; k < _model.NoiseCount; k++)
            {
                var c = row[_n + k] * row[_n + k];
                if (_model.AveragedNoise.Contains(k)) averagedNoise += c;
                else ownNoise += c;
            }
            if (averagedNoise == 0) continue;
            if (ownNoise != 0 || found >= 0) return false;
            found = f;
            width = Math.Sqrt(averagedNoise);
        }
        if (found < 0) return false;
        var a = _transitionRows.AsSpan(found * rowLength, rowLength);
        double variance = 0, largest = 0, norm = 0;
        for (var i = 0; i < _n; i++)
        {
            double s = 0;
            for (var j = 0; j < _n; j++) s += covariance[i * _n + j] * a[j];
            _direction[i] = s;
            variance += a[i] * s;
            largest = Math.Max(largest, covariance[i * _n + i]);
            norm += a[i] * a[i];
        }
        if (!(variance > Options.RankTolerance * largest * norm)) return false;
        var scale = Math.Sqrt(variance);
        for (var i = 0; i < _n; i++)
            for (var j = 0; j < _n; j++)
                _symmetric[i * _n + j] = covariance[i * _n + j] - _direction[i] * _direction[j] / variance;
        SmallSymmetric.Eigen(_symmetric, _n, _eigenvalues, _eigenvectors, _work);
        // The factor's cache (FactorCovariance, FactorTriangular) no longer describes _factor.
        _factoredRank = -1;
        Array.Clear(_factor);
        for (var i = 0; i < _n; i++) _factor[i * _n] = _direction[i] / scale;
        rank = WriteEigenColumns(1, Options.RankTolerance * largest);
        var offset = a[^1];
        for (var i = 0; i < _n; i++) offset += a[i] * mean[i];
        centre = -offset / scale;
        width /= scale;
        return true;
    }

    // Called once per expectation (a few thousand times in a process): below the tiering threshold it would stay unoptimised.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(IQuadratureRule rule, ReadOnlySpan<double> mean, ReadOnlySpan<double> labels,
        GaussianMoments result, MomentKinds kinds, int rank)
    {
        var wantLoss = (kinds & MomentKinds.Loss) != 0;
        var wantGradient = (kinds & MomentKinds.Gradient) != 0;
        var wantFisher = (kinds & MomentKinds.Fisher) != 0;
        var wantCross = (kinds & MomentKinds.GradientCross) != 0;
        double loss = 0;
        if (wantGradient) Array.Clear(result.Gradient);
        if (wantFisher) Array.Clear(result.Fisher);
        if (wantCross) Array.Clear(result.GradientCross);

        var r = _x.AsSpan(0, _l);
        var rstar = _x.AsSpan(_l);
        if (kinds == MomentKinds.Loss)
        {
            result.Loss = AccumulateLoss(rule, mean, labels, rank);
            return;
        }
        for (var p = 0; p < rule.Count; p++)
        {
            var z = rule.Point(p);
            var w = rule.Weight(p);
            MapToState(mean, z[..rank], rank);
            double f;
            if (_averaged)
            {
                // The averaged noise variables are integrated in closed form by the model; the rest come from the rule.
                for (var k = 0; k < _integratedNoise.Length; k++) _eps[_integratedNoise[k]] = z[rank + k];
                f = _model.AveragedMoments(r, rstar, _eps, labels, _gradient, _fisher);
            }
            else
            {
                f = _model.LossAndGradient(r, rstar, z[rank..], labels, _gradient);
            }
            loss += w * f;
            for (var i = 0; i < _l; i++)
            {
                var wg = w * _gradient[i];
                if (wantGradient) result.Gradient[i] += wg;
                if (wantFisher)
                    for (var j = 0; j < _l; j++)
                        result.Fisher[i * _l + j] += _averaged ? w * _fisher[i * _l + j] : wg * _gradient[j];
                if (wantCross)
                    for (var j = 0; j < _n; j++) result.GradientCross[i * _n + j] += wg * _centered[j];
            }
        }
        if (wantLoss) result.Loss = loss;
    }

    /// <summary>E f alone (a risk): the model's loss without its gradient, so nothing else is computed per point.</summary>
    // Called once per expectation (a few thousand times in a process): below the tiering threshold it would stay unoptimised.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double AccumulateLoss(IQuadratureRule rule, ReadOnlySpan<double> mean, ReadOnlySpan<double> labels, int rank)
    {
        var r = _x.AsSpan(0, _l);
        var rstar = _x.AsSpan(_l);
        double loss = 0;
        for (var p = 0; p < rule.Count; p++)
        {
            var z = rule.Point(p);
            MapToState(mean, z[..rank], rank);
            double f;
            if (_averaged)
            {
                for (var k = 0; k < _integratedNoise.Length; k++) _eps[_integratedNoise[k]] = z[rank + k];
                f = _model.AveragedLoss(r, rstar, _eps, labels);
            }
            else
            {
                f = _model.Loss(r, rstar, z[rank..], labels);
            }
            loss += rule.Weight(p) * f;
        }
        return loss;
    }

    /// <summary>x = M + L z, with L the columns sqrt(lambda_k) v_k kept by the factorisation; also stores x - M.</summary>
    private void MapToState(ReadOnlySpan<double> mean, ReadOnlySpan<double> z, int rank)
    {
        for (var i = 0; i < _n; i++)
        {
            var offset = 0.0;
            for (var k = 0; k < rank; k++) offset += _factor[i * _n + k] * z[k];
            _centered[i] = offset;
            _x[i] = mean[i] + offset;
        }
    }

    /// <summary>
    /// B = L L^T with L lower triangular in the order of the coordinates, a coordinate whose variance the earlier ones
    /// already explain (to <see cref="QuadratureOptions.RankTolerance"/> of the largest variance) getting no column of its
    /// own; writes the columns into the factor and returns their number.
    /// </summary>
    private int FactorTriangular(ReadOnlySpan<double> covariance)
    {
        if (_factoredRank >= 0 && covariance.SequenceEqual(_factored)) return _factoredRank;
        _factoredRank = -1;
        Array.Clear(_factor);
        var largest = 0.0;
        for (var i = 0; i < _n; i++) largest = Math.Max(largest, covariance[i * _n + i]);
        var threshold = Options.RankTolerance * largest;
        var rank = 0;
        for (var i = 0; i < _n; i++)
        {
            var residual = covariance[i * _n + i];
            for (var k = 0; k < rank; k++) residual -= _factor[i * _n + k] * _factor[i * _n + k];
            if (!(residual > threshold)) continue;
            var pivot = Math.Sqrt(residual);
            _factor[i * _n + rank] = pivot;
            for (var j = i + 1; j < _n; j++)
            {
                var s = covariance[j * _n + i];
                for (var k = 0; k < rank; k++) s -= _factor[j * _n + k] * _factor[i * _n + k];
                _factor[j * _n + rank] = s / pivot;
            }
            rank++;
        }
        covariance.CopyTo(_factored);
        _factoredRank = rank;
        return rank;
    }

    /// <summary>
    /// Writes the kept scaled eigenvectors into the first columns of the factor; returns their number. The factor of the
    /// previous call is kept when B is the same (every class of a mixture with a shared covariance).
    /// </summary>
    private int FactorCovariance(ReadOnlySpan<double> covariance)
    {
        if (_factoredRank >= 0 && covariance.SequenceEqual(_factored)) return _factoredRank;
        _factoredRank = -1;
        covariance.CopyTo(_symmetric);
        SmallSymmetric.Eigen(_symmetric, _n, _eigenvalues, _eigenvectors, _work);
        var largest = 0.0;
        foreach (var value in _eigenvalues) largest = Math.Max(largest, value);
        var rank = WriteEigenColumns(0, Options.RankTolerance * largest);
        covariance.CopyTo(_factored);
        _factoredRank = rank;
        return rank;
    }

    /// <summary>
    /// The columns sqrt(lambda_k) v_k of the last eigen-decomposition whose eigenvalue exceeds <paramref name="threshold"/>,
    /// written into the factor from column <paramref name="first"/> on; returns the column count after them.
    /// </summary>
    private int WriteEigenColumns(int first, double threshold)
    {
        var rank = first;
        for (var k = 0; k < _n; k++)
        {
            // Negative eigenvalues are round-off of a PSD matrix (or an invalid B): both carry no mass.
            if (!(_eigenvalues[k] > threshold)) continue;
            var scale = Math.Sqrt(_eigenvalues[k]);
            for (var i = 0; i < _n; i++) _factor[i * _n + rank] = _eigenvectors[i * _n + k] * scale;
            rank++;
        }
        return rank;
    }

    private void CheckArguments(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance, ReadOnlySpan<double> labels, GaussianMoments result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (mean.Length != _n) throw new ArgumentException($"Mean needs length {_n}.", nameof(mean));
        if (covariance.Length != _n * _n) throw new ArgumentException($"Covariance needs {_n * _n} entries.", nameof(covariance));
        if (labels.Length != _model.LabelCount) throw new ArgumentException($"Model '{_model.Name}' takes {_model.LabelCount} labels.", nameof(labels));
        if (result.StudentDirections != _l || result.StateDimension != _n)
            throw new ArgumentException("Moment buffers were sized for another model.", nameof(result));
    }
}
