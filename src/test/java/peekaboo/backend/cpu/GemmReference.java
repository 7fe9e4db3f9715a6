package peekaboo.backend.cpu;

/** Naive triple-loop GEMM in double, and the matching error bound, for tests. */
final class GemmReference {

    private GemmReference() {
    }

    /** Returns {C exact, sum of |products| (+|C|)} for every element of the m x n result. */
    static double[][] gemm(boolean transA, boolean transB, int m, int n, int k,
            double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
            double[] c, int cOff, int ldc, boolean accumulate) {
        double[] exact = new double[m * n];
        double[] mag = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = accumulate ? c[cOff + i * ldc + j] : 0;
                double g = Math.abs(s);
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                    g += Math.abs(av * bv);
                }
                exact[i * n + j] = s;
                mag[i * n + j] = g;
            }
        }
        return new double[][] {exact, mag};
    }

    static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
