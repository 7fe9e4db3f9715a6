package peekaboo.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Double-precision matrix multiply with the same contract as {@link Sgemm#sgemm}: C = op(A) op(B)
 * (+ C), row-major. Used for float64 scores and gradient checks, where exactness matters more
 * than speed: a register-blocked Vector API loop (4 rows x 2 vectors of C), op(B) copied to a
 * row-major buffer when transposed, parallel over row blocks; scalar code for the edges.
 */
public final class Dgemm {

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final int MR = 4;
    private static final int NR = 2 * VL;

    private Dgemm() {
    }

    /** See {@link Sgemm#sgemm}; the same shapes, strides and accumulate flag, in double. */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k,
            double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
            double[] c, int cOff, int ldc, boolean accumulate) {
        if (Sgemm.SIMD) {
            dgemmVector(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else {
            dgemmScalar(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
    }

    /** The Vector API path, regardless of {@link Sgemm#SIMD}. */
    static void dgemmVector(boolean transA, boolean transB, int m, int n, int k,
            double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
            double[] c, int cOff, int ldc, boolean accumulate) {
        Sgemm.checkArgs(m, n, k, lda, ldb, ldc, transA, transB);
        if (m == 0 || n == 0) {
            return;
        }
        if (transB) { // copy op(B) (k x n) so that its rows are contiguous
            double[] bt = new double[k * n];
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    bt[p * n + j] = b[bOff + j * ldb + p];
                }
            }
            b = bt;
            bOff = 0;
            ldb = n;
        }
        double[] bb = b;
        int bo = bOff;
        int lb = ldb;
        int blocks = (m + MR - 1) / MR;
        Parallel.RangeBody body = (r0, r1) -> {
            for (int i = r0 * MR; i < Math.min(m, r1 * MR); i += MR) {
                rowBlock(transA, i, Math.min(MR, m - i), n, k, a, aOff, lda, bb, bo, lb, c, cOff, ldc,
                        accumulate);
            }
        };
        if ((long) m * n * k < SgemmDriver.PARALLEL_MIN_WORK) {
            body.run(0, blocks);
        } else {
            Parallel.forRange(blocks, body);
        }
    }

    /** Rows [i, i+mr) of C, mr <= MR. */
    private static void rowBlock(boolean transA, int i, int mr, int n, int k, double[] a, int aOff,
            int lda, double[] b, int bOff, int ldb, double[] c, int cOff, int ldc, boolean accumulate) {
        // element (r, p) of op(A) is a[aOff + (i + r) * rs + p * ps]
        int rs = transA ? 1 : lda;
        int ps = transA ? lda : 1;
        int a0 = aOff + i * rs;
        int j = 0;
        if (mr == MR) {
            for (; j + NR <= n; j += NR) {
                kernel(k, a, a0, rs, ps, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, accumulate);
            }
        }
        for (int r = 0; r < mr; r++) { // scalar edges: remaining columns, or all of a short block
            int ci = cOff + (i + r) * ldc;
            for (int jj = j; jj < n; jj++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[a0 + r * rs + p * ps] * b[bOff + p * ldb + jj];
                }
                c[ci + jj] = accumulate ? c[ci + jj] + s : s;
            }
        }
    }

    /** A 4 x 2-vector block of C from 4 rows of op(A) and NR columns of B. */
    private static void kernel(int k, double[] a, int a0, int rs, int ps, double[] b, int bi, int ldb,
            double[] c, int ci, int ldc, boolean accumulate) {
        DoubleVector z = DoubleVector.zero(S);
        DoubleVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        for (int p = 0; p < k; p++, bi += ldb, a0 += ps) {
            DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
            DoubleVector b1 = DoubleVector.fromArray(S, b, bi + VL);
            DoubleVector av = DoubleVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = DoubleVector.broadcast(S, a[a0 + rs]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = DoubleVector.broadcast(S, a[a0 + 2 * rs]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = DoubleVector.broadcast(S, a[a0 + 3 * rs]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
        }
        store(c00, c01, c, ci, accumulate);
        store(c10, c11, c, ci + ldc, accumulate);
        store(c20, c21, c, ci + 2 * ldc, accumulate);
        store(c30, c31, c, ci + 3 * ldc, accumulate);
    }

    private static void store(DoubleVector v0, DoubleVector v1, double[] c, int ci, boolean add) {
        if (add) {
            v0.add(DoubleVector.fromArray(S, c, ci)).intoArray(c, ci);
            v1.add(DoubleVector.fromArray(S, c, ci + VL)).intoArray(c, ci + VL);
        } else {
            v0.intoArray(c, ci);
            v1.intoArray(c, ci + VL);
        }
    }

    /** The plain-loop reference path. */
    static void dgemmScalar(boolean transA, boolean transB, int m, int n, int k,
            double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
            double[] c, int cOff, int ldc, boolean accumulate) {
        Sgemm.checkArgs(m, n, k, lda, ldb, ldc, transA, transB);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + s : s;
            }
        }
    }
}
