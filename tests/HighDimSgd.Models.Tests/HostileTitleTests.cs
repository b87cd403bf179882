using HighDimSgd.Symbolic;

namespace HighDimSgd.Models.Tests;

/// <summary>
/// Issue 16: a problem title is user text; it reaches generated code only as escaped data, so any title
/// compiles and comes back unchanged as the model's name.
/// </summary>
public class HostileTitleTests
{
    public static TheoryData<string> Titles => new()
    {
        "line one\nline two",
        "*/ class X {} /*",
        "say \"hi\"; }",
        "back\\slash\\",
        "sep\u2028arator\u2029 and \r\n",
        "\n#error boom\n",
        "</summary> <!-- &amp;",
        "emoji \U0001F600 and a lone surrogate \uD800",
        "",
    };

    [Theory]
    [MemberData(nameof(Titles))]
    public void A_hostile_title_compiles_and_round_trips_as_the_name(string title)
    {
        // A loss that no built-in model has, so that the run-time compiler is used.
        var model = RuntimeModelCompiler.Compile(title, 1, 1, null, 0, ["rstar"], ["r"], "(g - y)^2/2 + 0.1*g^4");
        Assert.Equal(title, model.Name);
        Assert.Equal(0.5 * 0.25 + 0.1, model.Loss([1.0], [0.5], [], []), 12);
    }

    [Fact]
    public void A_compile_failure_reports_diagnostics_on_one_line_without_the_source()
    {
        var compileSource = typeof(RuntimeModelCompiler).GetMethod("CompileSource",
            System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        const string source = "namespace HighDimSgd.Models.RuntimeCompiled; public class CompiledModel { int x = ; } // SOURCE-MARK";
        var error = Assert.Throws<System.Reflection.TargetInvocationException>(() => compileSource.Invoke(null, [source]));
        var inner = Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.StartsWith("generated model code failed to compile", inner.Message);
        Assert.DoesNotContain("\n", inner.Message);
        Assert.DoesNotContain("SOURCE-MARK", inner.Message);
        Assert.Equal(source, inner.Data["source"]);
    }
}
