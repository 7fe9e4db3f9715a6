package peekaboo.backend.cpu;

/** Placeholder DGEMM (replaced by the packed Vector API kernel). */
public final class Dgemm {
    private Dgemm() {}

    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double[] a, int aOff, int lda,
                             double[] b, int bOff, int ldb, double[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                c[cOff + i * ldc + j] = accumulate ? c[cOff + i * ldc + j] + s : s;
            }
        }
    }
}
