package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise loops that C2 does not vectorise on its own (comparisons producing 0/1), written with
 * the Vector API: a vector body over the preferred species, then a scalar tail.
 */
final class VectorLoops {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private VectorLoops() {}

    /** out[i] = x[i] > 0 ? 1 : 0 (NaN gives 0). */
    static void stepF32(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        if (Sgemm.SIMD) {
            FloatVector one = FloatVector.broadcast(F, 1f), zero = FloatVector.zero(F);
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                VectorMask<Float> positive = FloatVector.fromArray(F, x, xo + i).compare(VectorOperators.GT, 0f);
                zero.blend(one, positive).intoArray(out, oo + i);
            }
        }
        for (; i < n; i++) out[oo + i] = x[xo + i] > 0 ? 1f : 0f;
    }
}
