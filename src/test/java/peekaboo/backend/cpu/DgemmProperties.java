package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class DgemmProperties {

    @Property(tries = 250, seed = "44")
    void matchesReference(@ForAll @IntRange(min = 0, max = 70) int m,
            @ForAll @IntRange(min = 0, max = 70) int n, @ForAll @IntRange(min = 0, max = 70) int k,
            @ForAll boolean transA, @ForAll boolean transB, @ForAll boolean accumulate,
            @ForAll @IntRange(min = 0, max = 5) int pad, @ForAll boolean vector, @ForAll long seed) {
        check(vector, transA, transB, m, n, k, pad, accumulate, seed);
    }

    @Test
    void largeSizes() {
        int[][] sizes = {{300, 217, 401}, {37, 700, 90}, {530, 9, 70}};
        long seed = 9;
        for (int[] s : sizes) {
            for (int t = 0; t < 4; t++) {
                check(true, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 2, t == 2, seed++);
            }
        }
    }

    static void check(boolean vector, boolean transA, boolean transB, int m, int n, int k, int pad,
            boolean accumulate, long seed) {
        Random rnd = new Random(seed);
        int lda = (transA ? m : k) + pad;
        int ldb = (transB ? k : n) + pad;
        int ldc = n + 2 * pad;
        int aOff = 1;
        int bOff = pad;
        int cOff = 2 * pad;
        double[] a = random(rnd, aOff + (transA ? k : m) * lda + pad);
        double[] b = random(rnd, bOff + (transB ? n : k) * ldb + pad);
        double[] c = random(rnd, cOff + m * ldc + pad);
        double[] before = c.clone();
        double[][] ref = GemmReference.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c,
                cOff, ldc, accumulate);
        if (vector) {
            Dgemm.dgemmVector(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else {
            Dgemm.dgemmScalar(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
        for (int q = 0; q < c.length; q++) {
            int idx = q;
            int rel = idx - cOff;
            int i = rel >= 0 ? rel / ldc : -1;
            int j = rel >= 0 ? rel % ldc : -1;
            if (i >= 0 && i < m && j < n) {
                double exact = ref[0][i * n + j];
                double tol = 1e-13 * (1 + ref[1][i * n + j]);
                assertTrue(Math.abs(c[idx] - exact) <= tol, () -> String.format(
                        "C[%d,%d] = %s, expected %s (m=%d n=%d k=%d tA=%b tB=%b acc=%b)",
                        i, j, c[idx], exact, m, n, k, transA, transB, accumulate));
            } else {
                assertEquals(before[idx], c[idx], "element outside C was written at " + idx);
            }
        }
    }

    static double[] random(Random rnd, int len) {
        double[] x = new double[len];
        for (int i = 0; i < len; i++) {
            x[i] = rnd.nextGaussian();
        }
        return x;
    }
}
