package peekaboo.backend.cpu;

/** Placeholder SGEMM (replaced by the packed Vector API kernel). */
public final class Sgemm {
    private Sgemm() {}

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                c[cOff + i * ldc + j] = accumulate ? c[cOff + i * ldc + j] + s : s;
            }
        }
    }
}
