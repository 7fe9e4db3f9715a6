package peekaboo.backend.cpu;

import peekaboo.backend.ConvShape;

/**
 * 2-d convolution in float64 (same contract as {@link Conv2dF32}), for gradient checks and
 * float64 scores: explicit im2col per image and group, then {@link Dgemm}; the input gradient
 * scatters the column matrix back (col2im). Correctness first.
 */
public final class Conv2dF64 {

    private Conv2dF64() {
    }

    /** y[n, k, outH, outW] = conv2d(x, w) + bias (bias nullable, length k). */
    public static void forward(ConvShape g, double[] x, int xOff, double[] w, int wOff, double[] bias,
            int biasOff, double[] y, int yOff) {
        int p = g.outH() * g.outW();
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        double[] col = new double[crs * p];
        for (int b = 0; b < g.n(); b++) {
            for (int gi = 0; gi < g.groups(); gi++) {
                im2col(g, x, xOff + (b * g.c() + gi * cg) * g.h() * g.w(), col);
                int yo = yOff + (b * g.k() + gi * kg) * p;
                Dgemm.dgemm(false, false, kg, p, crs, w, wOff + gi * kg * crs, crs, col, 0, p, y, yo, p, false);
                if (bias != null) {
                    for (int i = 0; i < kg; i++) {
                        for (int j = 0; j < p; j++) {
                            y[yo + i * p + j] += bias[biasOff + gi * kg + i];
                        }
                    }
                }
            }
        }
    }

    /** dx[n, c, h, w] = gradient of {@link #forward} with respect to x. */
    public static void inputGrad(ConvShape g, double[] dy, int dyOff, double[] w, int wOff, double[] dx,
            int dxOff) {
        int p = g.outH() * g.outW();
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        int hw = g.h() * g.w();
        double[] col = new double[crs * p];
        java.util.Arrays.fill(dx, dxOff, dxOff + g.inputSize(), 0.0);
        for (int b = 0; b < g.n(); b++) {
            for (int gi = 0; gi < g.groups(); gi++) {
                Dgemm.dgemm(true, false, crs, p, kg, w, wOff + gi * kg * crs, crs,
                        dy, dyOff + (b * g.k() + gi * kg) * p, p, col, 0, p, false);
                col2im(g, col, dx, dxOff + (b * g.c() + gi * cg) * hw);
            }
        }
    }

    /** dw[k, c/groups, r, s] = gradient of {@link #forward} with respect to w. */
    public static void weightGrad(ConvShape g, double[] x, int xOff, double[] dy, int dyOff, double[] dw,
            int dwOff) {
        int p = g.outH() * g.outW();
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        double[] col = new double[crs * p];
        for (int b = 0; b < g.n(); b++) {
            for (int gi = 0; gi < g.groups(); gi++) {
                im2col(g, x, xOff + (b * g.c() + gi * cg) * g.h() * g.w(), col);
                Dgemm.dgemm(false, true, kg, crs, p, dy, dyOff + (b * g.k() + gi * kg) * p, p, col, 0, p,
                        dw, dwOff + gi * kg * crs, crs, b > 0);
            }
        }
    }

    /** col[(ci*r + ty)*s + tx][oy*outW + ox] = x[ci][iy][ix] (0 outside), for c/groups channels. */
    static void im2col(ConvShape g, double[] x, int xOff, double[] col) {
        int oh = g.outH();
        int ow = g.outW();
        int row = 0;
        for (int ci = 0; ci < g.cPerGroup(); ci++) {
            for (int ty = 0; ty < g.r(); ty++) {
                for (int tx = 0; tx < g.s(); tx++, row++) {
                    int d = row * oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * g.strideH() - g.padH() + ty * g.dilH();
                        for (int ox = 0; ox < ow; ox++, d++) {
                            int ix = ox * g.strideW() - g.padW() + tx * g.dilW();
                            boolean in = iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w();
                            col[d] = in ? x[xOff + (ci * g.h() + iy) * g.w() + ix] : 0.0;
                        }
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: dx[ci][iy][ix] += col[...] for every tap that read it. */
    static void col2im(ConvShape g, double[] col, double[] dx, int dxOff) {
        int oh = g.outH();
        int ow = g.outW();
        int row = 0;
        for (int ci = 0; ci < g.cPerGroup(); ci++) {
            for (int ty = 0; ty < g.r(); ty++) {
                for (int tx = 0; tx < g.s(); tx++, row++) {
                    int d = row * oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * g.strideH() - g.padH() + ty * g.dilH();
                        for (int ox = 0; ox < ow; ox++, d++) {
                            int ix = ox * g.strideW() - g.padW() + tx * g.dilW();
                            if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                                dx[dxOff + (ci * g.h() + iy) * g.w() + ix] += col[d];
                            }
                        }
                    }
                }
            }
        }
    }
}
