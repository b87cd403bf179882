using DataClass = HighDimSgd.Core.Dynamics.DataClass;
using BenchmarkDotNet.Attributes;
using HighDimSgd.Core.Models;
using HighDimSgd.Simulation;

namespace HighDimSgd.Benchmarks;

/// <summary>Problems shared by the BenchmarkDotNet suite and the quick self-timed report.</summary>
internal static class BenchmarkProblems
{
    public static LossModel Model(string name) => name switch
    {
        "least-squares" => new LeastSquaresBenchmarkModel(),
        "logistic" => new LogisticBenchmarkModel(),
        _ => throw new ArgumentException($"Unknown benchmark model '{name}'."),
    };

    /// <summary>One run of <paramref name="horizon"/> d steps at dimension <paramref name="d"/>, recording only the start and end.</summary>
    public static SgdSetup Setup(string model, int d, double horizon, IStepSchedule? schedule = null)
    {
        var eigenvalues = Enumerable.Range(0, d).Select(i => 0.2 + 1.6 * i / (d - 1.0)).ToArray();
        var teacher = Enumerable.Range(0, d).Select(i => (i % 3 == 0 ? -1.0 : 1.0) / Math.Sqrt(d)).ToArray();
        return new SgdSetup
        {
            Dimension = d,
            Model = Model(model),
            Classes = [DataClass.CenteredGaussian(eigenvalues)],
            Teacher = [teacher],
            Init = [new double[d]],
            Horizon = horizon,
            CheckpointTimes = [0, horizon],
            Schedule = schedule ?? new ConstantSchedule(0.5),
            Statistics = new StatisticsEvaluator(["xx"], (overlaps, values) => values[0] = overlaps.Covariances[0][0]),
        };
    }
}

/// <summary>SGD steps at d = 1000: one benchmark invocation is 10 units of time, i.e. 10 000 steps.</summary>
[MemoryDiagnoser]
public class SgdStepBenchmarks
{
    public const int Dimension = 1000;
    public const double Horizon = 10;

    private SgdSimulator _simulator = null!;

    [Params("least-squares", "logistic")]
    public string Model { get; set; } = "least-squares";

    [Params("constant", "adagrad-norm")]
    public string Schedule { get; set; } = "constant";

    [GlobalSetup]
    public void Setup()
    {
        IStepSchedule schedule = Schedule == "constant" ? new ConstantSchedule(0.5) : new AdaGradNormSchedule(1.0, 1.0);
        _simulator = new SgdSimulator(BenchmarkProblems.Setup(Model, Dimension, Horizon, schedule));
    }

    [Benchmark(OperationsPerInvoke = (int)(Dimension * Horizon))]
    public double SgdStep() => _simulator.Run(1).Values[^1][0];
}

/// <summary>The fused floor kernel at the SGD benchmark's size: the reference SgdStep is measured against.</summary>
public class SgdFloorBenchmarks
{
    private readonly HighDimSgd.Simulation.Benchmarking.SgdFloor _floor = new(SgdStepBenchmarks.Dimension);

    [Benchmark(OperationsPerInvoke = (int)(SgdStepBenchmarks.Dimension * SgdStepBenchmarks.Horizon))]
    public double FloorStep()
    {
        _floor.Run((long)(SgdStepBenchmarks.Dimension * SgdStepBenchmarks.Horizon), 0.5);
        return _floor.LossSum;
    }
}

/// <summary>Throughput of the standard normal generator (per value).</summary>
public class NormalSamplerBenchmarks
{
    private readonly double[] _buffer = new double[1000];
    private readonly NormalSampler _sampler = new(1);

    [Benchmark(OperationsPerInvoke = 1000)]
    public double FillThousand()
    {
        _sampler.Fill(_buffer);
        return _buffer[0];
    }
}
