package peekaboo.backend.cpu;

import peekaboo.backend.ConvShape;

/** Placeholder direct convolution in float (replaced by the implicit-GEMM kernels). */
public final class Conv2dF32 {
    private Conv2dF32() {}

    public static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff, float[] y, int yOff) {
        int oh = g.outH(), ow = g.outW(), cg = g.cg(), kg = g.kg();
        for (int n = 0; n < g.n(); n++)
            for (int k = 0; k < g.k(); k++) {
                int grp = k / kg;
                for (int p = 0; p < oh; p++)
                    for (int q = 0; q < ow; q++) {
                        float s = bias == null ? 0 : bias[biasOff + k];
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

    public static void inputGrad(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        int oh = g.outH(), ow = g.outW(), cg = g.cg(), kg = g.kg();
        java.util.Arrays.fill(dx, dxOff, dxOff + g.n() * g.c() * g.h() * g.w(), 0);
        for (int n = 0; n < g.n(); n++)
            for (int k = 0; k < g.k(); k++) {
                int grp = k / kg;
                for (int p = 0; p < oh; p++)
                    for (int q = 0; q < ow; q++) {
                        float d = dy[dyOff + ((n * g.k() + k) * oh + p) * ow + q];
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

    public static void weightGrad(ConvShape g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        int oh = g.outH(), ow = g.outW(), cg = g.cg(), kg = g.kg();
        java.util.Arrays.fill(dw, dwOff, dwOff + g.k() * cg * g.r() * g.s(), 0);
        for (int n = 0; n < g.n(); n++)
            for (int k = 0; k < g.k(); k++) {
                int grp = k / kg;
                for (int p = 0; p < oh; p++)
                    for (int q = 0; q < ow; q++) {
                        float d = dy[dyOff + ((n * g.k() + k) * oh + p) * ow + q];
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
