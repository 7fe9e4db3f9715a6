package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SGEMM micro-kernel: an {@link #MR} x {@link #NR} block of C kept in 16 vector
 * registers (8 rows x 2 vectors). Per k step it loads two vectors of the packed B panel,
 * broadcasts each of the 8 packed A values and issues 16 FMAs.
 *
 * <p>Kept deliberately small: a larger kernel (12 x 2) was never compiled by C2.
 * Generated once by hand-unrolling; edit all rows alike.
 */
final class SgemmKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Vector length in floats. */
    static final int VL = S.length();
    /** Rows of the register block (height of a packed A panel). */
    static final int MR = 8;
    /** Columns of the register block (width of a packed B panel). */
    static final int NR = 2 * VL;

    private SgemmKernel() {
    }

    /**
     * C[0..MR) x [0..NR) (+)= Apanel . Bpanel, where Apanel holds kc columns of MR values
     * (at a[ai + p*MR + i]) and Bpanel kc rows of NR values (at b[bi + p*NR + j]); C row i
     * starts at c[ci + i*ldc].
     */
    static void kernel(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc,
            boolean add) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z,
                c40 = z, c41 = z,
                c50 = z, c51 = z,
                c60 = z, c61 = z,
                c70 = z, c71 = z;
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
            FloatVector av;
            av = FloatVector.broadcast(S, a[ai + 0]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, a[ai + 1]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, a[ai + 2]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, a[ai + 3]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
            av = FloatVector.broadcast(S, a[ai + 4]);
            c40 = b0.fma(av, c40);
            c41 = b1.fma(av, c41);
            av = FloatVector.broadcast(S, a[ai + 5]);
            c50 = b0.fma(av, c50);
            c51 = b1.fma(av, c51);
            av = FloatVector.broadcast(S, a[ai + 6]);
            c60 = b0.fma(av, c60);
            c61 = b1.fma(av, c61);
            av = FloatVector.broadcast(S, a[ai + 7]);
            c70 = b0.fma(av, c70);
            c71 = b1.fma(av, c71);
        }
        store(c00, c01, c, ci + 0 * ldc, add);
        store(c10, c11, c, ci + 1 * ldc, add);
        store(c20, c21, c, ci + 2 * ldc, add);
        store(c30, c31, c, ci + 3 * ldc, add);
        store(c40, c41, c, ci + 4 * ldc, add);
        store(c50, c51, c, ci + 5 * ldc, add);
        store(c60, c61, c, ci + 6 * ldc, add);
        store(c70, c71, c, ci + 7 * ldc, add);
    }

    private static void store(FloatVector v0, FloatVector v1, float[] c, int ci, boolean add) {
        if (add) {
            v0 = v0.add(FloatVector.fromArray(S, c, ci));
            v1 = v1.add(FloatVector.fromArray(S, c, ci + VL));
        }
        v0.intoArray(c, ci);
        v1.intoArray(c, ci + VL);
    }
}
