package peekaboo.backend.aparapi;

import com.aparapi.Kernel;

/**
 * One Bop step (spec section 3) over float or double operands, written in Java for Aparapi, bit-exact
 * with the CPU reference. Each work-item walks the entries grid-stride (stride = the number of
 * work-items) and writes its number of flips to partial[id], summed on the host. Float32 products and
 * sums are computed in double and rounded to float (the correctly rounded float result, never an fma);
 * float64 ones are separate statements, so an OpenCL compiler cannot contract them either. The int64
 * flip counts are a long[] like every int64 storage of this backend (host arrays; OpenCL long on a device).
 */
final class BopKernel extends Kernel {
    float[] pf = new float[1], gf = new float[1], mf = new float[1];
    double[] pd = new double[1], gd = new double[1], md = new double[1];
    long[] counts = new long[1];
    int[] partial = new int[1];
    int useDouble, first, po, go, mo, co, n, stride;
    float yf, keepf, tf;
    double yd, keepd, td;

    private int signOf(double v) {
        int s = 0;
        if (v > 0) s = 1;
        if (v < 0) s = -1;
        return s;
    }

    @Override
    public void run() {
        int w = getGlobalId();
        int flips = 0;
        for (int i = w; i < n; i += stride) {
            int flip = 0;
            if (useDouble == 1) {
                double gi = gd[go + i];
                double gy = gi * yd;
                double mi = gi + gy;
                if (first == 0) {
                    double mk = md[mo + i] * keepd;
                    mi = mk + gy;
                }
                md[mo + i] = mi;
                double pi = pd[po + i];
                if (abs(mi) >= td && signOf(mi) == signOf(pi)) {
                    pd[po + i] = -pi;
                    flip = 1;
                }
            } else {
                float gi = gf[go + i];
                float gy = (float) ((double) gi * (double) yf);
                float mi = (float) ((double) gi + (double) gy);
                if (first == 0) {
                    float mk = (float) ((double) mf[mo + i] * (double) keepf);
                    mi = (float) ((double) mk + (double) gy);
                }
                mf[mo + i] = mi;
                float pi = pf[po + i];
                if (abs(mi) >= tf && signOf(mi) == signOf(pi)) {
                    pf[po + i] = -pi;
                    flip = 1;
                }
            }
            if (flip == 1) {
                counts[co + i] = counts[co + i] + 1;
                flips++;
            }
        }
        partial[w] = flips;
    }
}
