package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The batch-norm moment loops against plain double sums over the same values: planes of any length
 * (whole vectors, a scalar tail, shorter than a vector), planes strided apart within a larger array,
 * and channels long enough that the lanes' sums move to double several times (every 64 vectors).
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
}
