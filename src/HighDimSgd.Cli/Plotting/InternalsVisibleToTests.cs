using System.Runtime.CompilerServices;

// The tick and clipping rules are checked directly, not only through rendered images.
[assembly: InternalsVisibleTo("HighDimSgd.Cli.Tests")]
