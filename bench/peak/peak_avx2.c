/*
 * fp32 FMA peak for machines without AVX-512 (AVX2 + FMA, such as Zen 3): per thread, 12 independent chains of
 * 256-bit FMAs, enough to keep two FMA pipes with 4-5 cycle latency busy. Prints the same line as
 * ../shared/tools/peak-fp32, the best of three runs: peak_fp32_gflops=G threads=T.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>

int main(void) {
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        const long iters = 400000000L / 8;
        double flops = 0;
        double t0 = omp_get_wtime();
#pragma omp parallel reduction(+ : flops)
        {
            __m256 acc[12];
            for (int i = 0; i < 12; i++) {
                acc[i] = _mm256_set1_ps(1.0f + 0.1f * i);
            }
            const __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
            for (long i = 0; i < iters; i++) {
                acc[0] = _mm256_fmadd_ps(acc[0], b, c);
                acc[1] = _mm256_fmadd_ps(acc[1], b, c);
                acc[2] = _mm256_fmadd_ps(acc[2], b, c);
                acc[3] = _mm256_fmadd_ps(acc[3], b, c);
                acc[4] = _mm256_fmadd_ps(acc[4], b, c);
                acc[5] = _mm256_fmadd_ps(acc[5], b, c);
                acc[6] = _mm256_fmadd_ps(acc[6], b, c);
                acc[7] = _mm256_fmadd_ps(acc[7], b, c);
                acc[8] = _mm256_fmadd_ps(acc[8], b, c);
                acc[9] = _mm256_fmadd_ps(acc[9], b, c);
                acc[10] = _mm256_fmadd_ps(acc[10], b, c);
                acc[11] = _mm256_fmadd_ps(acc[11], b, c);
            }
            __m256 s = acc[0];
            for (int i = 1; i < 12; i++) {
                s = _mm256_add_ps(s, acc[i]);
            }
            float r[8];
            _mm256_storeu_ps(r, s);
            if (r[0] == 12345.0f) {
                printf("unlikely\n"); /* keeps the chains live */
            }
            flops += (double) iters * 12 * 8 * 2;
        }
        double g = flops / (omp_get_wtime() - t0) / 1e9;
        if (g > best) {
            best = g;
        }
    }
    printf("peak_fp32_gflops=%.1f threads=%d\n", best, omp_get_max_threads());
    return 0;
}
