using System.Runtime.CompilerServices;

// The structured Jacobian is an implementation detail of the stiff solver; its test compares it with a dense one.
[assembly: InternalsVisibleTo("HighDimSgd.Core.Tests")]
