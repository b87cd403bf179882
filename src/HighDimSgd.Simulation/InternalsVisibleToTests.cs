using System.Runtime.CompilerServices;

// The fused sample kernels are an implementation detail; their test compares them with plain loops.
[assembly: InternalsVisibleTo("HighDimSgd.Simulation.Tests")]
