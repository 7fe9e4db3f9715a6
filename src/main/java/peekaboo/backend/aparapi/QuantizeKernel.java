package peekaboo.backend.aparapi;

import com.aparapi.Kernel;

/**
 * PSG's quantiser on float32 (spec section 4), written in Java for Aparapi, bit-exact with the CPU
 * reference: each float32 step is computed in double and rounded to float, which gives the correctly
 * rounded float result (also for the division, on any device) and leaves nothing to contract into fma.
 * One work-item per element; min, delta and top are the host's float32 constants.
 */
final class QuantizeKernel extends Kernel {
    float[] x = new float[1], out = new float[1];
    int xo, oo;
    float min, delta, top;

    @Override
    public void run() {
        int i = getGlobalId();
        float v = x[xo + i];
        float q = 0f;  // x == 0 (either sign) gives +0
        if (v != 0f) {
            float a = (float) ((double) v - (double) min);
            float t = (float) ((double) a / (double) delta);
            if (t <= 0f) t = 0f;  // Math.max(t, 0f): -0 becomes +0, NaN stays
            if (t >= top) t = top;
            float r = rint(t);
            float s = (float) ((double) r * (double) delta);
            q = (float) ((double) s + (double) min);
        }
        out[oo + i] = q;
    }
}
