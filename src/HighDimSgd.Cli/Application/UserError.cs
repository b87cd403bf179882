namespace HighDimSgd.Cli.Application;

/// <summary>A mistake in the user's input: reported as one line on stderr with exit code 2, never as a stack trace.</summary>
public sealed class UserErrorException(string message) : Exception(message);
