using Spectre.Console;

namespace HighDimSgd.Cli.Commands;

/// <summary>
/// Progress bars on stderr for long work (ODE solve, SGD runs), shown only when stderr is a terminal so logs
/// and pipes stay clean.
/// </summary>
internal static class ConsoleProgress
{
    public static T Run<T>(Func<IProgress<(string Stage, double Fraction)>?, T> work)
    {
        if (Console.IsErrorRedirected) return work(null);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var gate = new object();
                var reporter = new HighDimSgd.Cli.Application.Reporter<(string Stage, double Fraction)>(p =>
                {
                    lock (gate)
                    {
                        if (!tasks.TryGetValue(p.Stage, out var task))
                            tasks[p.Stage] = task = ctx.AddTask(p.Stage, maxValue: 1.0);
                        task.Value = Math.Clamp(p.Fraction, 0, 1);
                    }
                });
                return work(reporter);
            });
    }
}
