using System.Runtime.Intrinsics;

namespace HighDimSgd.Core.Ode;

/// <summary>
/// The functions of exponential integrators, <c>phi_0(z) = e^z</c> and <c>phi_k(z) = (phi_(k-1)(z) - 1/(k-1)!) / z</c>,
/// i.e. <c>phi_k(z) = sum_m z^m / (m + k)!</c>.
/// </summary>
internal static class PhiFunctions
{
    // Below this |z| the recurrence loses digits to cancellation (phi_3 about 1e-15 relative at the switch), so the
    // series is summed instead: 16 terms leave a remainder below 1e-17 there.
    private const double SeriesRadius = 0.5;
    private const int SeriesTerms = 16;

    // 1 / (m + 4) for the series' Horner steps: a division per term would dominate the cost of a step's phi values.
    private static readonly double[] Reciprocals = [.. Enumerable.Range(0, SeriesTerms).Select(m => 1.0 / (m + 4))];

    /// <summary>e^z, phi_1(z), phi_2(z) and phi_3(z).</summary>
    public static (double Exp, double Phi1, double Phi2, double Phi3) Evaluate(double z)
    {
        if (Math.Abs(z) < SeriesRadius)
        {
            // Horner on phi_3 = sum z^m / (m + 3)!, then phi_(k-1) = 1/(k-1)! + z phi_k.
            double phi3 = 0;
            var reciprocals = Reciprocals;
            for (var m = SeriesTerms - 1; m >= 0; m--) phi3 = phi3 * z * reciprocals[m] + 1;
            phi3 /= 6;
            var phi2 = 0.5 + z * phi3;
            var phi1 = 1 + z * phi2;
            return (1 + z * phi1, phi1, phi2, phi3);
        }
        var e = Math.Exp(z);
        var p1 = (e - 1) / z;
        var p2 = (p1 - 1) / z;
        return (e, p1, p2, (p2 - 0.5) / z);
    }

    /// <summary>
    /// The four functions of <c>z_i = scale * rates_i</c> for every i: four lanes at a time where the hardware allows
    /// (both branches computed, the series kept where |z| is small), since a step of the dense form needs them for
    /// about 1.2 million arguments.
    /// </summary>
    public static void Fill(ReadOnlySpan<double> rates, double scale, Span<double> exp, Span<double> phi1, Span<double> phi2, Span<double> phi3)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var radius = Vector256.Create(SeriesRadius);
            var one = Vector256.Create(1.0);
            var half = Vector256.Create(0.5);
            var sixth = Vector256.Create(1.0 / 6);
            var factor = Vector256.Create(scale);
            for (; i <= rates.Length - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                var z = Vector256.Create(rates.Slice(i, Vector256<double>.Count)) * factor;
                var series = one;
                for (var m = SeriesTerms - 1; m >= 0; m--) series = series * z * Vector256.Create(Reciprocals[m]) + one;
                var s3 = series * sixth;
                var s2 = half + z * s3;
                var s1 = one + z * s2;
                var s0 = one + z * s1;
                var e = Vector256.Exp(z);
                var r1 = (e - one) / z;
                var r2 = (r1 - one) / z;
                var r3 = (r2 - half) / z;
                var small = Vector256.LessThan(Vector256.Abs(z), radius);
                Vector256.ConditionalSelect(small, s0, e).CopyTo(exp.Slice(i, Vector256<double>.Count));
                Vector256.ConditionalSelect(small, s1, r1).CopyTo(phi1.Slice(i, Vector256<double>.Count));
                Vector256.ConditionalSelect(small, s2, r2).CopyTo(phi2.Slice(i, Vector256<double>.Count));
                Vector256.ConditionalSelect(small, s3, r3).CopyTo(phi3.Slice(i, Vector256<double>.Count));
            }
        }
        for (; i < rates.Length; i++) (exp[i], phi1[i], phi2[i], phi3[i]) = Evaluate(scale * rates[i]);
    }
}
