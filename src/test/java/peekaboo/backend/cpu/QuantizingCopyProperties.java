package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import peekaboo.backend.Quantization;
import peekaboo.tensor.Tensor;

/**
 * The quantising copy (vector loops: clamps by integer max and min on the bits with the NaNs put back, or by
 * compare and select where the zero is not exact by itself) against spec section 4's scalar quantiser, bit for
 * bit (any NaN equals any NaN): zeros of both signs, NaN, infinities, subnormals, and scales from subnormal to
 * infinite. Also the per-sample max |x| PSG scales by (integer maxima of the bits of |x|) against Math.max.
 */
class QuantizingCopyProperties {
    private static final float[] SCALES = {1e-38f, 1e-30f, 3e-5f, 0.01f, 1f, 1.5f, 77.7f, 1e20f, 1e37f, 3e38f,
        Float.POSITIVE_INFINITY, Float.NaN};

    @Property(tries = 120, seed = "66")
    void equalsTheScalarQuantiser(@ForAll @IntRange(min = 0, max = 11) int scale, @ForAll @IntRange(min = 1, max = 23) int bits,
            @ForAll boolean signed, @ForAll @IntRange(min = 1, max = 300) int len, @ForAll long seed) {
        float max = SCALES[scale];
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] src = new float[len], out = new float[len];
        for (int i = 0; i < len; i++) {
            double u = rnd.nextDouble();
            src[i] = u < 0.05 ? 0f : u < 0.1 ? -0f : u < 0.12 ? Float.NaN : u < 0.14 ? Float.POSITIVE_INFINITY
                    : u < 0.16 ? Float.NEGATIVE_INFINITY : u < 0.18 ? Float.MIN_VALUE : u < 0.2 ? -Float.MIN_VALUE
                    : (float) (rnd.nextGaussian() * (Float.isFinite(max) ? max : 1) * (rnd.nextBoolean() ? 1 : 1e-3));
        }
        new PabKernels.Quantizing(new Quantization(bits, max, signed)).copy(src, 0, out, 0, len);
        float min = signed ? -max : 0f, delta = (max - min) / Math.scalb(1f, bits), top = Math.scalb(1f, bits) - 1;
        for (int i = 0; i < len; i++) {
            float v = src[i], want;
            if (v == 0) {
                want = 0f;
            } else {
                float t = Math.min(Math.max((v - min) / delta, 0f), top);
                want = (float) Math.rint(t) * delta + min;
            }
            boolean same = Float.floatToRawIntBits(want) == Float.floatToRawIntBits(out[i]) || Float.isNaN(want) && Float.isNaN(out[i]);
            assertTrue(same, "Q(" + v + ") with max " + max + ", " + bits + " bits, signed " + signed + ": want " + want + ", got " + out[i]);
        }
    }

    @Property(tries = 80, seed = "67")
    void sampleMaximaEqualMathMax(@ForAll @IntRange(min = 1, max = 5) int samples, @ForAll @IntRange(min = 1, max = 200) int per,
            @ForAll @IntRange(min = 0, max = 3) int special, @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[samples * per];
        for (int i = 0; i < x.length; i++) {
            double u = rnd.nextDouble();
            // special 0: finite values only; 1: with infinities; 2: with NaNs; 3: with both
            x[i] = (special & 2) != 0 && u < 0.01 ? Float.NaN : (special & 1) != 0 && u < 0.02
                    ? (rnd.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY)
                    : u < 0.1 ? (rnd.nextBoolean() ? 0f : -0f) : u < 0.15 ? -Float.MIN_VALUE
                    : (float) (rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(-140, 120)));
        }
        float[] got = PabKernels.sampleMaxAbs(Tensor.of(x, samples, per));
        for (int s = 0; s < samples; s++) {
            float want = 0;
            for (int i = 0; i < per; i++) want = Math.max(want, Math.abs(x[s * per + i]));
            boolean same = Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got[s]) || Float.isNaN(want) && Float.isNaN(got[s]);
            assertTrue(same, "sample " + s + " of " + per + " values: want " + want + ", got " + got[s]);
        }
    }
}
