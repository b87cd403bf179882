/* The native floor of one least-squares SGD step in dimension d: a ziggurat normal per coordinate (Marsaglia and
 * Tsang 2000, 128 layers, xoshiro256** words), the sample scaled by sqrt(lambda) and projected on the student and
 * teacher rows in the same loop, then one axpy. No buffers between stages, no dispatch.
 * Build and run: tests/HighDimSgd.Benchmarks/floor/run.sh (prints ns per step and coordinate for d = 1e3, 1e4, 1e5). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t s[4] = {0x9E3779B97F4A7C15ULL, 0xBF58476D1CE4E5B9ULL, 0x94D049BB133111EBULL, 0x2545F4914F6CDD1DULL};
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t next(void)
{
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return result;
}
static inline double uniform(void) { return (next() >> 11) * 0x1.0p-53; }

static uint32_t kn[128];
static double wn[128], fn[128];

static void setup(void)
{
    const double m1 = 2147483648.0, vn = 9.91256303526217e-3;
    double dn = 3.442619855899, tn = dn, q = vn / exp(-.5 * dn * dn);
    kn[0] = (uint32_t)((dn / q) * m1); kn[1] = 0;
    wn[0] = q / m1; wn[127] = dn / m1;
    fn[0] = 1.; fn[127] = exp(-.5 * dn * dn);
    for (int i = 126; i >= 1; i--)
    {
        dn = sqrt(-2. * log(vn / dn + exp(-.5 * dn * dn)));
        kn[i + 1] = (uint32_t)((dn / tn) * m1);
        tn = dn; fn[i] = exp(-.5 * dn * dn); wn[i] = dn / m1;
    }
}

/* The rare slow path: the wedge or the tail. */
static double fix(int32_t hz, uint32_t iz)
{
    const double r = 3.442620;
    for (;;)
    {
        double x = hz * wn[iz];
        if (iz == 0)
        {
            double y;
            do { x = -log(uniform() + 1e-300) / r; y = -log(uniform() + 1e-300); } while (y + y < x * x);
            return hz > 0 ? r + x : -r - x;
        }
        if (fn[iz] + uniform() * (fn[iz - 1] - fn[iz]) < exp(-.5 * x * x)) return x;
        hz = (int32_t)(next() >> 32); iz = hz & 127;
        if ((uint32_t)abs(hz) < kn[iz]) return hz * wn[iz];
    }
}

static inline double normal(void)
{
    int32_t hz = (int32_t)(next() >> 32);
    uint32_t iz = hz & 127;
    return (uint32_t)abs(hz) < kn[iz] ? hz * wn[iz] : fix(hz, iz);
}

int main(void)
{
    setup();
    int dims[] = {1000, 10000, 100000};
    for (int k = 0; k < 3; k++)
    {
        int d = dims[k];
        long steps = (long)(2e7 / d);
        double *root = malloc(d * sizeof(double)), *w = calloc(d, sizeof(double)), *wstar = malloc(d * sizeof(double)), *a = malloc(d * sizeof(double));
        for (int i = 0; i < d; i++) { root[i] = sqrt(0.2 + 1.6 * i / (d - 1.0)); wstar[i] = 1 / sqrt(d); }
        double best = 1e300, loss = 0;
        for (int round = 0; round < 5; round++)
        {
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            for (long n = 0; n < steps; n++)
            {
                double r = 0, rstar = 0;
                for (int i = 0; i < d; i++) { double x = normal() * root[i]; a[i] = x; r += w[i] * x; rstar += wstar[i] * x; }
                double residual = r - rstar, step = -0.5 / d * residual;
                loss += 0.5 * residual * residual;
                for (int i = 0; i < d; i++) w[i] += step * a[i];
            }
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double seconds = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
            if (seconds < best) best = seconds;
        }
        printf("native floor d=%d: %.2f ns per step and coordinate (mean loss %.3g)\n", d, best / steps / d * 1e9, loss / (5.0 * steps));
        free(root); free(w); free(wstar); free(a);
    }
    return 0;
}
