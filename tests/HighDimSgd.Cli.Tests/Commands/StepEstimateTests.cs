using HighDimSgd.Cli.Application;
using HighDimSgd.Simulation;

namespace HighDimSgd.Cli.Tests.Commands;

/// <summary>simulation.step-estimate: which SGD step a state-reading schedule gets, and the error where none exists.</summary>
public class StepEstimateTests
{
    private static ProblemContext Context(string schedule, string simulation) => ProblemContext.FromText($$"""
        title = "step estimate"
        [data]
        dimension = 40
        spectrum = { kind = "identity" }
        [teacher]
        directions = 1
        weights = [ { kind = "constant", norm = 1.0 } ]
        output = "rstar + 0.3*eps"
        [student]
        directions = 1
        init = [ { kind = "constant", norm = 0.3 } ]
        output = "r"
        [loss]
        preset = "least-squares"
        [optimizer]
        schedule = "{{schedule}}"
        learning-rate = 1.0
        horizon = 1.0
        {{simulation}}
        """, "step.toml");

    [Fact]
    public void Polyak_estimates_from_the_samples_by_default()
    {
        Assert.IsType<SamplePolyakSchedule>(SimulationFactory.Sgd(Context("polyak", ""), 1).Schedule);
    }

    [Fact]
    public void The_oracle_is_named_so()
    {
        var schedule = SimulationFactory.Sgd(Context("polyak", "[simulation]\nstep-estimate = \"oracle\""), 1).Schedule;
        Assert.IsType<OverlapRateSchedule>(schedule);
        Assert.Equal("polyak (oracle)", schedule.Name);
    }

    [Fact]
    public void Line_search_from_samples_names_the_key_and_the_oracle()
    {
        var error = Assert.Throws<UserErrorException>(() => SimulationFactory.Sgd(Context("line-search", ""), 1));
        Assert.StartsWith("step.toml: simulation.step-estimate: \"samples\" has no SGD estimate of the line-search step", error.Message);
        Assert.Contains("set step-estimate = \"oracle\"", error.Message);
        Assert.Equal("line-search (oracle)",
            SimulationFactory.Sgd(Context("line-search", "[simulation]\nstep-estimate = \"oracle\""), 1).Schedule.Name);
    }
}
