package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise loops that C2 does not vectorise on its own (comparisons producing 0/1), written with
 * the Vector API: a vector body over the preferred species, then a scalar tail.
 */
final class VectorLoops {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** |v|'s bits are v's with the sign bit cleared; as ints they order as the floats do, NaNs above infinity. */
    static final int ABS_BITS = 0x7fffffff;

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

    /** Whether three tensors are contiguous float32 of one shape, for the fused loops below. */
    static boolean fastF32(peekaboo.tensor.Tensor a, peekaboo.tensor.Tensor b, peekaboo.tensor.Tensor out) {
        return a.dtype() == peekaboo.tensor.DType.F32 && b.dtype() == peekaboo.tensor.DType.F32
                && out.dtype() == peekaboo.tensor.DType.F32 && a.isContiguous() && b.isContiguous() && out.isContiguous()
                && java.util.Arrays.equals(a.shape(), out.shape()) && java.util.Arrays.equals(b.shape(), out.shape());
    }

    /** Runs body over [0, n) in chunks on the thread pool (one chunk when n is small). */
    static void chunked(int n, Parallel.RangeBody body) {
        if (n < CpuBackend.PARALLEL_GRAIN) {
            body.run(0, n);
            return;
        }
        int chunks = Math.max(1, Math.min(Parallel.threads() * 4, n / 16384));
        // chunks handed out one at a time: a thread that starts late takes fewer
        Parallel.forEachTask(chunks, c -> body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    /**
     * out[i] = max(a[i] + b[i], 0) over [i0, i1) (NaN propagates, as the ReLU of the sum); returns the bits of
     * max |out[i]| over the range (see {@link #ABS_BITS}), which PSG's input scale needs (PabKernels.sampleMaxAbs).
     */
    static int addReluF32(float[] a, int ao, float[] b, int bo, float[] out, int oo, int i0, int i1) {
        int i = i0;
        int most = 0;
        if (Sgemm.SIMD) {
            FloatVector zero = FloatVector.zero(F);
            IntVector m = IntVector.zero(I);
            for (int bound = i0 + F.loopBound(i1 - i0); i < bound; i += F.length()) {
                FloatVector s = FloatVector.fromArray(F, a, ao + i).add(FloatVector.fromArray(F, b, bo + i)).max(zero);
                s.intoArray(out, oo + i);
                m = m.max(s.reinterpretAsInts().and(ABS_BITS));
            }
            most = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < i1; i++) {
            float s = Math.max(a[ao + i] + b[bo + i], 0f);
            out[oo + i] = s;
            most = Math.max(most, Float.floatToRawIntBits(s) & ABS_BITS);
        }
        return most;
    }

    /**
     * out[o + i] = fma(x[xo + i], a, b) for i in [0, n), then max(., 0) when relu: one rounding per
     * element, as Math.fma (batch norm's per-channel affine map over one plane). Returns the bits of
     * max |out| over the plane, as {@link #addReluF32}.
     */
    static int affineF32(float[] x, int xo, float a, float b, boolean relu, float[] out, int oo, int n) {
        int i = 0;
        int most = 0;
        if (Sgemm.SIMD) {
            FloatVector va = FloatVector.broadcast(F, a), vb = FloatVector.broadcast(F, b), zero = FloatVector.zero(F);
            IntVector m = IntVector.zero(I);
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector y = FloatVector.fromArray(F, x, xo + i).fma(va, vb);
                if (relu) {
                    y = y.max(zero);
                }
                y.intoArray(out, oo + i);
                m = m.max(y.reinterpretAsInts().and(ABS_BITS));
            }
            most = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            float y = Math.fma(x[xo + i], a, b);
            y = relu ? Math.max(y, 0f) : y;
            out[oo + i] = y;
            most = Math.max(most, Float.floatToRawIntBits(y) & ABS_BITS);
        }
        return most;
    }

    /** Records on out's storage the per-sample maxima whose bits are in maxBits (Storage.rememberSampleMaxAbs). */
    static void rememberSampleMaxAbs(peekaboo.tensor.Tensor out, int[] maxBits) {
        float[] maxima = new float[maxBits.length];
        for (int s = 0; s < maxima.length; s++) {
            maxima[s] = Float.intBitsToFloat(maxBits[s]);
        }
        out.storage().rememberSampleMaxAbs(out.offset(), out.numel(), maxima);
    }

    /** out[i] = g[i] * (z[i] > 0 ? 1 : 0) over [i0, i1): the ReLU's backward in one pass. */
    static void reluBackwardF32(float[] g, int go, float[] z, int zo, float[] out, int oo, int i0, int i1) {
        int i = i0;
        if (Sgemm.SIMD) {
            FloatVector one = FloatVector.broadcast(F, 1f), zero = FloatVector.zero(F);
            for (int bound = i0 + F.loopBound(i1 - i0); i < bound; i += F.length()) {
                VectorMask<Float> positive = FloatVector.fromArray(F, z, zo + i).compare(VectorOperators.GT, 0f);
                FloatVector.fromArray(F, g, go + i).mul(zero.blend(one, positive)).intoArray(out, oo + i);
            }
        }
        for (; i < i1; i++) out[oo + i] = g[go + i] * (z[zo + i] > 0 ? 1f : 0f);
    }
}
