using HighDimSgd.Core.Models;
using HighDimSgd.Core.Problems;
using HighDimSgd.Models;
using HighDimSgd.Symbolic;

namespace HighDimSgd.Cli.Application;

/// <summary>
/// Turns the [teacher], [student] and [loss] sections of a problem into a symbolic <see cref="ModelSpec"/>
/// and a compiled <see cref="LossModel"/>. Formula errors come back as <see cref="UserErrorException"/>s that name
/// the file and the key.
/// </summary>
public static class ModelResolver
{
    /// <summary>The model spec of <paramref name="problem"/>.</summary>
    public static ModelSpec Spec(ModelSections problem)
    {
        var teacherOutputs = problem.Teacher?.Outputs.ToArray() ?? [];
        var studentOutputs = problem.Student.Outputs.ToArray();
        var loss = LossExpression(problem, studentOutputs.Length);
        return new ModelSpec(problem.Title, problem.Teacher?.Directions ?? 0, problem.Student.Directions, null,
            problem.LabelCount, teacherOutputs, studentOutputs, loss);
    }

    /// <summary>Derives the problem's model symbolically.</summary>
    public static Derivation Derive(ModelSections problem)
    {
        var spec = Spec(problem);
        return Guard(problem, () => ModelDerivation.Derive(spec));
    }

    /// <summary>
    /// The problem's model: the checked-in generated class when the derived loss is a built-in model's (up to the
    /// card's parameters), otherwise derived and compiled at run time by the same emitter (both remembered on disk,
    /// see <see cref="RuntimeModelCompiler.Resolve(ModelSpec)"/>).
    /// </summary>
    public static LossModel Compile(ModelSections problem)
    {
        var spec = Spec(problem);
        return Guard(problem, () => RuntimeModelCompiler.Resolve(spec));
    }

    private static string LossExpression(ModelSections problem, int outputs)
    {
        if (problem.Loss.Expression is { } expression) return expression;
        var preset = problem.Loss.Preset ?? throw new UserErrorException($"{problem.SourcePath}: loss: set 'expression' or 'preset'");
        try
        {
            return ModelDerivation.LossPreset(preset, outputs);
        }
        catch (FormulaException e)
        {
            throw new UserErrorException($"{problem.SourcePath}: loss.preset: {e.Message}");
        }
    }

    private static T Guard<T>(ModelSections problem, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (FormulaException e)
        {
            var key = e.Part switch
            {
                "teacher" => problem.Teacher is { Outputs.Count: > 1 } ? $"teacher.output[{e.Index + 1}]" : "teacher.output",
                "student" => problem.Student.Outputs.Count > 1 ? $"student.output[{e.Index + 1}]" : "student.output",
                "loss" => problem.Loss.Expression is null ? "loss.preset" : "loss.expression",
                _ => e.Part,
            };
            // The message already carries the position within the formula.
            throw new UserErrorException($"{problem.SourcePath}: {key}: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new UserErrorException($"{problem.SourcePath}: model: {e.Message}");
        }
    }
}
