using System.Diagnostics;
using BenchmarkDotNet.Running;
using HighDimSgd.Benchmarks;
using HighDimSgd.Simulation;

// `--bdn [BenchmarkDotNet arguments]` runs the full BenchmarkDotNet suite; without it, a quick self-timed report.
if (args.Length > 0 && args[0] == "--bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(SgdStepBenchmarks).Assembly).Run(args[1..]);
    return;
}

Console.WriteLine($"Quick report ({Environment.ProcessorCount} cores). Use --bdn for BenchmarkDotNet.");
ReportSampler();
foreach (var model in new[] { "least-squares", "logistic" })
{
    foreach (var schedule in new IStepSchedule[] { new ConstantSchedule(0.5), new AdaGradNormSchedule(1.0, 1.0) })
    {
        ReportSgd(model, schedule, d: 1000, horizon: 200);
    }
}

ReportEnsemble(d: 1000, horizon: 50, runs: 8);
ReportFloor(d: 1000);

static void ReportFloor(int d)
{
    var floor = new HighDimSgd.Simulation.Benchmarking.SgdFloor(d);
    floor.Run(1000, 0.5); // warm-up
    Console.WriteLine($"SGD floor d={d} (fused least-squares step): {floor.SecondsPerStepAndCoordinate(20_000, 5) * 1e9:F2} ns per step per coordinate");
}

static void ReportSampler()
{
    var sampler = new NormalSampler(1);
    var buffer = new double[1000];
    // Best of several rounds: the first ones run before tiered compilation has optimised the loop.
    var best = double.PositiveInfinity;
    for (var round = 0; round < 5; round++)
    {
        best = Math.Min(best, TimeFills(sampler, buffer, 5000));
    }

    Console.WriteLine($"normal sampler: {1e-6 / best,8:F1} M values/s ({best * 1e9:F2} ns/value)");
}

static double TimeFills(NormalSampler sampler, double[] buffer, int rounds)
{
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < rounds; i++)
    {
        sampler.Fill(buffer);
    }

    return clock.Elapsed.TotalSeconds / (rounds * (double)buffer.Length);
}

static void ReportSgd(string model, IStepSchedule schedule, int d, double horizon)
{
    var simulator = new SgdSimulator(BenchmarkProblems.Setup(model, d, horizon, schedule));
    simulator.Run(0); // warm-up: JIT and tiered compilation
    var clock = Stopwatch.StartNew();
    simulator.Run(1);
    var seconds = clock.Elapsed.TotalSeconds;
    var steps = horizon * d;
    Console.WriteLine($"SGD d={d} {model,-14} {schedule.Name,-13}: {steps / seconds / 1e3,8:F1} k steps/s ({seconds * 1e9 / steps / d:F2} ns per step per coordinate)");
}

static void ReportEnsemble(int d, double horizon, int runs)
{
    var setup = BenchmarkProblems.Setup("least-squares", d, horizon);
    SgdEnsemble.Run(setup, 2, 0);
    var clock = Stopwatch.StartNew();
    SgdEnsemble.Run(setup, runs, 1);
    var seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"SGD ensemble d={d}, {runs} runs in parallel: {runs * horizon * d / seconds / 1e3,8:F1} k steps/s in total");
}

