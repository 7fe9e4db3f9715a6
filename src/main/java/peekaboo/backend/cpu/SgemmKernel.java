package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SGEMM micro-kernel: an {@link #MR} x {@link #NR} block of C kept in 16 vector
 * registers (8 rows x 2 vectors). Per k step it loads two vectors of the packed B panel,
 * broadcasts each of the 8 packed A values and issues 16 FMAs.
 *
 * <p>Kept deliberately small: a larger kernel (12 x 2) was never compiled by C2.
 * The 8 rows are unrolled by hand; edit them alike.
 */
final class SgemmKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Vector length in floats. */
    static final int VL = S.length();
    /** Rows of the register block (height of a packed A panel). */
    static final int MR = 8;
    /** Columns of the register block (width of a packed B panel). */
    static final int NR = 2 * VL;
    /**
     * With 8-lane vectors (AVX2, whose 16 vector registers cannot hold 16 accumulators and the operands) every
     * packed kernel here runs as two passes of half its rows over the same operands: 8 accumulators each. Every
     * sum is formed by the same operations in the same order, so the bits are those of the one-pass kernel.
     * Zen 3, one thread, the 8 x 2 kernel alone in L1: 50-53 GFLOP/s in one pass against 85-98 in two (of 101).
     * {@link #kernelRows}, whose caller chooses the height, takes 6 rows instead ({@link #ROWS_MR}).
     */
    static final boolean HALVES = VL < 16;

    private SgemmKernel() {
    }

    /**
     * T = Apanel . Bpanel, where Apanel holds kc columns of MR values
     * (at a[ai + p*MR + i]) and Bpanel kc rows of NR values (at b[bi + p*NR + j]). The MR x NR
     * result goes to the tile t (row stride NR); {@link #merge} moves it to C.
     */
    static void kernel(int kc, float[] a, int ai, float[] b, int bi, float[] t) {
        if (HALVES) {
            kernelHalf(kc, a, ai, b, bi, t, 0);
            kernelHalf(kc, a, ai, b, bi, t, 4);
            return;
        }
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
        c00.intoArray(t, 0 * NR);
        c01.intoArray(t, 0 * NR + VL);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + VL);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + VL);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + VL);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + VL);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + VL);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + VL);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + VL);
    }

    /** Depth of the B panel that {@link #kernelRows} keeps in L1: 256 x NR floats = 32 KB of Zen 5's 48 KB. */
    static final int ROWS_KC = 256;
    /**
     * Row stride of the A rows {@link #kernelRows} reads: a constant, so the eight loads of a step use one index
     * and constant displacements; one cache line longer than {@link #ROWS_KC}, so the rows fall in different L1 sets.
     */
    static final int ROW_STRIDE = ROWS_KC + 16;
    /** Rows of C one {@link #kernelRows} call computes: {@link #MR}, or 6 with 8-lane vectors ({@link #HALVES}). */
    static final int ROWS_MR = HALVES ? 6 : MR;

    /**
     * Like {@link #kernel}, but row i of the A panel is the kc floats at a[ai + i*ROW_STRIDE ..] (op(A)'s rows
     * copied as they are, {@link SgemmRows}), not MR-high columns.
     */
    static void kernelRows(int kc, float[] a, int ai, float[] b, int bi, float[] t) {
        if (HALVES) {
            kernelRows6(kc, a, ai, b, bi, t);
            return;
        }
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z,
                c40 = z, c41 = z,
                c50 = z, c51 = z,
                c60 = z, c61 = z,
                c70 = z, c71 = z;
        for (int p = ai, end = ai + kc; p < end; p++, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
            FloatVector av;
            av = FloatVector.broadcast(S, a[p]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, a[p + 1 * ROW_STRIDE]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, a[p + 2 * ROW_STRIDE]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, a[p + 3 * ROW_STRIDE]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
            av = FloatVector.broadcast(S, a[p + 4 * ROW_STRIDE]);
            c40 = b0.fma(av, c40);
            c41 = b1.fma(av, c41);
            av = FloatVector.broadcast(S, a[p + 5 * ROW_STRIDE]);
            c50 = b0.fma(av, c50);
            c51 = b1.fma(av, c51);
            av = FloatVector.broadcast(S, a[p + 6 * ROW_STRIDE]);
            c60 = b0.fma(av, c60);
            c61 = b1.fma(av, c61);
            av = FloatVector.broadcast(S, a[p + 7 * ROW_STRIDE]);
            c70 = b0.fma(av, c70);
            c71 = b1.fma(av, c71);
        }
        c00.intoArray(t, 0 * NR);
        c01.intoArray(t, 0 * NR + VL);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + VL);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + VL);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + VL);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + VL);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + VL);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + VL);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + VL);
    }

    /**
     * Like {@link #kernel}, but B is read in place (direct convolution): row p of the B panel is
     * the two vectors at b[bq + offs[oi + p]] and b[bq + offs[oi + p] + second] (second = VL: NR
     * consecutive floats; larger: two pieces, such as two image rows).
     */
    static void kernelIndexed(int kc, float[] a, int ai, float[] b, int bq, int second, int[] offs, int oi,
            float[] t) {
        if (HALVES) {
            kernelIndexedHalf(kc, a, ai, b, bq, second, offs, oi, t, 0);
            kernelIndexedHalf(kc, a, ai, b, bq, second, offs, oi, t, 4);
            return;
        }
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z,
                c40 = z, c41 = z,
                c50 = z, c51 = z,
                c60 = z, c61 = z,
                c70 = z, c71 = z;
        for (int p = 0; p < kc; p++, ai += MR) {
            int bi = bq + offs[oi + p];
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + second);
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
        c00.intoArray(t, 0 * NR);
        c01.intoArray(t, 0 * NR + VL);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + VL);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + VL);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + VL);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + VL);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + VL);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + VL);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + VL);
    }

    /**
     * {@link #kernelIndexed} on rows formed as it reads them: row p of the B panel is b[i + d1] + b[i + d2]
     * ({@code plus}) or b[i + d1] - b[i + d2] at i = bq + offs[oi + p] and at i + second. Winograd's F(2, 3)
     * input rows (u0 = d0 - d2, u1 = d1 + d2, u2 = d2 - d1, u3 = d1 - d3; {@link Conv2dWinogradRows}) straight
     * from the zero-padded image, not written out first. C2 moves the test of {@code plus} out of the loop.
     */
    static void kernelIndexedPair(int kc, float[] a, int ai, float[] b, int bq, int second, int[] offs, int oi, int d1,
            int d2, boolean plus, float[] t) {
        if (HALVES) {
            kernelIndexedPairHalf(kc, a, ai, b, bq, second, offs, oi, d1, d2, plus, t, 0);
            kernelIndexedPairHalf(kc, a, ai, b, bq, second, offs, oi, d1, d2, plus, t, 4);
            return;
        }
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z,
                c40 = z, c41 = z,
                c50 = z, c51 = z,
                c60 = z, c61 = z,
                c70 = z, c71 = z;
        int q1 = bq + d1;
        int q2 = bq + d2;
        for (int p = 0; p < kc; p++, ai += MR) {
            int o = offs[oi + p];
            FloatVector e0 = FloatVector.fromArray(S, b, q1 + o);
            FloatVector f0 = FloatVector.fromArray(S, b, q2 + o);
            FloatVector e1 = FloatVector.fromArray(S, b, q1 + o + second);
            FloatVector f1 = FloatVector.fromArray(S, b, q2 + o + second);
            FloatVector b0 = plus ? e0.add(f0) : e0.sub(f0);
            FloatVector b1 = plus ? e1.add(f1) : e1.sub(f1);
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
        c00.intoArray(t, 0 * NR);
        c01.intoArray(t, 0 * NR + VL);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + VL);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + VL);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + VL);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + VL);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + VL);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + VL);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + VL);
    }

    /**
     * Dot-product kernel for weight gradients: for i in [0, 4) and j in [0, 4), lane-wise
     * acc[ao + (4i + j)*VL ..] += a[ai_i + g*aImage + u*aStep ..] * b[bj + g*bImage + u*bStep ..] over
     * u in [0, count) and g in [0, images), one vector each (aStep = bStep = VL: one contiguous run of
     * count*VL floats per image). The 16 partial-sum vectors live in acc between calls and are reduced
     * by the caller; several images per call keep them in registers longer (a 16x16 map has only 16
     * vectors per image). Eight loads feed 16 FMAs.
     *
     * <p>Why 4 x 4 and not the 4 x 6 block of sessions 5 and 6 (ten loads for 24 FMAs, 5-25% faster alone,
     * calls alternating in one JVM): C2 (JDK 17) intrinsified only some of the 4 x 6 kernel's 24 stores of
     * loop-carried vectors, and the rest ran the Vector API's Java fallback, halving whole steps (PaB
     * 200-250 against 450-500 images/s) in about a third of JVM runs; with -XX:-TieredCompilation 17 of 24
     * in every run (-XX:+LogCompilation's intrinsic entries; bench/vector-intrinsics.py). Storing 1 * s
     * instead kept all 24 in a small probe, none in three PaB runs; peeling the last iteration kept all in
     * one run and none in another; a 4 x 5 block kept 19 of 20. This block kept 16 of 16 in every run
     * checked (five PaB runs, both compilation modes), as the 16-store GEMM kernels always have.
     * bench/HISTORY.md, session 7.
     */
    static void dotKernel(int images, int aImage, int bImage, int count, int aStep, int bStep, float[] a,
            int a0, int a1, int a2, int a3, float[] b, int b0, int b1, int b2, int b3, float[] acc, int ao) {
        if (HALVES) {
            dotKernelHalf(images, aImage, bImage, count, aStep, bStep, a, a0, a1, b, b0, b1, b2, b3, acc, ao);
            dotKernelHalf(images, aImage, bImage, count, aStep, bStep, a, a2, a3, b, b0, b1, b2, b3, acc, ao + 8 * VL);
            return;
        }
        FloatVector s00 = FloatVector.fromArray(S, acc, ao + 0 * VL);
        FloatVector s01 = FloatVector.fromArray(S, acc, ao + 1 * VL);
        FloatVector s02 = FloatVector.fromArray(S, acc, ao + 2 * VL);
        FloatVector s03 = FloatVector.fromArray(S, acc, ao + 3 * VL);
        FloatVector s10 = FloatVector.fromArray(S, acc, ao + 4 * VL);
        FloatVector s11 = FloatVector.fromArray(S, acc, ao + 5 * VL);
        FloatVector s12 = FloatVector.fromArray(S, acc, ao + 6 * VL);
        FloatVector s13 = FloatVector.fromArray(S, acc, ao + 7 * VL);
        FloatVector s20 = FloatVector.fromArray(S, acc, ao + 8 * VL);
        FloatVector s21 = FloatVector.fromArray(S, acc, ao + 9 * VL);
        FloatVector s22 = FloatVector.fromArray(S, acc, ao + 10 * VL);
        FloatVector s23 = FloatVector.fromArray(S, acc, ao + 11 * VL);
        FloatVector s30 = FloatVector.fromArray(S, acc, ao + 12 * VL);
        FloatVector s31 = FloatVector.fromArray(S, acc, ao + 13 * VL);
        FloatVector s32 = FloatVector.fromArray(S, acc, ao + 14 * VL);
        FloatVector s33 = FloatVector.fromArray(S, acc, ao + 15 * VL);
        // one flat loop over images x count: with a nested loop C2 (JDK 17) ran this kernel 20x slower
        int aJump = aImage - count * aStep;
        int bJump = bImage - count * bStep;
        for (int t = images * count, u = 0, q = 0, r = 0; t > 0; t--) {
            FloatVector x0 = FloatVector.fromArray(S, b, b0 + q);
            FloatVector x1 = FloatVector.fromArray(S, b, b1 + q);
            FloatVector x2 = FloatVector.fromArray(S, b, b2 + q);
            FloatVector x3 = FloatVector.fromArray(S, b, b3 + q);
            FloatVector d0 = FloatVector.fromArray(S, a, a0 + r);
            s00 = d0.fma(x0, s00);
            s01 = d0.fma(x1, s01);
            s02 = d0.fma(x2, s02);
            s03 = d0.fma(x3, s03);
            FloatVector d1 = FloatVector.fromArray(S, a, a1 + r);
            s10 = d1.fma(x0, s10);
            s11 = d1.fma(x1, s11);
            s12 = d1.fma(x2, s12);
            s13 = d1.fma(x3, s13);
            FloatVector d2 = FloatVector.fromArray(S, a, a2 + r);
            s20 = d2.fma(x0, s20);
            s21 = d2.fma(x1, s21);
            s22 = d2.fma(x2, s22);
            s23 = d2.fma(x3, s23);
            FloatVector d3 = FloatVector.fromArray(S, a, a3 + r);
            s30 = d3.fma(x0, s30);
            s31 = d3.fma(x1, s31);
            s32 = d3.fma(x2, s32);
            s33 = d3.fma(x3, s33);
            q += bStep;
            r += aStep;
            if (++u == count) {
                u = 0;
                q += bJump;
                r += aJump;
            }
        }
        s00.intoArray(acc, ao + 0 * VL);
        s01.intoArray(acc, ao + 1 * VL);
        s02.intoArray(acc, ao + 2 * VL);
        s03.intoArray(acc, ao + 3 * VL);
        s10.intoArray(acc, ao + 4 * VL);
        s11.intoArray(acc, ao + 5 * VL);
        s12.intoArray(acc, ao + 6 * VL);
        s13.intoArray(acc, ao + 7 * VL);
        s20.intoArray(acc, ao + 8 * VL);
        s21.intoArray(acc, ao + 9 * VL);
        s22.intoArray(acc, ao + 10 * VL);
        s23.intoArray(acc, ao + 11 * VL);
        s30.intoArray(acc, ao + 12 * VL);
        s31.intoArray(acc, ao + 13 * VL);
        s32.intoArray(acc, ao + 14 * VL);
        s33.intoArray(acc, ao + 15 * VL);
    }

    /** {@link #kernel}'s rows [row0, row0 + 4), for {@link #HALVES}. */
    private static void kernelHalf(int kc, float[] a, int ai, float[] b, int bi, float[] t, int row0) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z;
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
            FloatVector av;
            av = FloatVector.broadcast(S, a[ai + row0 + 0]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, a[ai + row0 + 1]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, a[ai + row0 + 2]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, a[ai + row0 + 3]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
        }
        c00.intoArray(t, (row0 + 0) * NR);
        c01.intoArray(t, (row0 + 0) * NR + VL);
        c10.intoArray(t, (row0 + 1) * NR);
        c11.intoArray(t, (row0 + 1) * NR + VL);
        c20.intoArray(t, (row0 + 2) * NR);
        c21.intoArray(t, (row0 + 2) * NR + VL);
        c30.intoArray(t, (row0 + 3) * NR);
        c31.intoArray(t, (row0 + 3) * NR + VL);
    }

    /**
     * {@link #kernelRows} with 8-lane vectors ({@link #HALVES}): six rows of A (12 accumulators, as many as 16
     * registers hold with the two B vectors and a broadcast), so {@link SgemmRows} steps by {@link #ROWS_MR} rows.
     * Its A rows are its own copies, so unlike the packed kernels it can choose its height; six rows load 8 values
     * for 12 FMAs where two passes of four load 12 for 16.
     */
    private static void kernelRows6(int kc, float[] a, int ai, float[] b, int bi, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z,
                c40 = z, c41 = z,
                c50 = z, c51 = z;
        for (int p = ai, end = ai + kc; p < end; p++, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
            FloatVector av;
            av = FloatVector.broadcast(S, a[p]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, a[p + 1 * ROW_STRIDE]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, a[p + 2 * ROW_STRIDE]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, a[p + 3 * ROW_STRIDE]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
            av = FloatVector.broadcast(S, a[p + 4 * ROW_STRIDE]);
            c40 = b0.fma(av, c40);
            c41 = b1.fma(av, c41);
            av = FloatVector.broadcast(S, a[p + 5 * ROW_STRIDE]);
            c50 = b0.fma(av, c50);
            c51 = b1.fma(av, c51);
        }
        c00.intoArray(t, 0 * NR);
        c01.intoArray(t, 0 * NR + VL);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + VL);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + VL);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + VL);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + VL);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + VL);
    }

    /** {@link #kernelIndexed}'s rows [row0, row0 + 4), for {@link #HALVES}. */
    private static void kernelIndexedHalf(int kc, float[] a, int ai, float[] b, int bq, int second, int[] offs,
            int oi, float[] t, int row0) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z;
        for (int p = 0; p < kc; p++, ai += MR) {
            int bi = bq + offs[oi + p];
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + second);
            FloatVector av;
            av = FloatVector.broadcast(S, a[ai + row0 + 0]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, a[ai + row0 + 1]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, a[ai + row0 + 2]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, a[ai + row0 + 3]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
        }
        c00.intoArray(t, (row0 + 0) * NR);
        c01.intoArray(t, (row0 + 0) * NR + VL);
        c10.intoArray(t, (row0 + 1) * NR);
        c11.intoArray(t, (row0 + 1) * NR + VL);
        c20.intoArray(t, (row0 + 2) * NR);
        c21.intoArray(t, (row0 + 2) * NR + VL);
        c30.intoArray(t, (row0 + 3) * NR);
        c31.intoArray(t, (row0 + 3) * NR + VL);
    }

    /** {@link #kernelIndexedPair}'s rows [row0, row0 + 4), for {@link #HALVES}. */
    private static void kernelIndexedPairHalf(int kc, float[] a, int ai, float[] b, int bq, int second, int[] offs,
            int oi, int d1, int d2, boolean plus, float[] t, int row0) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z;
        int q1 = bq + d1;
        int q2 = bq + d2;
        for (int p = 0; p < kc; p++, ai += MR) {
            int o = offs[oi + p];
            FloatVector e0 = FloatVector.fromArray(S, b, q1 + o);
            FloatVector f0 = FloatVector.fromArray(S, b, q2 + o);
            FloatVector e1 = FloatVector.fromArray(S, b, q1 + o + second);
            FloatVector f1 = FloatVector.fromArray(S, b, q2 + o + second);
            FloatVector b0 = plus ? e0.add(f0) : e0.sub(f0);
            FloatVector b1 = plus ? e1.add(f1) : e1.sub(f1);
            FloatVector av;
            av = FloatVector.broadcast(S, a[ai + row0 + 0]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, a[ai + row0 + 1]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, a[ai + row0 + 2]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, a[ai + row0 + 3]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
        }
        c00.intoArray(t, (row0 + 0) * NR);
        c01.intoArray(t, (row0 + 0) * NR + VL);
        c10.intoArray(t, (row0 + 1) * NR);
        c11.intoArray(t, (row0 + 1) * NR + VL);
        c20.intoArray(t, (row0 + 2) * NR);
        c21.intoArray(t, (row0 + 2) * NR + VL);
        c30.intoArray(t, (row0 + 3) * NR);
        c31.intoArray(t, (row0 + 3) * NR + VL);
    }
    /** Two of {@link #dotKernel}'s four rows of partial sums (acc[ao .. ao + 8*VL)), for {@link #HALVES}. */
    private static void dotKernelHalf(int images, int aImage, int bImage, int count, int aStep, int bStep, float[] a,
            int a0, int a1, float[] b, int b0, int b1, int b2, int b3, float[] acc, int ao) {
        FloatVector s00 = FloatVector.fromArray(S, acc, ao + 0 * VL);
        FloatVector s01 = FloatVector.fromArray(S, acc, ao + 1 * VL);
        FloatVector s02 = FloatVector.fromArray(S, acc, ao + 2 * VL);
        FloatVector s03 = FloatVector.fromArray(S, acc, ao + 3 * VL);
        FloatVector s10 = FloatVector.fromArray(S, acc, ao + 4 * VL);
        FloatVector s11 = FloatVector.fromArray(S, acc, ao + 5 * VL);
        FloatVector s12 = FloatVector.fromArray(S, acc, ao + 6 * VL);
        FloatVector s13 = FloatVector.fromArray(S, acc, ao + 7 * VL);
        int aJump = aImage - count * aStep;
        int bJump = bImage - count * bStep;
        for (int t = images * count, u = 0, q = 0, r = 0; t > 0; t--) {
            FloatVector x0 = FloatVector.fromArray(S, b, b0 + q);
            FloatVector x1 = FloatVector.fromArray(S, b, b1 + q);
            FloatVector x2 = FloatVector.fromArray(S, b, b2 + q);
            FloatVector x3 = FloatVector.fromArray(S, b, b3 + q);
            FloatVector d0 = FloatVector.fromArray(S, a, a0 + r);
            s00 = d0.fma(x0, s00);
            s01 = d0.fma(x1, s01);
            s02 = d0.fma(x2, s02);
            s03 = d0.fma(x3, s03);
            FloatVector d1 = FloatVector.fromArray(S, a, a1 + r);
            s10 = d1.fma(x0, s10);
            s11 = d1.fma(x1, s11);
            s12 = d1.fma(x2, s12);
            s13 = d1.fma(x3, s13);
            q += bStep;
            r += aStep;
            if (++u == count) {
                u = 0;
                q += bJump;
                r += aJump;
            }
        }
        s00.intoArray(acc, ao + 0 * VL);
        s01.intoArray(acc, ao + 1 * VL);
        s02.intoArray(acc, ao + 2 * VL);
        s03.intoArray(acc, ao + 3 * VL);
        s10.intoArray(acc, ao + 4 * VL);
        s11.intoArray(acc, ao + 5 * VL);
        s12.intoArray(acc, ao + 6 * VL);
        s13.intoArray(acc, ao + 7 * VL);
    }

    /**
     * Writes rows [0, mr) and columns [0, nr) of the tile t (row stride NR) to C (row stride ldc),
     * adding to C when add. Kept out of {@link #kernel} so that C2 inlines all of the kernel.
     */
    static void merge(float[] t, float[] c, int ci, int ldc, boolean add, int mr, int nr) {
        if (nr == NR) {
            for (int i = 0; i < mr; i++, ci += ldc) {
                FloatVector v0 = FloatVector.fromArray(S, t, i * NR);
                FloatVector v1 = FloatVector.fromArray(S, t, i * NR + VL);
                if (add) {
                    v0.add(FloatVector.fromArray(S, c, ci)).intoArray(c, ci);
                    v1.add(FloatVector.fromArray(S, c, ci + VL)).intoArray(c, ci + VL);
                } else {
                    v0.intoArray(c, ci);
                    v1.intoArray(c, ci + VL);
                }
            }
            return;
        }
        for (int i = 0; i < mr; i++, ci += ldc) {
            for (int j = 0; j < nr; j++) {
                c[ci + j] = add ? c[ci + j] + t[i * NR + j] : t[i * NR + j];
            }
        }
    }

}
