using HighDimSgd.Core.Models;

namespace HighDimSgd.Models.Tests;

/// <summary>Random inputs and Monte Carlo over (r, rstar) ~ N(0, B), eps ~ N(0, 1).</summary>
internal static class ModelTestSupport
{
    public static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Random sample: Gaussian r, rstar, eps; labels one-hot (several) or 0/1 (one).</summary>
    public static (double[] R, double[] RStar, double[] Eps, double[] Y) Sample(LossModel model, Random rng)
    {
        var r = Enumerable.Range(0, model.StudentDirections).Select(_ => Normal(rng)).ToArray();
        var rstar = Enumerable.Range(0, model.TeacherDirections).Select(_ => Normal(rng)).ToArray();
        var eps = Enumerable.Range(0, model.NoiseCount).Select(_ => Normal(rng)).ToArray();
        var y = new double[model.LabelCount];
        if (y.Length > 0)
        {
            y[rng.Next(y.Length)] = 1.0;
        }

        return (r, rstar, eps, y);
    }

    /// <summary>Random positive-definite covariance, row-major.</summary>
    public static double[] RandomCovariance(int n, Random rng)
    {
        int m = n + 2;
        var w = new double[n, m];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < m; k++)
            {
                w[i, k] = Normal(rng);
            }
        }

        var b = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < m; k++)
                {
                    s += w[i, k] * w[j, k];
                }

                b[i * n + j] = s / m + (i == j ? 0.2 : 0.0);
            }
        }

        return b;
    }

    /// <summary>Mean and standard error of an integrand over samples of the model's inputs under B.</summary>
    public static (double Mean, double StdErr) MonteCarlo(
        LossModel model, double[] b, int samples, Random rng, Func<double[], double[], double[], double> integrand)
    {
        int l = model.StudentDirections;
        int n = model.StateDimension;
        var chol = Cholesky(b, n);
        var z = new double[n];
        var x = new double[n];
        var eps = new double[model.NoiseCount];
        double sum = 0, sumSq = 0;
        for (int s = 0; s < samples; s++)
        {
            for (int i = 0; i < n; i++)
            {
                z[i] = Normal(rng);
            }

            for (int i = 0; i < n; i++)
            {
                double v = 0;
                for (int k = 0; k <= i; k++)
                {
                    v += chol[i * n + k] * z[k];
                }

                x[i] = v;
            }

            for (int i = 0; i < eps.Length; i++)
            {
                eps[i] = Normal(rng);
            }

            double value = integrand(x[..l], x[l..], eps);
            sum += value;
            sumSq += value * value;
        }

        double mean = sum / samples;
        double variance = (sumSq / samples - mean * mean) * samples / (samples - 1.0);
        return (mean, Math.Sqrt(Math.Max(variance, 0) / samples));
    }

    private static double[] Cholesky(double[] b, int n)
    {
        var l = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double s = b[i * n + j];
                for (int k = 0; k < j; k++)
                {
                    s -= l[i * n + k] * l[j * n + k];
                }

                l[i * n + j] = i == j ? Math.Sqrt(s) : s / l[j * n + j];
            }
        }

        return l;
    }

    /// <summary>The repository root (folder of HighDimSgd.Hybrid.sln).</summary>
    public static string RepositoryRoot()
    {
        var root = HighDimSgd.Generator.ModelCards.findRoot(AppContext.BaseDirectory);
        Assert.True(root is not null, "cannot find HighDimSgd.Hybrid.sln above the test folder");
        return root!.Value;
    }
}
