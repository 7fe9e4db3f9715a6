package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The batch-norm moment loops against plain double sums over the same values: planes of any length
 * (whole vectors, a scalar tail, shorter than a vector), planes strided apart within a larger array,
 * and channels long enough that the lanes' sums move to double several times (every 64 vectors); and bit for
 * bit against a scalar model of the order in which the loops add, so that no step of it is left to the JIT.
 */
class BatchNormF32Properties {
    private record Layout(int planes, int inner, int stride, int offset, float[] x, float[] g) {
        static Layout random(int planes, int inner, int channels, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int stride = inner * channels, offset = rnd.nextInt(channels) * inner, size = planes * stride + offset;
            float[] x = new float[size], g = new float[size];
            for (int i = 0; i < size; i++) {
                x[i] = (float) (rnd.nextGaussian() * 1.5 + 0.3);
                g[i] = (float) rnd.nextGaussian();
            }
            return new Layout(planes, inner, stride, offset, x, g);
        }
    }

    @Property(tries = 60, seed = "63")
    void shiftedMomentsEqualDoubleSums(@ForAll @IntRange(min = 1, max = 70) int planes, @ForAll @IntRange(min = 1, max = 300) int inner,
            @ForAll @IntRange(min = 1, max = 3) int channels, @ForAll long seed) {
        Layout l = Layout.random(planes, inner, channels, seed);
        float pilot = l.x[l.offset];
        double s1 = 0, s2 = 0, abs1 = 0;
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < inner; i++) {
                double d = (double) l.x[l.offset + p * l.stride + i] - pilot;
                s1 += d;
                s2 += d * d;
                abs1 += Math.abs(d);
            }
        }
        double[] got = BatchNormF32.shiftedMoments(l.x, l.offset, planes, l.stride, inner, pilot);
        // float lanes add at most 16 values each before moving to double
        assertEquals(s1, got[0], 1e-6 * abs1 + 1e-9, "sum");
        assertEquals(s2, got[1], 1e-6 * s2 + 1e-9, "sum of squares");
    }

    @Property(tries = 60, seed = "64")
    void gradientMomentsEqualDoubleSums(@ForAll @IntRange(min = 1, max = 70) int planes, @ForAll @IntRange(min = 1, max = 300) int inner,
            @ForAll @IntRange(min = 1, max = 3) int channels, @ForAll boolean relu, @ForAll long seed) {
        Layout l = Layout.random(planes, inner, channels, seed);
        // the fused ReLU's mask: fma(x, a, b) > 0, about half the values
        float a = 0.8f, b = -0.3f;
        double mu = 0.3 + 1e-3 * (seed % 7), sumG = 0, dot = 0, absG = 0, absDot = 0;
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < inner; i++) {
                int at = l.offset + p * l.stride + i;
                double gi = !relu || Math.fma(l.x[at], a, b) > 0 ? l.g[at] : 0;
                sumG += gi;
                dot += (l.x[at] - mu) * gi;
                absG += Math.abs(gi);
                absDot += Math.abs((l.x[at] - mu) * gi);
            }
        }
        double[] got = BatchNormF32.gradientMoments(l.x, l.offset, l.g, l.offset, relu, a, b, planes, l.stride, inner, mu);
        assertEquals(sumG, got[0], 1e-6 * absG + 1e-9, "sum of g");
        assertEquals(dot, got[1], 1e-6 * absDot + 1e-9, "sum of (x - mu) g");
    }

    /**
     * The loops' order, written out with scalars: per block of 64 vectors, four float partial sums per lane (the
     * vectors in turn, a block's last count % 4 on the first), added as (s1 + s2) + (s3 + s4), then to the lane's
     * double sum; the lanes' sums added in lane order; the scalar tails after. reduceLanes(ADD) in place of the
     * lane sums fails this on any JDK (JDK 25's C2 adds a vector's lanes in another order than its interpreter).
     */
    private static double[] modelMoments(float[] x, int off, int planes, int stride, int inner, float pilot,
            float[] g, int gOff, boolean gradient, boolean relu, float a, float b, float muF) {
        int vl = FloatVector.SPECIES_PREFERRED.length(), perPlane = Sgemm.SIMD ? inner / vl : 0;
        double[] lanes1 = new double[vl], lanes2 = new double[vl];
        long total = (long) planes * perPlane;
        for (long k0 = 0; k0 < total; k0 += 64) {
            int count = (int) Math.min(64, total - k0);
            float[][] s = new float[4][vl], q = new float[4][vl];
            for (int k = 0; k < count; k++) {
                long v = k0 + k;
                int at = (int) (v / perPlane) * stride + (int) (v % perPlane) * vl;
                int acc = k < count / 4 * 4 ? k % 4 : 0;
                for (int l = 0; l < vl; l++) {
                    float xi = x[off + at + l];
                    if (gradient) {
                        float gi = !relu || Math.fma(xi, a, b) > 0 ? g[gOff + at + l] : 0f;
                        s[acc][l] += gi;
                        q[acc][l] = Math.fma(xi - muF, gi, q[acc][l]);
                    } else {
                        float d = xi - pilot;
                        s[acc][l] += d;
                        q[acc][l] = Math.fma(d, d, q[acc][l]);
                    }
                }
            }
            for (int l = 0; l < vl; l++) {
                lanes1[l] += (s[0][l] + s[1][l]) + (s[2][l] + s[3][l]);
                lanes2[l] += (q[0][l] + q[1][l]) + (q[2][l] + q[3][l]);
            }
        }
        double r1 = 0, r2 = 0;
        for (int l = 0; l < vl; l++) {
            r1 += lanes1[l];
            r2 += lanes2[l];
        }
        for (int p = 0; p < planes; p++) {
            for (int i = p * stride + perPlane * vl, end = p * stride + inner; i < end; i++) {
                if (gradient) {
                    double gi = !relu || Math.fma(x[off + i], a, b) > 0 ? g[gOff + i] : 0f;
                    r1 += gi;
                    r2 += ((double) x[off + i] - muF) * gi;
                } else {
                    double d = (double) x[off + i] - pilot;
                    r1 += d;
                    r2 += d * d;
                }
            }
        }
        return new double[] {r1, r2};
    }

    @Property(tries = 40, seed = "65")
    void momentsAddInAFixedOrder(@ForAll @IntRange(min = 1, max = 40) int planes, @ForAll @IntRange(min = 1, max = 300) int inner,
            @ForAll @IntRange(min = 1, max = 3) int channels, @ForAll boolean relu, @ForAll long seed) {
        Layout l = Layout.random(planes, inner, channels, seed);
        float pilot = l.x[l.offset], a = 0.8f, b = -0.3f;
        double mu = 0.3 + 1e-3 * (seed % 7);
        double[] shifted = modelMoments(l.x, l.offset, planes, l.stride, inner, pilot, null, 0, false, false, 0, 0, 0);
        double[] got = BatchNormF32.shiftedMoments(l.x, l.offset, planes, l.stride, inner, pilot);
        assertEquals(shifted[0], got[0], 0, "sum");
        assertEquals(shifted[1], got[1], 0, "sum of squares");
        double[] gradient = modelMoments(l.x, 0, planes, l.stride, inner, 0, l.g, 0, true, relu, a, b, (float) mu);
        // gradientMoments walks x and g from their offsets; the model from 0 over the same arrays
        got = BatchNormF32.gradientMoments(l.x, 0, l.g, 0, relu, a, b, planes, l.stride, inner, mu);
        assertEquals(gradient[0], got[0], 0, "sum of g");
        assertEquals(gradient[1] - (mu - (float) mu) * gradient[0], got[1], 0, "sum of (x - mu) g");
    }
}
