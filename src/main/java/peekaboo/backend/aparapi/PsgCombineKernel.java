package peekaboo.backend.aparapi;

import com.aparapi.Kernel;

/**
 * PSG's weight-gradient combine (spec section 4) over float or double operands, written in Java for
 * Aparapi: keep = t == 0 or |msb| >= t; G = keep ? msb : (useExact ? exact : 0); sign(G) when asked
 * (sign keeps +-0 and NaN). One work-item per element.
 */
final class PsgCombineKernel extends Kernel {
    float[] mf = new float[1], ef = new float[1], of = new float[1];
    double[] md = new double[1], ed = new double[1], od = new double[1];
    int useDouble, useExact, takeSign, mo, eo, oo;
    float tf;
    double td;

    @Override
    public void run() {
        int i = getGlobalId();
        double r = 0;
        if (useDouble == 1) {
            double v = md[mo + i];
            r = 0.0;
            if (useExact == 1) r = ed[eo + i];
            if (td == 0.0 || abs(v) >= td) r = v;
        } else {
            float v = mf[mo + i];
            r = 0.0;
            if (useExact == 1) r = ef[eo + i];
            if (tf == 0f || abs(v) >= tf) r = v;
        }
        if (takeSign == 1) {
            if (r > 0) r = 1.0;
            if (r < 0) r = -1.0;
        }
        if (useDouble == 1) od[oo + i] = r;
        else of[oo + i] = (float) r;
    }
}
