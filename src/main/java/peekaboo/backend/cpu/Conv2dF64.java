package peekaboo.backend.cpu;

import peekaboo.backend.ConvShape;

/** Placeholder direct convolution in double (replaced by im2col + DGEMM). */
public final class Conv2dF64 {
    private Conv2dF64() {}

    public static void forward(ConvShape g, double[] x, int xOff, double[] w, int wOff, double[] bias, int biasOff, double[] y, int yOff) {
        int oh = g.outH(), ow = g.outW(), cg = g.cg(), kg = g.kg();
        for (int n = 0; n < g.n(); n++)
            for (int k = 0; k < g.k(); k++) {
                int grp = k / kg;
                for (int p = 0; p < oh; p++)
                    for (int q = 0; q < ow; q++) {
                        double s = bias == null ? 0 : bias[biasOff + k];
                        for (int c = 0; c < cg; c++)
                            for (int r = 0; r < g.r(); r++) {
                                int ih = p * g.strideH() - g.padH() + r * g.dilH();
                                if (ih < 0 || ih >= g.h()) continue;
                                for (int t = 0; t < g.s(); t++) {
                                    int iw = q * g.strideW() - g.padW() + t * g.dilW();
                                    if (iw < 0 || iw >= g.w()) continue;
                                    s += x[xOff + ((n * g.c() + grp * cg + c) * g.h() + ih) * g.w() + iw]
                                            * w[wOff + ((k * cg + c) * g.r() + r) * g.s() + t];
                                }
                            }
                        y[yOff + ((n * g.k() + k) * oh + p) * ow + q] = s;
                    }
            }
    }

    public static void inputGrad(ConvShape g, double[] dy, int dyOff, double[] w, int wOff, double[] dx, int dxOff) {
        int oh = g.outH(), ow = g.outW(), cg = g.cg(), kg = g.kg();
        java.util.Arrays.fill(dx, dxOff, dxOff + g.n() * g.c() * g.h() * g.w(), 0);
        for (int n = 0; n < g.n(); n++)
            for (int k = 0; k < g.k(); k++) {
                int grp = k / kg;
                for (int p = 0; p < oh; p++)
                    for (int q = 0; q < ow; q++) {
                        double d = dy[dyOff + ((n * g.k() + k) * oh + p) * ow + q];
                        for (int c = 0; c < cg; c++)
                            for (int r = 0; r < g.r(); r++) {
                                int ih = p * g.strideH() - g.padH() + r * g.dilH();
                                if (ih < 0 || ih >= g.h()) continue;
                                for (int t = 0; t < g.s(); t++) {
                                    int iw = q * g.strideW() - g.padW() + t * g.dilW();
                                    if (iw < 0 || iw >= g.w()) continue;
                                    dx[dxOff + ((n * g.c() + grp * cg + c) * g.h() + ih) * g.w() + iw] += d * w[wOff + ((k * cg + c) * g.r() + r) * g.s() + t];
                                }
                            }
                    }
            }
    }

    public static void weightGrad(ConvShape g, double[] x, int xOff, double[] dy, int dyOff, double[] dw, int dwOff) {
        int oh = g.outH(), ow = g.outW(), cg = g.cg(), kg = g.kg();
        java.util.Arrays.fill(dw, dwOff, dwOff + g.k() * cg * g.r() * g.s(), 0);
        for (int n = 0; n < g.n(); n++)
            for (int k = 0; k < g.k(); k++) {
                int grp = k / kg;
                for (int p = 0; p < oh; p++)
                    for (int q = 0; q < ow; q++) {
                        double d = dy[dyOff + ((n * g.k() + k) * oh + p) * ow + q];
                        for (int c = 0; c < cg; c++)
                            for (int r = 0; r < g.r(); r++) {
                                int ih = p * g.strideH() - g.padH() + r * g.dilH();
                                if (ih < 0 || ih >= g.h()) continue;
                                for (int t = 0; t < g.s(); t++) {
                                    int iw = q * g.strideW() - g.padW() + t * g.dilW();
                                    if (iw < 0 || iw >= g.w()) continue;
                                    dw[dwOff + ((k * cg + c) * g.r() + r) * g.s() + t] += d * x[xOff + ((n * g.c() + grp * cg + c) * g.h() + ih) * g.w() + iw];
                                }
                            }
                    }
            }
    }
}
