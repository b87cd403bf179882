using System.Globalization;
using System.Text;
using HighDimSgd.Core.Data;
using HighDimSgd.Core.Problems;
using HighDimSgd.Core.Spectra;

namespace HighDimSgd.Core.Tests.Data;

/// <summary>
/// The class statistics and the preprocessing against a direct computation in the pixel basis written here (sums over
/// samples, no matrix library), mapped back from the pooled eigenbasis.
/// </summary>
public sealed class ClassStatisticsTests : IDisposable
{
    private const int D = 5;
    private readonly DataFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>Two classes with different means and anisotropic, differently rotated spreads; 60 rows, the last 20 held out.</summary>
    private (string Problem, double[][] Rows, int[] Labels) Write()
    {
        var random = new Random(3);
        var rows = new double[60][];
        var labels = new int[60];
        var csv = new StringBuilder("label,a,b,c,d,e\n");
        for (var k = 0; k < rows.Length; k++)
        {
            labels[k] = k % 3 == 0 ? 4 : 2;
            var z = Enumerable.Range(0, D).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            double[] row = labels[k] == 4
                ? [3 + 2 * z[0], z[0] + z[1], 0.5 * z[2], z[3] - z[4], 10 + z[4]]
                : [z[0] - z[1], 1 + 3 * z[1], z[2] + z[0], 0.2 * z[3], 10 - z[4]];
            // Features are read as 32-bit floats: write values that are exactly such floats.
            rows[k] = [.. row.Select(v => (double)(float)v)];
            csv.Append(labels[k].ToString(CultureInfo.InvariantCulture)).Append(',')
               .AppendJoin(',', rows[k].Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        }
        _files.Text("data.csv", csv.ToString());
        var problem = _files.Text("problem.toml", """
            [data.source]
            kind = "csv"
            train = { file = "data.csv" }
            test-fraction = 0.3333333
            classes = [2, 4]
            positive = 4

            [student]
            directions = 1
            output = "r"

            [loss]
            preset = "logistic"

            [optimizer]
            learning-rate = 1.0
            """);
        return (problem, rows, labels);
    }

    private MaterializedProblem Load(string problem) =>
        ProblemRealization.Materialize(ProblemLoader.Load(problem), null, Path.Combine(_files.Folder, "cache"));

    [Fact]
    public void StatisticsMatchADirectComputationAndTheCacheReturnsThem()
    {
        var (problem, rows, labels) = Write();
        var data = Load(problem);
        var real = data.RealData!;
        Assert.False(real.StatisticsFromCache);
        Assert.Equal((40, 20), (real.Train.Count, real.Test.Count));
        var s = real.Statistics;
        var train = rows[..40];
        var trainLabels = labels[..40];

        var center = Enumerable.Range(0, D).Select(j => train.Average(r => r[j])).ToArray();
        var scale = Math.Sqrt(train.Sum(r => r.Select((v, j) => (v - center[j]) * (v - center[j])).Sum()) / (40.0 * D));
        Assert.Equal(center, s.Center, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(scale, s.Scale, 12);
        Assert.Equal(1.0, s.PooledEigenvalues.Average(), 12);
        Assert.True(s.PooledEigenvalues.Zip(s.PooledEigenvalues.Skip(1)).All(p => p.First >= p.Second));

        for (var c = 0; c < 2; c++)
        {
            var members = train.Where((_, k) => trainLabels[k] == (c == 0 ? 2 : 4)).Select(r => r.Select((v, j) => (v - center[j]) / scale).ToArray()).ToArray();
            Assert.Equal(members.Length, s.Counts[c]);
            var mean = Enumerable.Range(0, D).Select(j => members.Average(r => r[j])).ToArray();
            var covariance = new double[D, D];
            foreach (var r in members)
                for (var i = 0; i < D; i++)
                    for (var j = 0; j < D; j++) covariance[i, j] += (r[i] - mean[i]) * (r[j] - mean[j]) / members.Length;
            // Back from the pooled eigenbasis: mu = U mu~, K = U K~ U^T.
            for (var i = 0; i < D; i++)
            {
                double m = 0;
                for (var k = 0; k < D; k++) m += s.Basis[i * D + k] * s.Means[c][k];
                Assert.Equal(mean[i], m, 10);
                for (var j = 0; j < D; j++)
                {
                    double v = 0;
                    for (var k = 0; k < D; k++)
                        for (var l = 0; l < D; l++) v += s.Basis[i * D + k] * s.Covariances[c][k * D + l] * s.Basis[j * D + l];
                    Assert.Equal(covariance[i, j], v, 10);
                }
            }
            // The commuting approximation's eigenvalues are the diagonal of K~_c; the labels follow 'positive'.
            Assert.Equal(s.Covariances[c][2 * D + 2], data.Classes[c].Eigenvalues[2], 14);
            Assert.Equal(c == 1 ? 1.0 : 0.0, data.Classes[c].HardLabel![0]);
        }

        // The test split is the last third, with the training split's centre and scale, rotated.
        var last = rows[59].Select((v, j) => (v - center[j]) / scale).ToArray();
        for (var k = 0; k < D; k++)
        {
            double rotated = 0;
            for (var i = 0; i < D; i++) rotated += s.Basis[i * D + k] * last[i];
            Assert.Equal(rotated, real.Test.Row(19)[k], 10);
        }

        var again = Load(problem).RealData!;
        Assert.True(again.StatisticsFromCache);
        Assert.Equal(s.Covariances[1], again.Statistics.Covariances[1]);
        Assert.Equal(real.Train.Features, again.Train.Features);
    }

    [Fact]
    public void ADamagedCacheFileIsRecomputed()
    {
        var (problem, _, _) = Write();
        var first = Load(problem).RealData!;
        File.WriteAllBytes(first.CacheFile!, [1, 2, 3]);
        var second = Load(problem).RealData!;
        Assert.False(second.StatisticsFromCache);
        Assert.Equal(first.Statistics.Means[0], second.Statistics.Means[0]);
    }
}
