package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * 16 x 16 transpositions of floats in one-vector rearranges and blends, four butterfly stages: between
 * channels-first and channels-last layouts for the outer-product convolutions, through {@link Transposes} where
 * vectors have 16 lanes. Scalars took twice as long, gathers three times (session 21: 2.3 us an image
 * of 16 channels x 1024 pixels, in cache).
 */
final class Transpose16 {
    /**
     * Always 16 lanes: {@link SgemmKernel#S} where the machine has AVX-512 (the only place {@link Transposes} calls
     * it); elsewhere the Vector API computes the same in Java, for the tests.
     */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;

    private Transpose16() {
    }

    // The transposition's butterflies: at distance d, rows r and r + d (r without bit d) swap the lanes
    // that carry bit d in r's copy against those without it in r + d's, which after d = 8, 4, 2, 1
    // has swapped every 16 x 16 block's off-diagonal halves at every scale: the transpose.
    private static final VectorShuffle<Float> UP8 = VectorShuffle.fromOp(S, j -> (j + 8) % 16);
    private static final VectorShuffle<Float> UP4 = VectorShuffle.fromOp(S, j -> (j + 12) % 16);
    private static final VectorShuffle<Float> UP2 = VectorShuffle.fromOp(S, j -> (j + 14) % 16);
    private static final VectorShuffle<Float> UP1 = VectorShuffle.fromOp(S, j -> (j + 15) % 16);
    private static final VectorShuffle<Float> DOWN8 = VectorShuffle.fromOp(S, j -> (j + 8) % 16);
    private static final VectorShuffle<Float> DOWN4 = VectorShuffle.fromOp(S, j -> (j + 4) % 16);
    private static final VectorShuffle<Float> DOWN2 = VectorShuffle.fromOp(S, j -> (j + 2) % 16);
    private static final VectorShuffle<Float> DOWN1 = VectorShuffle.fromOp(S, j -> (j + 1) % 16);
    private static final VectorMask<Float> BIT8 = VectorMask.fromLong(S, 0xFF00L);
    private static final VectorMask<Float> BIT4 = VectorMask.fromLong(S, 0xF0F0L);
    private static final VectorMask<Float> BIT2 = VectorMask.fromLong(S, 0xCCCCL);
    private static final VectorMask<Float> BIT1 = VectorMask.fromLong(S, 0xAAAAL);

