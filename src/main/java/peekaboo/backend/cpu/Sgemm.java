package peekaboo.backend.cpu;

/**
 * Single-precision matrix multiply: C = op(A) op(B) (+ C), row-major, op(X) = X or X^T.
 *
 * <p>The default path is packed, cache-blocked, Vector API and multi-threaded
 * ({@link SgemmRows}, {@link SgemmKernel}); {@code -Dpeekaboo.simd=false} selects the plain
 * loop of {@link #sgemmScalar}, which is also the reference in tests. Equivalent to
 * {@code torch.addmm(C, op(A), op(B))} with beta = accumulate ? 1 : 0.
 */
public final class Sgemm {

    /** False when {@code -Dpeekaboo.simd=false}: every CPU kernel then takes its scalar path. */
    public static final boolean SIMD = !"false".equalsIgnoreCase(System.getProperty("peekaboo.simd"));

    private Sgemm() {
    }

    /**
     * C = op(A) op(B) (+ C if accumulate). A is stored m x k with row stride lda when !transA,
     * else k x m; B is stored k x n (ldb) when !transB, else n x k; C is m x n (ldc).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc, boolean accumulate) {
        if (SIMD) {
            sgemmPacked(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else {
            sgemmScalar(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
    }

    /** The packed Vector API path, regardless of {@link #SIMD}. */
    static void sgemmPacked(boolean transA, boolean transB, int m, int n, int k,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc, boolean accumulate) {
        checkArgs(m, n, k, lda, ldb, ldc, transA, transB);
        SgemmRows.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** The plain-Java reference path (i-p-j loop order, float accumulation). */
    static void sgemmScalar(boolean transA, boolean transB, int m, int n, int k,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc, boolean accumulate) {
        checkArgs(m, n, k, lda, ldb, ldc, transA, transB);
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (!accumulate) {
                java.util.Arrays.fill(c, ci, ci + n, 0f);
            }
            for (int p = 0; p < k; p++) {
                float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                if (transB) {
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += av * b[bOff + j * ldb + p];
                    }
                } else {
                    int bp = bOff + p * ldb;
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += av * b[bp + j];
                    }
                }
            }
        }
    }

    static void checkArgs(int m, int n, int k, int lda, int ldb, int ldc, boolean transA,
            boolean transB) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative size m=" + m + " n=" + n + " k=" + k);
        }
        int aCols = transA ? m : k;
        int bCols = transB ? k : n;
        if (lda < aCols || ldb < bCols || ldc < n) {
            throw new IllegalArgumentException("leading dimension too small: lda=" + lda + " (min "
                    + aCols + "), ldb=" + ldb + " (min " + bCols + "), ldc=" + ldc + " (min " + n + ")");
        }
    }
}
