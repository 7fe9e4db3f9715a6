package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
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
    /** Values per float-lane block before the partial sums move to double. */
    static final int BLOCK = 16 * VL;

    private BatchNormF32() {}

    /**
     * One pass: {sum(x - pilot), sum((x - pilot)^2)} in double over the channel's planes, with the
     * pilot (any value near the mean, e.g. the channel's first value) removing the cancellation of
     * the textbook one-pass variance.
     */
    static double[] shiftedMoments(float[] x, int off, int planes, int stride, int inner, float pilot) {
        double s1 = 0, s2 = 0;
        FloatVector vp = FloatVector.broadcast(F, pilot);
        for (int p = 0; p < planes; p++) {
            int base = off + p * stride;
            for (int b0 = 0; b0 < inner; b0 += BLOCK) {
                int len = Math.min(BLOCK, inner - b0), i = 0;
                FloatVector a1 = FloatVector.zero(F), a2 = FloatVector.zero(F);
                if (Sgemm.SIMD) {
                    for (int bound = F.loopBound(len); i < bound; i += VL) {
                        FloatVector d = FloatVector.fromArray(F, x, base + b0 + i).sub(vp);
                        a1 = a1.add(d);
                        a2 = d.fma(d, a2);
                    }
                }
                double t1 = a1.reduceLanes(VectorOperators.ADD), t2 = a2.reduceLanes(VectorOperators.ADD);
                for (; i < len; i++) {
                    double d = (double) x[base + b0 + i] - pilot;
                    t1 += d;
                    t2 += d * d;
                }
                s1 += t1;
                s2 += t2;
            }
        }
        return new double[] {s1, s2};
    }

    /**
     * One pass: {sum(g), sum((x - mu) g)} in double, with mu rounded to float for the lanes and corrected after.
     * With y (non-null), g counts only where y > 0 (the backward of a fused ReLU).
     */
    static double[] gradientMoments(float[] x, int xOff, float[] g, int gOff, float[] y, int yOff, int planes, int stride,
            int inner, double mu) {
        float muF = (float) mu;
        double sumG = 0, dot = 0;
        FloatVector vmu = FloatVector.broadcast(F, muF), zero = FloatVector.zero(F);
        for (int p = 0; p < planes; p++) {
            int xb = xOff + p * stride, gb = gOff + p * stride, yb = yOff + p * stride;
            for (int b0 = 0; b0 < inner; b0 += BLOCK) {
                int len = Math.min(BLOCK, inner - b0), i = 0;
                FloatVector a1 = zero, a2 = zero;
                if (Sgemm.SIMD) {
                    for (int bound = F.loopBound(len); i < bound; i += VL) {
                        FloatVector gv = FloatVector.fromArray(F, g, gb + b0 + i);
                        if (y != null) {
                            gv = zero.blend(gv, FloatVector.fromArray(F, y, yb + b0 + i).compare(VectorOperators.GT, 0f));
                        }
                        FloatVector d = FloatVector.fromArray(F, x, xb + b0 + i).sub(vmu);
                        a1 = a1.add(gv);
                        a2 = d.fma(gv, a2);
                    }
                }
                double t1 = a1.reduceLanes(VectorOperators.ADD), t2 = a2.reduceLanes(VectorOperators.ADD);
                for (; i < len; i++) {
                    double gi = y == null || y[yb + b0 + i] > 0 ? g[gb + b0 + i] : 0f;
                    t1 += gi;
                    t2 += ((double) x[xb + b0 + i] - muF) * gi;
                }
                sumG += t1;
                dot += t2;
            }
        }
        // sum((x - mu) g) = sum((x - muF) g) - (mu - muF) sum(g)
        return new double[] {sumG, dot - (mu - muF) * sumG};
    }

    /** gx = (g - meanG - (x - mu) k) scale over the channel's planes; with y, g is 0 where y <= 0. */
    static void inputGradient(float[] x, int xOff, float[] g, int gOff, float[] y, int yOff, float[] gx, int gxOff,
            int planes, int stride, int inner, float meanG, float mu, float k, float scale) {
        FloatVector vm = FloatVector.broadcast(F, meanG), vmu = FloatVector.broadcast(F, mu);
        FloatVector vk = FloatVector.broadcast(F, k), vs = FloatVector.broadcast(F, scale), zero = FloatVector.zero(F);
        for (int p = 0; p < planes; p++) {
            int xb = xOff + p * stride, gb = gOff + p * stride, yb = yOff + p * stride, ob = gxOff + p * stride, i = 0;
            if (Sgemm.SIMD) {
                for (int bound = F.loopBound(inner); i < bound; i += VL) {
                    FloatVector d = FloatVector.fromArray(F, x, xb + i).sub(vmu);
                    FloatVector gv = FloatVector.fromArray(F, g, gb + i);
                    if (y != null) {
                        gv = zero.blend(gv, FloatVector.fromArray(F, y, yb + i).compare(VectorOperators.GT, 0f));
                    }
                    gv.sub(vm).sub(d.mul(vk)).mul(vs).intoArray(gx, ob + i);
                }
            }
            for (; i < inner; i++) {
                float gi = y == null || y[yb + i] > 0 ? g[gb + i] : 0f;
                gx[ob + i] = (gi - meanG - (x[xb + i] - mu) * k) * scale;
            }
        }
    }
}
