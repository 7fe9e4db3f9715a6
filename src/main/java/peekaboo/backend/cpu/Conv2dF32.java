package peekaboo.backend.cpu;

import peekaboo.backend.ConvShape;

/**
 * 2-d convolution in float32 on NCHW tensors (PyTorch {@code F.conv2d} and its two gradients),
 * built on the packed SGEMM ("implicit GEMM": {@link PatchPacker} packs patches straight from
 * the tensor). Per image and group, with P = outH*outW, CRS = (c/groups)*r*s:
 * <ul>
 * <li>forward: y[k, P] = W[k, CRS] . patches(x)[CRS, P] (+ bias);
 * <li>inputGrad: dx[c, h*w] = W^T[c, k*r*s] . patches(dy)[k*r*s, h*w] (a transposed conv);
 * <li>weightGrad: dW[k, CRS] += dy[k, P] . patches(x)^T[P, CRS], summed over the batch.
 * </ul>
 * Stride-1 layers take the direct path of {@link Conv2dDirect} when it applies. Images are
 * spread over threads; a batch smaller than the pool splits each GEMM instead.
 */
public final class Conv2dF32 {

    private Conv2dF32() {
    }

    /** y[n, k, outH, outW] = conv2d(x[n, c, h, w], w[k, c/groups, r, s]) + bias[k] (bias nullable). */
    public static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias,
            int biasOff, float[] y, int yOff) {
        if (Sgemm.SIMD && Conv2dDirect.supports(g)) {
            Conv2dDirect.forward(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
            return;
        }
        forwardGemm(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
    }

    /** The implicit-GEMM forward path (any shape). */
    static void forwardGemm(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias,
            int biasOff, float[] y, int yOff) {
        int p = g.outH() * g.outW();
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        int hw = g.h() * g.w();
        forImages(g.n(), (b, parallel) -> {
            for (int gi = 0; gi < g.groups(); gi++) {
                PatchPacker pp = PatchPacker.forward(g, x, xOff + (b * g.c() + gi * cg) * hw);
                int yo = yOff + (b * g.k() + gi * kg) * p;
                gemm(parallel, kg, p, crs, SgemmDriver.matrixA(false, w, wOff + gi * kg * crs, crs),
                        pp::packRows, y, yo, p);
                if (bias != null) {
                    addRowBias(y, yo, kg, p, bias, biasOff + gi * kg);
                }
            }
        });
    }

    /** dx[n, c, h, w] = the gradient of {@link #forward} with respect to x, given dy. */
    public static void inputGrad(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx,
            int dxOff) {
        if (Sgemm.SIMD && Conv2dDirect.supportsInputGrad(g)) {
            Conv2dDirect.inputGrad(g, dy, dyOff, w, wOff, dx, dxOff);
            return;
        }
        inputGradGemm(g, dy, dyOff, w, wOff, dx, dxOff);
    }

    /** The implicit-GEMM input-grad path (any shape). */
    static void inputGradGemm(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx,
            int dxOff) {
        int p = g.outH() * g.outW();
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int rs = g.r() * g.s();
        int hw = g.h() * g.w();
        float[] wt = transposeWeights(g, w, wOff);
        forImages(g.n(), (b, parallel) -> {
            for (int gi = 0; gi < g.groups(); gi++) {
                PatchPacker pp = PatchPacker.inputGrad(g, dy, dyOff + (b * g.k() + gi * kg) * p);
                gemm(parallel, cg, hw, kg * rs, SgemmDriver.matrixA(false, wt, gi * cg * kg * rs, kg * rs),
                        pp::packRows, dx, dxOff + (b * g.c() + gi * cg) * hw, hw);
            }
        });
    }

    /** dw[k, c/groups, r, s] = the gradient of {@link #forward} with respect to w, given x and dy. */
    public static void weightGrad(ConvShape g, float[] x, int xOff, float[] dy, int dyOff, float[] dw,
            int dwOff) {
        if (Sgemm.SIMD && Conv2dDirect.supportsWeightGrad(g)) {
            Conv2dDirect.weightGrad(g, x, xOff, dy, dyOff, dw, dwOff);
            return;
        }
        weightGradGemm(g, x, xOff, dy, dyOff, dw, dwOff);
    }

    /** The implicit-GEMM weight-grad path (any shape): per-thread partial sums over images. */
    static void weightGradGemm(ConvShape g, float[] x, int xOff, float[] dy, int dyOff, float[] dw,
            int dwOff) {
        int p = g.outH() * g.outW();
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        int hw = g.h() * g.w();
        int size = g.weightSize();
        int chunks = Math.min(g.n(), Parallel.threads());
        float[][] partial = new float[chunks][];
        Parallel.forRange(chunks, (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                float[] acc = ch == 0 ? dw : new float[size];
                int accOff = ch == 0 ? dwOff : 0;
                partial[ch] = acc;
                int b0 = (int) ((long) g.n() * ch / chunks);
                int b1 = (int) ((long) g.n() * (ch + 1) / chunks);
                for (int b = b0; b < b1; b++) {
                    for (int gi = 0; gi < g.groups(); gi++) {
                        PatchPacker pp = PatchPacker.forward(g, x, xOff + (b * g.c() + gi * cg) * hw);
                        SgemmDriver.gemmRange(0, kg, 0, crs, p,
                                SgemmDriver.matrixA(false, dy, dyOff + (b * g.k() + gi * kg) * p, p),
                                pp::packCols, acc, accOff + gi * kg * crs, crs, b > b0);
                    }
                }
            }
        });
        for (int ch = 1; ch < chunks; ch++) {
            for (int i = 0; i < size; i++) {
                dw[dwOff + i] += partial[ch][i];
            }
        }
    }

    // ---- helpers shared with Conv2dDirect ------------------------------------------------

    /** Per-image work; parallel = true when the image itself should use every thread. */
    interface ImageBody {
        void run(int image, boolean parallel);
    }

    /** Runs body for every image: images spread over threads, or one by one with parallel GEMMs. */
    static void forImages(int n, ImageBody body) {
        if (n >= Parallel.threads()) {
            Parallel.forRange(n, (b0, b1) -> {
                for (int b = b0; b < b1; b++) {
                    body.run(b, false);
                }
            });
        } else {
            for (int b = 0; b < n; b++) {
                body.run(b, true);
            }
        }
    }

    private static void gemm(boolean parallel, int m, int n, int k, SgemmDriver.PackA pa,
            SgemmDriver.PackB pb, float[] c, int cOff, int ldc) {
        if (parallel) {
            SgemmDriver.gemm(m, n, k, pa, pb, c, cOff, ldc, false);
        } else {
            SgemmDriver.gemmRange(0, m, 0, n, k, pa, pb, c, cOff, ldc, false);
        }
    }

    static void addRowBias(float[] y, int yo, int rows, int cols, float[] bias, int biasOff) {
        for (int i = 0; i < rows; i++) {
            float bv = bias[biasOff + i];
            int o = yo + i * cols;
            for (int j = 0; j < cols; j++) {
                y[o + j] += bv;
            }
        }
    }

    /** wt[gi][ci][ko*r*s + t] = w[gi*kg + ko][ci][t]: per group, W^T with the taps kept in order. */
    static float[] transposeWeights(ConvShape g, float[] w, int wOff) {
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int rs = g.r() * g.s();
        float[] wt = new float[g.weightSize()];
        for (int gi = 0; gi < g.groups(); gi++) {
            for (int ko = 0; ko < kg; ko++) {
                for (int ci = 0; ci < cg; ci++) {
                    System.arraycopy(w, wOff + ((gi * kg + ko) * cg + ci) * rs,
                            wt, ((gi * cg + ci) * kg + ko) * rs, rs);
                }
            }
        }
        return wt;
    }
}
