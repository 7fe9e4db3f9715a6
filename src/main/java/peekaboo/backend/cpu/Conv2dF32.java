package peekaboo.backend.cpu;

import peekaboo.backend.ConvShape;

/**
 * 2-d convolution in float32 on NCHW tensors (PyTorch {@code F.conv2d} and its two gradients),
 * built on the packed SGEMM. Per image and group, with P = outH*outW, CRS = (c/groups)*r*s:
 * <ul>
 * <li>forward: y[k, P] = W[k, CRS] . patches(x)[CRS, P] (+ bias);
 * <li>inputGrad: dx = the adjoint of the forward map applied to dy;
 * <li>weightGrad: dW[k, CRS] += dy[k, P] . patches(x)^T[P, CRS], summed over the batch.
 * </ul>
 * Stride-1 layers with large feature maps take the direct path of {@link Conv2dDirect} (the
 * micro-kernel reads the padded image in place); strided 1x1 layers gather their pixels and multiply
 * ({@link Conv2dPointwise}); the others build the patch matrix of a chunk of images explicitly
 * ({@link Conv2dIm2col}). The weight gradients of 3x3 layers with 16 to 64 input channels are outer products
 * over pixels ({@link Conv2dOuterWeightGrad}). Images are spread over threads; a batch smaller than
 * the pool splits each GEMM instead.
 */
public final class Conv2dF32 {

    private Conv2dF32() {
    }

