namespace HighDimSgd.Simulation;

/// <summary>
/// Exact expected risk at finite d for least squares <c>f = (r - r* - omega eps)^2 / 2</c> with diagonal K
/// (theory.md section 9), no limit taken. With <c>e = X - X*</c> (l = l* = 1), <c>v_i = E[e_i^2]</c> and
/// <c>h = gamma_k / d</c>, one SGD step maps
/// <c>v_i -> (1 - h lambda_i)^2 v_i + h^2 (lambda_i^2 v_i + lambda_i sum_j lambda_j v_j + lambda_i omega^2)</c>
/// (Isserlis' theorem for the fourth moments of a Gaussian sample), and <c>E L = (1/2) sum_i lambda_i v_i + omega^2 / 2</c>.
/// </summary>
public static class LeastSquaresOracle
{
    /// <summary>
    /// E[L(X_k)] at the checkpoints (step round(t d)) for SGD with step sizes <paramref name="rate"/>(k/d).
    /// </summary>
    /// <param name="eigenvalues">Diagonal of K (length d).</param>
    /// <param name="initialErrorSquared">E[e_i^2] at step 0, e.g. (X0_i - X*_i)^2.</param>
    /// <param name="noise">Label noise omega.</param>
    /// <param name="rate">Deterministic learning rate gamma(t).</param>
    /// <param name="checkpointTimes">Non-decreasing times t.</param>
    public static double[] SgdExpectedRisk(double[] eigenvalues, double[] initialErrorSquared, double noise,
        Func<double, double> rate, double[] checkpointTimes)
    {
        var d = eigenvalues.Length;
        return Evolve(eigenvalues, initialErrorSquared, noise, checkpointTimes, 1.0 / d, (v, sum, k) =>
        {
            var h = rate((double)k / d) / d;
            for (var i = 0; i < d; i++)
            {
                var lambda = eigenvalues[i];
                var contraction = 1 - h * lambda;
                v[i] = contraction * contraction * v[i] + h * h * lambda * (lambda * v[i] + sum + noise * noise);
            }
        });
    }

    /// <summary>
    /// E[L] of the Euler-Maruyama scheme of homogenized SGD with time step <paramref name="timeStep"/>:
    /// <c>e_i -> (1 - gamma dt lambda_i) e_i + gamma sqrt(dt/d) sqrt(2 L lambda_i) xi</c>, so
    /// <c>v_i -> (1 - gamma dt lambda_i)^2 v_i + gamma^2 (dt/d) lambda_i (sum_j lambda_j v_j + omega^2)</c>. It lacks SGD's
    /// <c>h^2 lambda_i^2 v_i</c> fourth-moment term, an O(1/d) difference.
    /// </summary>
    public static double[] HomogenizedEulerExpectedRisk(double[] eigenvalues, double[] initialErrorSquared, double noise,
        Func<double, double> rate, double[] checkpointTimes, double timeStep)
    {
        var d = eigenvalues.Length;
        return Evolve(eigenvalues, initialErrorSquared, noise, checkpointTimes, timeStep, (v, sum, k) =>
        {
            var gamma = rate(k * timeStep);
            var diffusion = gamma * gamma * timeStep / d * (sum + noise * noise);
            for (var i = 0; i < d; i++)
            {
                var contraction = 1 - gamma * timeStep * eigenvalues[i];
                v[i] = contraction * contraction * v[i] + diffusion * eigenvalues[i];
            }
        });
    }

    private static double[] Evolve(double[] eigenvalues, double[] initialErrorSquared, double noise, double[] checkpointTimes,
        double timeStep, Action<double[], double, long> step)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        ArgumentNullException.ThrowIfNull(initialErrorSquared);
        ArgumentNullException.ThrowIfNull(checkpointTimes);
        if (initialErrorSquared.Length != eigenvalues.Length)
        {
            throw new ArgumentException("initialErrorSquared must have one entry per eigenvalue.");
        }

        var v = (double[])initialErrorSquared.Clone();
        var risk = new double[checkpointTimes.Length];
        long k = 0;
        for (var c = 0; c < checkpointTimes.Length; c++)
        {
            var target = (long)Math.Round(checkpointTimes[c] / timeStep);
            for (; k < target; k++)
            {
                step(v, WeightedSum(eigenvalues, v), k);
            }

            risk[c] = 0.5 * WeightedSum(eigenvalues, v) + 0.5 * noise * noise;
        }

        return risk;
    }

    private static double WeightedSum(double[] eigenvalues, double[] v)
    {
        double sum = 0;
        for (var i = 0; i < v.Length; i++)
        {
            sum += eigenvalues[i] * v[i];
        }

        return sum;
    }
}
