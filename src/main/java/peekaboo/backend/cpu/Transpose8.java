package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * 8 x 8 transpositions of floats in 8-lane rearranges and blends, three butterfly stages: {@link Transpose16}'s
 * method for machines whose vectors have 8 lanes (AVX2), through {@link Transposes}.
 */
final class Transpose8 {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

    private Transpose8() {
    }

    // As in Transpose16: at distance d, rows r and r + d swap the lanes that carry bit d in r's copy against
    // those without it in r + d's; after d = 4, 2, 1 every 8 x 8 block is transposed.
    private static final VectorShuffle<Float> UP4 = VectorShuffle.fromOp(S, j -> (j + 4) % 8);
    private static final VectorShuffle<Float> UP2 = VectorShuffle.fromOp(S, j -> (j + 6) % 8);
    private static final VectorShuffle<Float> UP1 = VectorShuffle.fromOp(S, j -> (j + 7) % 8);
    private static final VectorShuffle<Float> DOWN4 = VectorShuffle.fromOp(S, j -> (j + 4) % 8);
    private static final VectorShuffle<Float> DOWN2 = VectorShuffle.fromOp(S, j -> (j + 2) % 8);
    private static final VectorShuffle<Float> DOWN1 = VectorShuffle.fromOp(S, j -> (j + 1) % 8);
    private static final VectorMask<Float> BIT4 = VectorMask.fromLong(S, 0xF0L);
    private static final VectorMask<Float> BIT2 = VectorMask.fromLong(S, 0xCCL);
    private static final VectorMask<Float> BIT1 = VectorMask.fromLong(S, 0xAAL);

    /** dst[d + i*dstStride + j] = src[s + j*srcStride + i] for i, j in [0, 8). */
    static void transpose(float[] src, int s, int srcStride, float[] dst, int d, int dstStride) {
        FloatVector r0 = FloatVector.fromArray(S, src, s + 0 * srcStride);
        FloatVector r1 = FloatVector.fromArray(S, src, s + 1 * srcStride);
        FloatVector r2 = FloatVector.fromArray(S, src, s + 2 * srcStride);
        FloatVector r3 = FloatVector.fromArray(S, src, s + 3 * srcStride);
        FloatVector r4 = FloatVector.fromArray(S, src, s + 4 * srcStride);
        FloatVector r5 = FloatVector.fromArray(S, src, s + 5 * srcStride);
        FloatVector r6 = FloatVector.fromArray(S, src, s + 6 * srcStride);
        FloatVector r7 = FloatVector.fromArray(S, src, s + 7 * srcStride);
        FloatVector b0 = r0.blend(r4.rearrange(UP4), BIT4);
        FloatVector b4 = r0.rearrange(DOWN4).blend(r4, BIT4);
        FloatVector b1 = r1.blend(r5.rearrange(UP4), BIT4);
        FloatVector b5 = r1.rearrange(DOWN4).blend(r5, BIT4);
        FloatVector b2 = r2.blend(r6.rearrange(UP4), BIT4);
        FloatVector b6 = r2.rearrange(DOWN4).blend(r6, BIT4);
        FloatVector b3 = r3.blend(r7.rearrange(UP4), BIT4);
        FloatVector b7 = r3.rearrange(DOWN4).blend(r7, BIT4);
        FloatVector c0 = b0.blend(b2.rearrange(UP2), BIT2);
        FloatVector c2 = b0.rearrange(DOWN2).blend(b2, BIT2);
        FloatVector c1 = b1.blend(b3.rearrange(UP2), BIT2);
        FloatVector c3 = b1.rearrange(DOWN2).blend(b3, BIT2);
        FloatVector c4 = b4.blend(b6.rearrange(UP2), BIT2);
        FloatVector c6 = b4.rearrange(DOWN2).blend(b6, BIT2);
        FloatVector c5 = b5.blend(b7.rearrange(UP2), BIT2);
        FloatVector c7 = b5.rearrange(DOWN2).blend(b7, BIT2);
        FloatVector e0 = c0.blend(c1.rearrange(UP1), BIT1);
        FloatVector e1 = c0.rearrange(DOWN1).blend(c1, BIT1);
        FloatVector e2 = c2.blend(c3.rearrange(UP1), BIT1);
        FloatVector e3 = c2.rearrange(DOWN1).blend(c3, BIT1);
        FloatVector e4 = c4.blend(c5.rearrange(UP1), BIT1);
        FloatVector e5 = c4.rearrange(DOWN1).blend(c5, BIT1);
        FloatVector e6 = c6.blend(c7.rearrange(UP1), BIT1);
        FloatVector e7 = c6.rearrange(DOWN1).blend(c7, BIT1);
        e0.intoArray(dst, d + 0 * dstStride);
        e1.intoArray(dst, d + 1 * dstStride);
        e2.intoArray(dst, d + 2 * dstStride);
        e3.intoArray(dst, d + 3 * dstStride);
        e4.intoArray(dst, d + 4 * dstStride);
        e5.intoArray(dst, d + 5 * dstStride);
        e6.intoArray(dst, d + 6 * dstStride);
        e7.intoArray(dst, d + 7 * dstStride);
    }
}