    /**
     * dst[d + i*dstStride + j] = src[s + j*srcStride + i] for i, j in [0, 16): sixteen runs of 16 floats become
     * sixteen runs of 16 floats, the block transposed (channels-first pixels to channels-last and back). Written
     * out: C2 keeps the 16 vectors in registers only as locals.
     */
    static void transpose(float[] src, int s, int srcStride, float[] dst, int d, int dstStride) {
        FloatVector r0 = FloatVector.fromArray(S, src, s + 0 * srcStride);
        FloatVector r1 = FloatVector.fromArray(S, src, s + 1 * srcStride);
        FloatVector r2 = FloatVector.fromArray(S, src, s + 2 * srcStride);
        FloatVector r3 = FloatVector.fromArray(S, src, s + 3 * srcStride);
        FloatVector r4 = FloatVector.fromArray(S, src, s + 4 * srcStride);
        FloatVector r5 = FloatVector.fromArray(S, src, s + 5 * srcStride);
        FloatVector r6 = FloatVector.fromArray(S, src, s + 6 * srcStride);
        FloatVector r7 = FloatVector.fromArray(S, src, s + 7 * srcStride);
        FloatVector r8 = FloatVector.fromArray(S, src, s + 8 * srcStride);
        FloatVector r9 = FloatVector.fromArray(S, src, s + 9 * srcStride);
        FloatVector r10 = FloatVector.fromArray(S, src, s + 10 * srcStride);
        FloatVector r11 = FloatVector.fromArray(S, src, s + 11 * srcStride);
        FloatVector r12 = FloatVector.fromArray(S, src, s + 12 * srcStride);
        FloatVector r13 = FloatVector.fromArray(S, src, s + 13 * srcStride);
        FloatVector r14 = FloatVector.fromArray(S, src, s + 14 * srcStride);
        FloatVector r15 = FloatVector.fromArray(S, src, s + 15 * srcStride);
        FloatVector a0 = r0.blend(r8.rearrange(UP8), BIT8);
        FloatVector a8 = r0.rearrange(DOWN8).blend(r8, BIT8);
        FloatVector a1 = r1.blend(r9.rearrange(UP8), BIT8);
        FloatVector a9 = r1.rearrange(DOWN8).blend(r9, BIT8);
        FloatVector a2 = r2.blend(r10.rearrange(UP8), BIT8);
        FloatVector a10 = r2.rearrange(DOWN8).blend(r10, BIT8);
        FloatVector a3 = r3.blend(r11.rearrange(UP8), BIT8);
        FloatVector a11 = r3.rearrange(DOWN8).blend(r11, BIT8);
        FloatVector a4 = r4.blend(r12.rearrange(UP8), BIT8);
        FloatVector a12 = r4.rearrange(DOWN8).blend(r12, BIT8);
        FloatVector a5 = r5.blend(r13.rearrange(UP8), BIT8);
        FloatVector a13 = r5.rearrange(DOWN8).blend(r13, BIT8);
        FloatVector a6 = r6.blend(r14.rearrange(UP8), BIT8);
        FloatVector a14 = r6.rearrange(DOWN8).blend(r14, BIT8);
        FloatVector a7 = r7.blend(r15.rearrange(UP8), BIT8);
        FloatVector a15 = r7.rearrange(DOWN8).blend(r15, BIT8);
        FloatVector b0 = a0.blend(a4.rearrange(UP4), BIT4);
        FloatVector b4 = a0.rearrange(DOWN4).blend(a4, BIT4);
        FloatVector b1 = a1.blend(a5.rearrange(UP4), BIT4);
        FloatVector b5 = a1.rearrange(DOWN4).blend(a5, BIT4);
        FloatVector b2 = a2.blend(a6.rearrange(UP4), BIT4);
        FloatVector b6 = a2.rearrange(DOWN4).blend(a6, BIT4);
        FloatVector b3 = a3.blend(a7.rearrange(UP4), BIT4);
        FloatVector b7 = a3.rearrange(DOWN4).blend(a7, BIT4);
        FloatVector b8 = a8.blend(a12.rearrange(UP4), BIT4);
        FloatVector b12 = a8.rearrange(DOWN4).blend(a12, BIT4);
        FloatVector b9 = a9.blend(a13.rearrange(UP4), BIT4);
        FloatVector b13 = a9.rearrange(DOWN4).blend(a13, BIT4);
        FloatVector b10 = a10.blend(a14.rearrange(UP4), BIT4);
        FloatVector b14 = a10.rearrange(DOWN4).blend(a14, BIT4);
        FloatVector b11 = a11.blend(a15.rearrange(UP4), BIT4);
        FloatVector b15 = a11.rearrange(DOWN4).blend(a15, BIT4);
        FloatVector c0 = b0.blend(b2.rearrange(UP2), BIT2);
        FloatVector c2 = b0.rearrange(DOWN2).blend(b2, BIT2);
        FloatVector c1 = b1.blend(b3.rearrange(UP2), BIT2);
        FloatVector c3 = b1.rearrange(DOWN2).blend(b3, BIT2);
        FloatVector c4 = b4.blend(b6.rearrange(UP2), BIT2);
        FloatVector c6 = b4.rearrange(DOWN2).blend(b6, BIT2);
        FloatVector c5 = b5.blend(b7.rearrange(UP2), BIT2);
        FloatVector c7 = b5.rearrange(DOWN2).blend(b7, BIT2);
        FloatVector c8 = b8.blend(b10.rearrange(UP2), BIT2);
        FloatVector c10 = b8.rearrange(DOWN2).blend(b10, BIT2);
        FloatVector c9 = b9.blend(b11.rearrange(UP2), BIT2);
        FloatVector c11 = b9.rearrange(DOWN2).blend(b11, BIT2);
        FloatVector c12 = b12.blend(b14.rearrange(UP2), BIT2);
        FloatVector c14 = b12.rearrange(DOWN2).blend(b14, BIT2);
        FloatVector c13 = b13.blend(b15.rearrange(UP2), BIT2);
        FloatVector c15 = b13.rearrange(DOWN2).blend(b15, BIT2);
        FloatVector e0 = c0.blend(c1.rearrange(UP1), BIT1);
        FloatVector e1 = c0.rearrange(DOWN1).blend(c1, BIT1);
        FloatVector e2 = c2.blend(c3.rearrange(UP1), BIT1);
        FloatVector e3 = c2.rearrange(DOWN1).blend(c3, BIT1);
        FloatVector e4 = c4.blend(c5.rearrange(UP1), BIT1);
        FloatVector e5 = c4.rearrange(DOWN1).blend(c5, BIT1);
        FloatVector e6 = c6.blend(c7.rearrange(UP1), BIT1);
        FloatVector e7 = c6.rearrange(DOWN1).blend(c7, BIT1);
        FloatVector e8 = c8.blend(c9.rearrange(UP1), BIT1);
        FloatVector e9 = c8.rearrange(DOWN1).blend(c9, BIT1);
        FloatVector e10 = c10.blend(c11.rearrange(UP1), BIT1);
        FloatVector e11 = c10.rearrange(DOWN1).blend(c11, BIT1);
        FloatVector e12 = c12.blend(c13.rearrange(UP1), BIT1);
        FloatVector e13 = c12.rearrange(DOWN1).blend(c13, BIT1);
        FloatVector e14 = c14.blend(c15.rearrange(UP1), BIT1);
        FloatVector e15 = c14.rearrange(DOWN1).blend(c15, BIT1);
        e0.intoArray(dst, d + 0 * dstStride);
        e1.intoArray(dst, d + 1 * dstStride);
        e2.intoArray(dst, d + 2 * dstStride);
        e3.intoArray(dst, d + 3 * dstStride);
        e4.intoArray(dst, d + 4 * dstStride);
        e5.intoArray(dst, d + 5 * dstStride);
        e6.intoArray(dst, d + 6 * dstStride);
        e7.intoArray(dst, d + 7 * dstStride);
        e8.intoArray(dst, d + 8 * dstStride);
        e9.intoArray(dst, d + 9 * dstStride);
        e10.intoArray(dst, d + 10 * dstStride);
        e11.intoArray(dst, d + 11 * dstStride);
        e12.intoArray(dst, d + 12 * dstStride);
        e13.intoArray(dst, d + 13 * dstStride);
        e14.intoArray(dst, d + 14 * dstStride);
        e15.intoArray(dst, d + 15 * dstStride);
    }
}