    /** y[n, k, outH, outW] = conv2d(x[n, c, h, w], w[k, c/groups, r, s]) + bias[k] (bias nullable). */
    public static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias,
            int biasOff, float[] y, int yOff) {
        if (Conv2dPointwise.supports(g)) {
            Conv2dPointwise.forward(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
        } else if (Conv2dOuterForward.supports(g) && !Conv2dDirect.takesSparse(g, w, wOff)) {
            Conv2dOuterForward.forward(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
        } else if (wideWinograd2d(g, w, wOff)) {
            Conv2dWinograd2d.forward(g, x, xOff, w, wOff, false, bias, biasOff, y, yOff);
        } else if (Conv2dDirect.supports(g) && (direct(g) || sparseDirect(g, w, wOff))) {
            Conv2dDirect.forward(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
        } else {
            Conv2dIm2col.forward(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
        }
    }

    /** dx[n, c, h, w] = the gradient of {@link #forward} with respect to x, given dy. */
    public static void inputGrad(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx,
            int dxOff) {
        if (Conv2dPointwise.supports(g)) {
            Conv2dPointwise.inputGrad(g, dy, dyOff, w, wOff, dx, dxOff);
        } else if (inputGradIsForward(g) && wideWinograd2d(inputGradAsForward(g), w, wOff)) {
            Conv2dWinograd2d.forward(inputGradAsForward(g), dy, dyOff, w, wOff, true, null, 0, dx, dxOff);
        } else if (Conv2dDirect.supportsInputGrad(g) && (direct(g) || sparseDirect(inputGradAsForward(g), w, wOff))) {
            Conv2dDirect.inputGrad(g, dy, dyOff, w, wOff, dx, dxOff);
        } else if (Conv2dOuterInputGrad.supports(g)) {
            Conv2dOuterInputGrad.inputGrad(g, dy, dyOff, w, wOff, dx, dxOff);
        } else if (Conv2dPhaseInputGrad.supports(g)) {
            Conv2dPhaseInputGrad.inputGrad(g, dy, dyOff, w, wOff, dx, dxOff);
        } else {
            Conv2dIm2col.inputGrad(g, dy, dyOff, w, wOff, dx, dxOff);
        }
    }

    /** dw[k, c/groups, r, s] = the gradient of {@link #forward} with respect to w, given x and dy. */
    public static void weightGrad(ConvShape g, float[] x, int xOff, float[] dy, int dyOff, float[] dw,
            int dwOff) {
        weightGrad(g, x, xOff, null, dy, dyOff, null, dw, dwOff);
    }

    /**
     * The weight gradient of Q(x) and Q(dy) (PSG, spec section 4): each path quantises its operands
     * while it copies them into its own buffers; null quantisers copy plainly.
     */
    static void weightGrad(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy, int dyOff,
            PabKernels.Quantizing qdy, float[] dw, int dwOff) {
        if (Conv2dPointwise.fitsWeightGrad(g)) {
            Conv2dPointwise.weightGrad(g, x, xOff, qx, dy, dyOff, qdy, dw, dwOff);
        } else if (Conv2dOuterWeightGrad.supports(g)) {
            Conv2dOuterWeightGrad.weightGrad(g, x, xOff, qx, dy, dyOff, qdy, dw, dwOff);
        } else if (Conv2dWinograd2d.supportsWeightGrad(g)) {
            Conv2dWinograd2d.weightGrad(g, x, xOff, qx, dy, dyOff, qdy, dw, dwOff);
        } else if (directWeightGrad(g) && Conv2dWinogradRows.supportsWeightGrad(g)) {
            Conv2dWinogradRows.weightGrad(g, x, xOff, qx, dy, dyOff, qdy, dw, dwOff);
        } else if (directWeightGrad(g) && Conv2dDirect.supportsWeightGrad(g)) {
            Conv2dDirect.weightGrad(g, x, xOff, qx, dy, dyOff, qdy, dw, dwOff);
        } else {
            Conv2dIm2col.weightGrad(g, x, xOff, qx, dy, dyOff, qdy, dw, dwOff);
        }
    }

    /**
     * The direct path wins on large feature maps; from 8x8 down the patch matrix over a chunk of
     * images makes wider GEMMs (measured on one core, CPU time: ResNet-20/18 layers, see ConvLayersTimer).
     */
    static boolean direct(ConvShape g) {
        return Sgemm.SIMD && g.outH() * g.outW() >= DIRECT_MIN_PIXELS;
    }

    /**
     * A layer pruned to at most {@link SparseRows#SMALL_MAP_MAX_DENSITY} on maps of 8 to 15 columns also
     * takes the direct path, whose sparse kernel reads the padded image in place (ResNet-20's 64->64 8x8
     * layer at 17%: 2.45 against 3.6 ms for the dense patch path; the thresholds' measurements are in
     * {@link SparseRows}); "same" convs among them read stacks of images sharing their padding
     * ({@link Conv2dSparseStacked}: 1.9 ms).
     */
    static boolean sparseDirect(ConvShape g, float[] w, int wOff) {
        return Sgemm.SIMD && g.outW() >= 8
                && SparseRows.density(w, wOff, g.weightSize()) <= SparseRows.SMALL_MAP_MAX_DENSITY;
    }

    /**
     * Whether the forward f (or an input gradient run as the forward f) takes F(2x2, 3x3) ahead of the direct path:
     * on maps the direct path would take that {@link Conv2dWinograd2d} takes too (with 8-lane vectors 16-wide maps
     * from 128 channels; with 16 lanes only maps 8 or fewer wide, tall enough for 256 pixels), unless the weights
     * are pruned enough for the direct path's sparse kernels.
     */
    private static boolean wideWinograd2d(ConvShape f, float[] w, int wOff) {
        return direct(f) && Conv2dWinograd2d.supports(f) && !Conv2dDirect.takesSparse(f, w, wOff);
    }

    /** Output pixels per image from which the direct path is used (tuning: -Dpeekaboo.conv.directMinPixels). */
    private static final int DIRECT_MIN_PIXELS = Integer.getInteger("peekaboo.conv.directMinPixels", 256);

    /**
     * The direct weight gradient keeps 16 partial-sum lanes per weight: it wins on large feature maps and on
     * small layers. Since its partial sums are kept per pass over the taps (session 5) it also came close on
     * ResNet-18's 128->128 16x16 layer, but not past the patch path (20.5-21.6 against 18.0-19.9 ms), so
     * this rule stays.
     */
    static boolean directWeightGrad(ConvShape g) {
        long lanes = 16L * g.weightSize();
        return Sgemm.SIMD && (g.outH() * g.outW() >= 1024 || (g.outH() * g.outW() >= DIRECT_MIN_PIXELS && lanes <= 1 << 18));
    }

    // ---- helpers shared by the paths -----------------------------------------------------

    /**
     * At stride 1 the input gradient is itself a forward convolution: of dy, with the weights
     * transposed (k and c swapped) and flipped in both taps, and padding dil*(r-1) - pad.
     */
    static boolean inputGradIsForward(ConvShape g) {
        return g.strideH() == 1 && g.strideW() == 1
                && g.padH() <= g.dilH() * (g.r() - 1) && g.padW() <= g.dilW() * (g.s() - 1);
    }

    /** The forward convolution whose output is the input gradient of g (see {@link #inputGradIsForward}). */
    static ConvShape inputGradAsForward(ConvShape g) {
        return new ConvShape(g.n(), g.k(), g.outH(), g.outW(), g.c(), g.r(), g.s(), 1, 1,
                g.dilH() * (g.r() - 1) - g.padH(), g.dilW() * (g.s() - 1) - g.padW(), g.dilH(), g.dilW(),
                g.groups());
    }

    /**
     * Group gi's weights of {@link #inputGradAsForward} as op(A) [c/groups, (k/groups)*r*s], packed straight
     * from w (the values of {@link #flippedWeights} without writing them out).
     */
    static SgemmDriver.PackA flippedA(ConvShape g, float[] w, int wOff, int gi) {
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int taps = g.r() * g.s();
        return (i0, mc, k0, kc, dst, dstOff) -> {
            for (int ir = 0; ir < mc; ir += SgemmKernel.MR) {
                int base = dstOff + ir * kc;
                for (int i = 0; i < SgemmKernel.MR; i++) {
                    if (ir + i >= mc) {
                        for (int p = 0; p < kc; p++) {
                            dst[base + p * SgemmKernel.MR + i] = 0f;
                        }
                        continue;
                    }
                    int ci = i0 + ir + i;
                    // column k0 + p is (ko, t): w[ko][ci][taps - 1 - t]
                    for (int p = 0, ko = k0 / taps, t = k0 % taps; p < kc; p++) {
                        dst[base + p * SgemmKernel.MR + i] = w[wOff + ((gi * kg + ko) * cg + ci) * taps + taps - 1 - t];
                        if (++t == taps) {
                            t = 0;
                            ko++;
                        }
                    }
                }
            }
        };
    }

    /** The weights of {@link #inputGradAsForward}: wf[gi][ci][ko][r-1-ty][s-1-tx] = w[gi][ko][ci][ty][tx]. */
    static float[] flippedWeights(ConvShape g, float[] w, int wOff) {
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int taps = g.r() * g.s();
        float[] wf = new float[g.weightSize()];
        for (int gi = 0; gi < g.groups(); gi++) {
            for (int ko = 0; ko < kg; ko++) {
                for (int ci = 0; ci < cg; ci++) {
                    int src = wOff + ((gi * kg + ko) * cg + ci) * taps;
                    int dst = ((gi * cg + ci) * kg + ko) * taps;
                    for (int i = 0; i < taps; i++) {
                        wf[dst + taps - 1 - i] = w[src + i];
                    }
                }
            }
        }
        return wf;
    }

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

    /** dw[dwOff + i] += partial[t][i] for every per-thread partial sum but the first (which is dw itself). */
    static void addPartials(float[][] partial, float[] dw, int dwOff, int size) {
        for (int t = 1; t < partial.length; t++) {
            for (int i = 0; i < size; i++) {
                dw[dwOff + i] += partial[t][i];
            }
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
}
