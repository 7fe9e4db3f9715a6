package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API loops for float32 batch norm over one channel's planes (contiguous runs of {@code inner}
 * values, {@code stride} apart). Sums run in float vector lanes over blocks of {@link #BLOCK} values
 * and are added up in double between blocks, so each lane adds at most BLOCK / VL floats before its
 * partial sum reaches double: the accuracy of a double accumulation for BN-sized data at float speed.
 */
final class BatchNormF32 {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Values per float-lane block before the partial sums move to double. */
    static final int BLOCK = 16 * VL;
    /** Vectors per block of the moments: four sums of each kind, so each lane adds BLOCK / VL floats. */
    private static final int CHUNK = 4 * BLOCK / VL;

    private BatchNormF32() {}

    /**
     * One pass: {sum(x - pilot), sum((x - pilot)^2)} in double over the channel's planes, with the
     * pilot (any value near the mean, e.g. the channel's first value) removing the cancellation of
     * the textbook one-pass variance.
     */
    static double[] shiftedMoments(float[] x, int off, int planes, int stride, int inner, float pilot) {
        double s1 = 0, s2 = 0;
        int perPlane = Sgemm.SIMD ? inner / VL : 0;
        if (perPlane > 0) {
            FloatVector vp = FloatVector.broadcast(F, pilot), zero = FloatVector.zero(F);
            Cursor at = new Cursor(off, perPlane, stride);
            LaneSums sum1 = new LaneSums(), sum2 = new LaneSums();
            long total = (long) planes * perPlane;
            for (long k0 = 0; k0 < total; k0 += CHUNK) {
                int count = (int) Math.min(CHUNK, total - k0), k = 0;
                FloatVector a1 = zero, a2 = zero, a3 = zero, a4 = zero, q1 = zero, q2 = zero, q3 = zero, q4 = zero;
                for (; k <= count - 4; k += 4) {
                    FloatVector d1 = FloatVector.fromArray(F, x, at.next()).sub(vp);
                    FloatVector d2 = FloatVector.fromArray(F, x, at.next()).sub(vp);
                    FloatVector d3 = FloatVector.fromArray(F, x, at.next()).sub(vp);
                    FloatVector d4 = FloatVector.fromArray(F, x, at.next()).sub(vp);
                    a1 = a1.add(d1);
                    q1 = d1.fma(d1, q1);
                    a2 = a2.add(d2);
                    q2 = d2.fma(d2, q2);
                    a3 = a3.add(d3);
                    q3 = d3.fma(d3, q3);
                    a4 = a4.add(d4);
                    q4 = d4.fma(d4, q4);
                }
                for (; k < count; k++) {
                    FloatVector d1 = FloatVector.fromArray(F, x, at.next()).sub(vp);
                    a1 = a1.add(d1);
                    q1 = d1.fma(d1, q1);
                }
                sum1.add(a1.add(a2).add(a3.add(a4)));
                sum2.add(q1.add(q2).add(q3.add(q4)));
            }
            s1 = sum1.total();
            s2 = sum2.total();
        }
        for (int p = 0; p < planes; p++) {
            for (int i = off + p * stride + perPlane * VL, end = off + p * stride + inner; i < end; i++) {
                double d = (double) x[i] - pilot;
                s1 += d;
                s2 += d * d;
            }
        }
        return new double[] {s1, s2};
    }

    /**
     * One pass: {sum(g), sum((x - mu) g)} in double, with mu rounded to float for the lanes and corrected after.
     * With relu, g counts only where fma(x, a, b) > 0 (the backward of batch norm fused with a ReLU, whose
     * forward wrote max(fma(x, a, b), 0)). Sums as in {@link #shiftedMoments}; x and g share their layout.
     */
    static double[] gradientMoments(float[] x, int xOff, float[] g, int gOff, boolean relu, float a, float b, int planes, int stride,
            int inner, double mu) {
        float muF = (float) mu;
        double sumG = 0, dot = 0;
        int perPlane = Sgemm.SIMD ? inner / VL : 0;
        if (perPlane > 0) {
            FloatVector vmu = FloatVector.broadcast(F, muF), zero = FloatVector.zero(F);
            FloatVector va = FloatVector.broadcast(F, a), vb = FloatVector.broadcast(F, b);
            Cursor at = new Cursor(0, perPlane, stride);
            LaneSums sums = new LaneSums(), dots = new LaneSums();
            long total = (long) planes * perPlane;
            for (long k0 = 0; k0 < total; k0 += CHUNK) {
                int count = (int) Math.min(CHUNK, total - k0), k = 0;
                FloatVector a1 = zero, a2 = zero, a3 = zero, a4 = zero, q1 = zero, q2 = zero, q3 = zero, q4 = zero;
                for (; k <= count - 4; k += 4) {
                    int i1 = at.next(), i2 = at.next(), i3 = at.next(), i4 = at.next();
                    FloatVector x1 = FloatVector.fromArray(F, x, xOff + i1), x2 = FloatVector.fromArray(F, x, xOff + i2);
                    FloatVector x3 = FloatVector.fromArray(F, x, xOff + i3), x4 = FloatVector.fromArray(F, x, xOff + i4);
                    FloatVector g1 = masked(g, gOff + i1, relu, x1, va, vb, zero), g2 = masked(g, gOff + i2, relu, x2, va, vb, zero);
                    FloatVector g3 = masked(g, gOff + i3, relu, x3, va, vb, zero), g4 = masked(g, gOff + i4, relu, x4, va, vb, zero);
                    a1 = a1.add(g1);
                    q1 = x1.sub(vmu).fma(g1, q1);
                    a2 = a2.add(g2);
                    q2 = x2.sub(vmu).fma(g2, q2);
                    a3 = a3.add(g3);
                    q3 = x3.sub(vmu).fma(g3, q3);
                    a4 = a4.add(g4);
                    q4 = x4.sub(vmu).fma(g4, q4);
                }
                for (; k < count; k++) {
                    int i1 = at.next();
                    FloatVector x1 = FloatVector.fromArray(F, x, xOff + i1);
                    FloatVector g1 = masked(g, gOff + i1, relu, x1, va, vb, zero);
                    a1 = a1.add(g1);
                    q1 = x1.sub(vmu).fma(g1, q1);
                }
                sums.add(a1.add(a2).add(a3.add(a4)));
                dots.add(q1.add(q2).add(q3.add(q4)));
            }
            sumG = sums.total();
            dot = dots.total();
        }
        for (int p = 0; p < planes; p++) {
            for (int i = p * stride + perPlane * VL, end = p * stride + inner; i < end; i++) {
                double gi = !relu || Math.fma(x[xOff + i], a, b) > 0 ? g[gOff + i] : 0f;
                sumG += gi;
                dot += ((double) x[xOff + i] - muF) * gi;
            }
        }
        // sum((x - mu) g) = sum((x - muF) g) - (mu - muF) sum(g)
        return new double[] {sumG, dot - (mu - muF) * sumG};
    }

    /**
     * Float vectors summed lane by lane in double, the lanes added up in lane order at the end. Not
     * {@code reduceLanes(ADD)}: the Vector API lets that add a vector's lanes in any order, and on JDK 25 C2's
     * order is not the interpreter's, so a sum depended on whether its kernel had been compiled yet (a run
     * resumed from a checkpoint drifted by an ulp from an uninterrupted one; bench/HISTORY.md, session 20).
     * The price, on operands in cache: the statistics pass 15-25% slower (BatchNormBench, 8x8 planes 0.030
     * against 0.024 ms), about 0.3% of a ResNet-20 step. Measured, none faster: lane(i) in a loop (0.037 ms),
     * the lanes added as a tree (0.034), per-thread arrays instead of two small ones a call (0.030-0.032), and
     * DoubleVector sums by convertShape(F2D), which JDK 17 boxes (0.49 MB allocated a pass, 0.038).
     */
    private static final class LaneSums {
        private final float[] lanes = new float[VL];
        private final double[] sums = new double[VL];

        void add(FloatVector v) {
            v.intoArray(lanes, 0);
            for (int l = 0; l < VL; l++) {
                sums[l] += lanes[l];
            }
        }

        double total() {
            double total = 0;
            for (double lane : sums) {
                total += lane;
            }
            return total;
        }
    }

    /** g's vector at gi; with relu, zero where fma(x, a, b) is not positive. */
    private static FloatVector masked(float[] g, int gi, boolean relu, FloatVector xv, FloatVector va, FloatVector vb,
            FloatVector zero) {
        FloatVector v = FloatVector.fromArray(F, g, gi);
        return relu ? zero.blend(v, xv.fma(va, vb).compare(VectorOperators.GT, 0f)) : v;
    }

    /**
     * Walks the whole vectors of a channel's planes as one sequence: {@code perPlane} vectors of a plane,
     * then on to the next plane {@code stride} further on. One loop over that sequence keeps the sums in
     * registers: JDK 17's C2 compiled the plane-by-plane nest of loops carrying them 2-4x slower.
     */
    private static final class Cursor {
        private final int perPlane, skip;
        private int at, inPlane;

        Cursor(int start, int perPlane, int stride) {
            this.at = start;
            this.perPlane = perPlane;
            this.skip = stride - perPlane * VL;
        }

        /** The next vector's offset. */
        int next() {
            int here = at;
            at += VL;
            if (++inPlane == perPlane) {
                inPlane = 0;
                at += skip;
            }
            return here;
        }
    }

    /** gx = (g - meanG - (x - mu) k) scale over the channel's planes; with relu, g is 0 where fma(x, a, b) <= 0. */
    static void inputGradient(float[] x, int xOff, float[] g, int gOff, boolean relu, float a, float b, float[] gx, int gxOff,
            int planes, int stride, int inner, float meanG, float mu, float k, float scale, int[] maxBits, int mOff) {
        FloatVector vm = FloatVector.broadcast(F, meanG), vmu = FloatVector.broadcast(F, mu);
        FloatVector vk = FloatVector.broadcast(F, k), vs = FloatVector.broadcast(F, scale), zero = FloatVector.zero(F);
        FloatVector va = FloatVector.broadcast(F, a), vb = FloatVector.broadcast(F, b);
        for (int p = 0; p < planes; p++) {
            int xb = xOff + p * stride, gb = gOff + p * stride, ob = gxOff + p * stride, i = 0;
            // max |gx| of the plane as the bits of |gx| (ordered as the floats, NaNs above infinity; see
            // PabKernels.sampleMaxAbs): PSG quantises this gradient next and needs each sample's maximum
            int most = 0;
            if (Sgemm.SIMD) {
                IntVector mv = IntVector.zero(I);
                for (int bound = F.loopBound(inner); i < bound; i += VL) {
                    FloatVector xv = FloatVector.fromArray(F, x, xb + i);
                    FloatVector gv = masked(g, gb + i, relu, xv, va, vb, zero);
                    FloatVector out = gv.sub(vm).sub(xv.sub(vmu).mul(vk)).mul(vs);
                    out.intoArray(gx, ob + i);
                    mv = mv.max(out.reinterpretAsInts().and(VectorLoops.ABS_BITS));
                }
                most = mv.reduceLanes(VectorOperators.MAX);
            }
            for (; i < inner; i++) {
                float gi = !relu || Math.fma(x[xb + i], a, b) > 0 ? g[gb + i] : 0f;
                float out = (gi - meanG - (x[xb + i] - mu) * k) * scale;
                gx[ob + i] = out;
                most = Math.max(most, Float.floatToRawIntBits(out) & VectorLoops.ABS_BITS);
            }
            maxBits[mOff + p] = Math.max(maxBits[mOff + p], most);
        }
    }
}
