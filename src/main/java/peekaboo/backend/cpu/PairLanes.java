package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Splitting a row into its even and odd columns, and the inverse, in whole vectors: the phase planes of stride-2
 * convolutions ({@link PaddedPatches#splitRow}, {@link Conv2dPhaseInputGrad}).
 *
 * <p>Each output vector comes from two input vectors through one-vector rearranges and a blend (JDK 17's
 * two-vector rearrange and masked stores run as Java fallbacks, slower than scalars). Alone, rows of 32 and 64
 * floats: 0.19 ns a float split against 0.54-0.69 for the scalar pair loop, 0.21-0.26 merged against 0.55-0.63.
 * Stride-2 forward of ResNet-20's 16->32 layer before this: 38% of its samples in the scalar split.
 */
final class PairLanes {

    private PairLanes() {
    }

    private static final VectorSpecies<Float> S = SgemmKernel.S;
    private static final int VL = S.length();
    /** Lane i takes lane 2i or 2i+1 (mod VL): the even or odd lanes of a vector, twice over. */
    private static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(S, i -> 2 * i % VL);
    private static final VectorShuffle<Float> ODDS = VectorShuffle.fromOp(S, i -> (2 * i + 1) % VL);
    /** Lane i takes lane i/2 or VL/2 + i/2: the low or high half of a vector, each lane twice. */
    private static final VectorShuffle<Float> LOW_HALF = VectorShuffle.fromOp(S, i -> i / 2);
    private static final VectorShuffle<Float> HIGH_HALF = VectorShuffle.fromOp(S, i -> VL / 2 + i / 2);
    private static final VectorMask<Float> UPPER_LANES = VectorMask.fromLong(S, (-1L << (VL / 2)) & ((1L << VL) - 1));
    private static final VectorMask<Float> ODD_LANES = VectorMask.fromLong(S, 0xAAAAAAAAAAAAAAAAL & ((1L << VL) - 1));

    /** even[e + j] = src[s + 2j] and odd[o + j] = src[s + 2j + 1] for j in [0, pairs) (even and odd may be one array). */
    static void split(float[] src, int s, int pairs, float[] even, int e, float[] odd, int o) {
        int j = 0;
        for (; j + VL <= pairs; j += VL) {
            FloatVector v0 = FloatVector.fromArray(S, src, s + 2 * j);
            FloatVector v1 = FloatVector.fromArray(S, src, s + 2 * j + VL);
            v0.rearrange(EVENS).blend(v1.rearrange(EVENS), UPPER_LANES).intoArray(even, e + j);
            v0.rearrange(ODDS).blend(v1.rearrange(ODDS), UPPER_LANES).intoArray(odd, o + j);
        }
        for (; j < pairs; j++) {
            even[e + j] = src[s + 2 * j];
            odd[o + j] = src[s + 2 * j + 1];
        }
    }

    /**
     * dst[d + 2j] = even[e + j] and dst[d + 2j + 1] = odd[o + j] for j in [0, pairs). With {@code slack} the
     * sources may be read up to a vector past their pairs, so that VL/2 pairs take one vector too.
     */
    static void merge(float[] even, int e, float[] odd, int o, int pairs, boolean slack, float[] dst, int d) {
        int j = 0;
        for (; j + VL <= pairs; j += VL) {
            FloatVector ev = FloatVector.fromArray(S, even, e + j);
            FloatVector ov = FloatVector.fromArray(S, odd, o + j);
            ev.rearrange(LOW_HALF).blend(ov.rearrange(LOW_HALF), ODD_LANES).intoArray(dst, d + 2 * j);
            ev.rearrange(HIGH_HALF).blend(ov.rearrange(HIGH_HALF), ODD_LANES).intoArray(dst, d + 2 * j + VL);
        }
        if (slack && pairs - j == VL / 2) {
            FloatVector ev = FloatVector.fromArray(S, even, e + j);
            FloatVector ov = FloatVector.fromArray(S, odd, o + j);
            ev.rearrange(LOW_HALF).blend(ov.rearrange(LOW_HALF), ODD_LANES).intoArray(dst, d + 2 * j);
            return;
        }
        for (; j < pairs; j++) {
            dst[d + 2 * j] = even[e + j];
            dst[d + 2 * j + 1] = odd[o + j];
        }
    }
}
