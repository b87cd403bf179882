using System.Runtime.CompilerServices;

// The sampler's vector log and the fused sample kernels are implementation details; their tests compare them with
// Math.Log and with plain loops.
[assembly: InternalsVisibleTo("HighDimSgd.Simulation.Tests")]
