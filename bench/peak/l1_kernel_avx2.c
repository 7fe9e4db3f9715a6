/*
 * Is the machine itself steady? Alternates, in one thread, 0.1 s of the peak probe's 12 register-only FMA chains with
 * 0.1 s of a 6 x 16 SGEMM micro-kernel (12 accumulators; per step 2 vector loads, 6 broadcasts from memory and 12
 * FMAs) whose operands stay in L1, and prints both GFLOP/s each round. On a quiet core both read near the peak; when
 * the kernel alone drops while the probe does not, something else on the core (another VM on the sibling hardware
 * thread) is taking its loads or its dispatch slots, and every load-carrying figure of that minute drops with it.
 * Build and run: bench/kernel-vs-peak.sh.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>

enum { KC = 256, ROW_STRIDE = KC + 16, ROWS = 6 };

static float a[ROWS * ROW_STRIDE] __attribute__((aligned(64)));
static float b[KC * 16] __attribute__((aligned(64)));
static volatile float sink;

/* GFLOP/s of the register-only chains (the peak probe's method) over about 0.1 s. */
static double registers(void) {
    const long iters = 8000000;
    __m256 acc[12];
    for (int i = 0; i < 12; i++) {
        acc[i] = _mm256_set1_ps(1.0f + 0.1f * i);
    }
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    double t0 = omp_get_wtime();
    for (long i = 0; i < iters; i++) {
        for (int j = 0; j < 12; j++) {
            acc[j] = _mm256_fmadd_ps(acc[j], m, c);
        }
    }
    double s = omp_get_wtime() - t0;
    for (int j = 0; j < 12; j++) {
        sink += _mm256_cvtss_f32(acc[j]);
    }
    return iters * 12.0 * 8 * 2 / s / 1e9;
}

/* GFLOP/s of the 6 x 16 micro-kernel, A rows ROW_STRIDE apart and the B panel in L1, over about 0.1 s. */
static double kernel(void) {
    const long calls = 20000;
    double t0 = omp_get_wtime();
    for (long call = 0; call < calls; call++) {
        __m256 acc[2 * ROWS];
        for (int i = 0; i < 2 * ROWS; i++) {
            acc[i] = _mm256_setzero_ps();
        }
        for (int p = 0; p < KC; p++) {
            __m256 b0 = _mm256_load_ps(b + p * 16), b1 = _mm256_load_ps(b + p * 16 + 8);
            for (int r = 0; r < ROWS; r++) {
                __m256 av = _mm256_broadcast_ss(a + r * ROW_STRIDE + p);
                acc[2 * r] = _mm256_fmadd_ps(b0, av, acc[2 * r]);
                acc[2 * r + 1] = _mm256_fmadd_ps(b1, av, acc[2 * r + 1]);
            }
        }
        for (int i = 0; i < 2 * ROWS; i++) {
            sink += _mm256_cvtss_f32(acc[i]);
        }
    }
    double s = omp_get_wtime() - t0;
    return calls * (double) KC * ROWS * 16 * 2 / s / 1e9;
}

int main(void) {
    for (int i = 0; i < ROWS * ROW_STRIDE; i++) {
        a[i] = 0.001f;
    }
    for (int i = 0; i < KC * 16; i++) {
        b[i] = 0.5f;
    }
    for (int round = 0; round < 10; round++) {
        double r = registers();
        double k = kernel();
        printf("round %d: registers %.1f GFLOP/s, L1 kernel %.1f GFLOP/s (%.0f%%)\n", round, r, k, 100 * k / r);
    }
    return 0;
}
