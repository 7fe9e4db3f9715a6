package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SgemmProperties {

    @Property(tries = 300, seed = "42")
    void packedMatchesReference(@ForAll @IntRange(min = 0, max = 70) int m,
            @ForAll @IntRange(min = 0, max = 70) int n, @ForAll @IntRange(min = 0, max = 70) int k,
            @ForAll boolean transA, @ForAll boolean transB, @ForAll boolean accumulate,
            @ForAll @IntRange(min = 0, max = 5) int pad, @ForAll long seed) {
        check(true, transA, transB, m, n, k, pad, accumulate, seed);
    }

    @Property(tries = 150, seed = "43")
    void scalarMatchesReference(@ForAll @IntRange(min = 0, max = 70) int m,
            @ForAll @IntRange(min = 0, max = 70) int n, @ForAll @IntRange(min = 0, max = 70) int k,
            @ForAll boolean transA, @ForAll boolean transB, @ForAll boolean accumulate,
            @ForAll @IntRange(min = 0, max = 5) int pad, @ForAll long seed) {
        check(false, transA, transB, m, n, k, pad, accumulate, seed);
    }

    @Test
    void largeSizesCrossEveryBlockBoundary() {
        int[][] sizes = {{300, 517, 401}, {37, 1100, 800}, {1030, 9, 70}, {129, 130, 1}, {1, 1, 2000}};
        long seed = 7;
        for (int[] s : sizes) {
            for (int t = 0; t < 4; t++) {
                check(true, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 3, t == 3, seed++);
            }
        }
    }

    /**
     * op(A) packed once (PackedA, as conv layers share their weights across chunks, and as the threads share
     * it when they split the columns) gives the same bits as packing it block by block, in either
     * transposition, across k blocks (KC = 512) and m blocks.
     */
    @Property(tries = 40, seed = "44")
    void prePackedAMatchesPackingPerBlock(@ForAll @IntRange(min = 1, max = 300) int m,
            @ForAll @IntRange(min = 1, max = 200) int n, @ForAll @IntRange(min = 1, max = 1300) int k,
            @ForAll boolean transA, @ForAll boolean accumulate, @ForAll long seed) {
        Random rnd = new Random(seed);
        int lda = (transA ? m : k) + 2;
        float[] a = new float[(transA ? k : m) * lda];
        float[] b = new float[k * n];
        float[] c0 = new float[m * n];
        for (float[] v : new float[][] {a, b, c0}) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
        }
        float[] expected = c0.clone(); // one thread, op(A) packed block by block
        SgemmDriver.gemmRange(0, m, 0, n, k, SgemmDriver.matrixA(transA, a, 0, lda),
                SgemmDriver.matrixB(false, b, 0, n), expected, 0, n, accumulate);
        float[] split = c0.clone(); // all threads (op(A) packed once for them when the columns are split)
        SgemmDriver.gemm(m, n, k, SgemmDriver.matrixA(transA, a, 0, lda), SgemmDriver.matrixB(false, b, 0, n),
                split, 0, n, accumulate);
        float[] reuse = new float[rnd.nextBoolean() ? 0 : 20 * 1300 * 8]; // a kept buffer, large enough or not
        SgemmDriver.PackedA packed = new SgemmDriver.PackedA(m, k, SgemmDriver.matrixA(transA, a, 0, lda), reuse);
        float[] parallel = c0.clone();
        SgemmDriver.gemm(packed, n, SgemmDriver.matrixB(false, b, 0, n), parallel, 0, n, accumulate);
        float[] single = c0.clone();
        SgemmDriver.gemmRange(0, n, packed, SgemmDriver.matrixB(false, b, 0, n), single, 0, n, accumulate);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(split[i]), "gemm, entry " + i);
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(parallel[i]), "packed gemm, entry " + i);
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(single[i]), "gemmRange, entry " + i);
        }
    }

    /**
     * The plain-matrix path gives the same bits on all threads (either split) as on one, across its blocks: MC = 96
     * rows, kc = 256, column blocks narrowed for deep k.
     */
    @Property(tries = 40, seed = "45")
    void rowsPathSameBitsOnAllThreads(@ForAll @IntRange(min = 1, max = 300) int m,
            @ForAll @IntRange(min = 1, max = 700) int n, @ForAll @IntRange(min = 1, max = 1300) int k,
            @ForAll boolean transA, @ForAll boolean transB, @ForAll boolean accumulate, @ForAll long seed) {
        Random rnd = new Random(seed);
        int lda = (transA ? m : k) + 1;
        int ldb = (transB ? k : n) + 3;
        float[] a = random(rnd, (transA ? k : m) * lda);
        float[] b = random(rnd, (transB ? n : k) * ldb);
        float[] c0 = random(rnd, m * n);
        float[] single = c0.clone();
        SgemmRows.range(transA, transB, 0, m, 0, n, k, a, 0, lda, b, 0, ldb, single, 0, n, accumulate);
        float[] all = c0.clone();
        SgemmRows.gemm(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, all, 0, n, accumulate);
        for (int i = 0; i < single.length; i++) {
            assertEquals(Float.floatToIntBits(single[i]), Float.floatToIntBits(all[i]), "entry " + i);
        }
    }

    /** k deeper than one B buffer holds at NC columns (blocks of NR columns, a larger buffer beyond B_FLOATS / NR). */
    @Test
    void rowsPathDeepK() {
        int deep = SgemmRows.B_FLOATS / SgemmKernel.NR + 300;
        long seed = 11;
        for (int[] s : new int[][] {{5, 70, 9000}, {9, 40, deep}}) {
            for (int t = 0; t < 4; t++) {
                check(true, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1, t == 3, seed++);
            }
        }
    }

    /** Square products split their rows (nothing shared between the threads), wide ones and pre-packed op(A) columns. */
    @Test
    void threadsSplitRowsUnlessTheProductIsWide() {
        assertFalse(SgemmDriver.splitsColumns(512, 512, false));
        assertFalse(SgemmDriver.splitsColumns(512, 1024, false));
        assertTrue(SgemmDriver.splitsColumns(512, 1025, false));
        assertEquals(Parallel.threads() > 1, SgemmDriver.splitsColumns(8, 16, false)); // one row panel
        assertTrue(SgemmDriver.splitsColumns(512, 512, true));
        assertFalse(SgemmDriver.splitsColumns(513, 512, true));
    }

    @Test
    void publicEntryPointUsesSelectedPath() {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = new float[4];
        Sgemm.sgemm(false, false, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, false);
        assertEquals(19f, c[0]);
        assertEquals(22f, c[1]);
        assertEquals(43f, c[2]);
        assertEquals(50f, c[3]);
    }

    static void check(boolean packed, boolean transA, boolean transB, int m, int n, int k, int pad,
            boolean accumulate, long seed) {
        Random rnd = new Random(seed);
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        int lda = aCols + pad;
        int ldb = bCols + 2 * pad;
        int ldc = n + pad;
        int aOff = pad;
        int bOff = 2 * pad + 1;
        int cOff = 3;
        float[] a = random(rnd, aOff + aRows * lda + pad);
        float[] b = random(rnd, bOff + bRows * ldb + pad);
        float[] c = random(rnd, cOff + m * ldc + pad);
        float[] before = c.clone();
        double[][] ref = GemmReference.gemm(transA, transB, m, n, k, GemmReference.toDouble(a), aOff,
                lda, GemmReference.toDouble(b), bOff, ldb, GemmReference.toDouble(c), cOff, ldc, accumulate);
        if (packed) {
            Sgemm.sgemmPacked(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else {
            Sgemm.sgemmScalar(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
        for (int q = 0; q < c.length; q++) {
            int idx = q;
            int rel = idx - cOff;
            int i = rel >= 0 ? rel / ldc : -1;
            int j = rel >= 0 ? rel % ldc : -1;
            if (i >= 0 && i < m && j < n) {
                double exact = ref[0][i * n + j];
                double tol = 1e-5 + 1e-4 * ref[1][i * n + j];
                assertTrue(Math.abs(c[idx] - exact) <= tol, () -> String.format(
                        "C[%d,%d] = %s, expected %s (m=%d n=%d k=%d tA=%b tB=%b acc=%b)",
                        i, j, c[idx], exact, m, n, k, transA, transB, accumulate));
            } else {
                assertEquals(before[idx], c[idx], "element outside C was written at " + idx);
            }
        }
    }

    static float[] random(Random rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = (float) (rnd.nextGaussian());
        }
        return x;
    }
}
