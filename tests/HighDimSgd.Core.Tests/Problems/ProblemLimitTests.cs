using HighDimSgd.Core.Problems;
using static HighDimSgd.Core.Tests.Problems.ProblemTestFiles;

namespace HighDimSgd.Core.Tests.Problems;

/// <summary>
/// Every size and count has an upper bound, checked by the parser before anything is allocated: just past the bound is an
/// error naming the key and the limit, the bound itself is accepted.
/// </summary>
public sealed class ProblemLimitTests
{
    public static TheoryData<string, string, string, string> PastTheLimit => new()
    {
        { "dimension = 10", $"dimension = {Limits.MaxDimension + 1}", "data.dimension", "must be at most 10,000,000" },
        { "directions = 1\ninit", $"directions = {Limits.MaxDirections + 1}\ninit", "student.directions", "must be at most 64" },
        { "horizon = 5.0", "horizon = 1e307", "optimizer.horizon", "must be at most 1000000" },
        { "horizon = 5.0", "horizon = 5.0\n[output]\ncheckpoints = 100001", "output.checkpoints", "must be at most 100,000" },
        { "horizon = 5.0", "horizon = 5.0\n[simulation]\nruns = 2147483647", "simulation.runs", "must be at most 1,000,000" },
        { "horizon = 5.0", "horizon = 5.0\n[solver]\nquadrature-order = 401", "solver.quadrature-order", "must be at most 400" },
        { "horizon = 5.0", "horizon = 5.0\n[solver]\nquadrature-order-3d = 65", "solver.quadrature-order-3d", "must be at most 64" },
        { "horizon = 5.0", "horizon = 5.0\n[solver]\nquadrature-order-4d = 33", "solver.quadrature-order-4d", "must be at most 32" },
        { "horizon = 5.0", "horizon = 5.0\n[simulation]\ntest-samples = 10000001", "simulation.test-samples", "must be at most 10,000,000" },
        { "horizon = 5.0", "horizon = 5.0\n[solver]\ncontour-nodes = 4098", "solver.contour-nodes", "must be at most 4,096" },
        { "horizon = 5.0", "horizon = 5.0\n[solver]\nrtol = 1e-300\natol = 1e-300", "solver.rtol", "must be at least 1E-13" },
        { "title = \"minimal\"", $"title = \"{new string('x', Limits.MaxTitleLength + 1)}\"", "title", "must be at most 200 characters" },
        { "title = \"minimal\"", "title = \"two\\nlines\"", "title", "line-break character U+000A" },
        { "title = \"minimal\"", "title = \"two\\u2028lines\"", "title", "line-break character U+2028" },
    };

    [Theory]
    [MemberData(nameof(PastTheLimit))]
    public void A_value_past_its_limit_names_the_key_and_the_limit(string line, string replacement, string key, string fragment)
    {
        var error = Assert.Throws<ProblemFileException>(() => Parse(Replace(line, replacement)));
        Assert.Equal(key, error.Key);
        Assert.Contains(fragment, error.Message);
    }

    public static TheoryData<string, string> AtTheLimit => new()
    {
        { "horizon = 5.0", $"horizon = 5.0\n[output]\ncheckpoints = {Limits.MaxCheckpoints}" },
        { "horizon = 5.0", $"horizon = 5.0\n[simulation]\nruns = {Limits.MaxRuns}" },
        { "horizon = 5.0", $"horizon = 5.0\n[solver]\nquadrature-order = {Limits.MaxQuadratureOrder}\nrtol = 1e-13" },
        { "title = \"minimal\"", $"title = \"{new string('x', Limits.MaxTitleLength)}\"" },
    };

    [Theory]
    [MemberData(nameof(AtTheLimit))]
    public void The_limit_itself_is_accepted(string line, string replacement) => Parse(Replace(line, replacement));

    [Fact]
    public void Nesting_past_the_toml_depth_limit_is_a_syntax_error_not_a_crash()
    {
        var deep = Minimal + "\n[deep]\nx = " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        var error = Assert.Throws<ProblemFileException>(() => Parse(deep));
        Assert.Contains("nested more than 64 levels deep", error.Message);
        var tables = Minimal.Replace("[data]", "x = " + string.Concat(Enumerable.Repeat("{ a = ", 65)) + "1" + new string('}', 65) + "\n[data]");
        Assert.Contains("nested more than 64 levels deep", Assert.Throws<ProblemFileException>(() => Parse(tables)).Message);
    }

    [Fact]
    public void A_spectrum_file_that_never_ends_is_refused_quickly()
    {
        var problem = Parse(Replace("spectrum = { kind = \"power-law\", exponent = 1.0 }", "spectrum = { kind = \"values\", file = \"/dev/zero\" }"));
        var error = Assert.Throws<ProblemFileException>(() => Core.Spectra.ProblemRealization.Materialize(problem));
        Assert.Contains("longer than 4096 characters", error.Message);
    }

    [Fact]
    public void A_problem_file_that_never_ends_is_refused()
    {
        var error = Assert.Throws<ProblemFileException>(() => ProblemLoader.Load("/dev/zero"));
        Assert.Contains("larger than 16 MiB", error.Message);
    }
}
