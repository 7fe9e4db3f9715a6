package peekaboo.backend.cpu;

import java.util.Arrays;
import peekaboo.backend.ConvShape;

/**
 * Strided (and other non-direct) convolutions through an explicit per-image patch matrix.
 *
 * <p>Per image and group, cols[CRS, P] holds the patches of the input (im2col, CRS = (c/groups)*r*s
 * rows, P = outH*outW columns), built once into a per-thread buffer with plain row copies. Then:
 * <ul>
 * <li>forward: y[K, P] = W[K, CRS] . cols;
 * <li>inputGrad: dcols[CRS, P] = W^T . dy[K, P], then col2im adds every column back onto the pixel
 *     it was read from. For stride s this touches each dy value once, where an implicit transposed
 *     convolution would multiply (s*s - 1)/(s*s) zeros;
 * <li>weightGrad: dW[K, CRS] += dy[K, P] . cols^T, one partial sum per thread.
 * </ul>
 * Every product is one call of the packed SGEMM on contiguous operands.
 */
final class Conv2dStrided {

    private Conv2dStrided() {
    }

    private static final class Workspace {
        float[] cols = new float[0];

        float[] cols(int size) {
            return cols.length >= size ? cols : (cols = new float[size]);
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        int p = g.outH() * g.outW();
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        int hw = g.h() * g.w();
        Conv2dF32.forImages(g.n(), (b, parallel) -> {
            float[] cols = WORKSPACE.get().cols(crs * p);
            for (int gi = 0; gi < g.groups(); gi++) {
                im2col(g, x, xOff + (b * g.c() + gi * cg) * hw, cols);
                int yo = yOff + (b * g.k() + gi * kg) * p;
                gemm(parallel, kg, p, crs, SgemmDriver.matrixA(false, w, wOff + gi * kg * crs, crs),
                        SgemmDriver.matrixB(false, cols, 0, p), y, yo, p, false);
                if (bias != null) {
                    Conv2dF32.addRowBias(y, yo, kg, p, bias, biasOff + gi * kg);
                }
            }
        });
    }

    static void inputGrad(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        int p = g.outH() * g.outW();
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        int hw = g.h() * g.w();
        Conv2dF32.forImages(g.n(), (b, parallel) -> {
            float[] dcols = WORKSPACE.get().cols(crs * p);
            for (int gi = 0; gi < g.groups(); gi++) {
                // W for group gi is [kg, crs] row-major: op(A) = W^T is crs x kg
                gemm(parallel, crs, p, kg, SgemmDriver.matrixA(true, w, wOff + gi * kg * crs, crs),
                        SgemmDriver.matrixB(false, dy, dyOff + (b * g.k() + gi * kg) * p, p), dcols, 0, p, false);
                int xo = dxOff + (b * g.c() + gi * cg) * hw;
                Arrays.fill(dx, xo, xo + cg * hw, 0f);
                col2im(g, dcols, dx, xo);
            }
        });
    }

    static void weightGrad(ConvShape g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        int p = g.outH() * g.outW();
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        int hw = g.h() * g.w();
        int size = g.weightSize();
        int chunks = Math.max(1, Math.min(g.n(), Parallel.threads()));
        float[][] partial = new float[chunks][];
        Parallel.forRange(chunks, (c0, c1) -> {
            float[] cols = WORKSPACE.get().cols(crs * p);
            for (int ch = c0; ch < c1; ch++) {
                float[] acc = ch == 0 ? dw : new float[size];
                int accOff = ch == 0 ? dwOff : 0;
                partial[ch] = acc;
                int b0 = (int) ((long) g.n() * ch / chunks);
                int b1 = (int) ((long) g.n() * (ch + 1) / chunks);
                if (b0 == b1) {
                    Arrays.fill(acc, accOff, accOff + size, 0f);
                }
                for (int b = b0; b < b1; b++) {
                    for (int gi = 0; gi < g.groups(); gi++) {
                        im2col(g, x, xOff + (b * g.c() + gi * cg) * hw, cols);
                        // op(B) = cols^T: cols is stored crs x p, i.e. "n x k" with ldb = p
                        SgemmDriver.gemmRange(0, kg, 0, crs, p,
                                SgemmDriver.matrixA(false, dy, dyOff + (b * g.k() + gi * kg) * p, p),
                                SgemmDriver.matrixB(true, cols, 0, p), acc, accOff + gi * kg * crs, crs, b > b0);
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

    private static void gemm(boolean parallel, int m, int n, int k, SgemmDriver.PackA pa, SgemmDriver.PackB pb,
            float[] c, int cOff, int ldc, boolean accumulate) {
        if (parallel) {
            SgemmDriver.gemm(m, n, k, pa, pb, c, cOff, ldc, accumulate);
        } else {
            SgemmDriver.gemmRange(0, m, 0, n, k, pa, pb, c, cOff, ldc, accumulate);
        }
    }

    /** cols[(ci*r + ty)*s + tx][oy*outW + ox] = x[ci][oy*sH - pH + ty*dH][ox*sW - pW + tx*dW], 0 outside. */
    static void im2col(ConvShape g, float[] x, int xOff, float[] cols) {
        int oh = g.outH();
        int ow = g.outW();
        int row = 0;
        for (int ci = 0; ci < g.cPerGroup(); ci++) {
            int chan = xOff + ci * g.h() * g.w();
            for (int ty = 0; ty < g.r(); ty++) {
                for (int tx = 0; tx < g.s(); tx++, row++) {
                    int shiftX = tx * g.dilW() - g.padW();
                    int lo = firstInside(shiftX, g.strideW(), ow);
                    int hi = endInside(shiftX, g.strideW(), ow, g.w());
                    int d = row * oh * ow;
                    for (int oy = 0; oy < oh; oy++, d += ow) {
                        int iy = oy * g.strideH() - g.padH() + ty * g.dilH();
                        if (iy < 0 || iy >= g.h() || hi <= lo) {
                            Arrays.fill(cols, d, d + ow, 0f);
                            continue;
                        }
                        Arrays.fill(cols, d, d + lo, 0f);
                        int src = chan + iy * g.w() + shiftX;
                        int sx = g.strideW();
                        for (int ox = lo; ox < hi; ox++) {
                            cols[d + ox] = x[src + ox * sx];
                        }
                        Arrays.fill(cols, d + hi, d + ow, 0f);
                    }
                }
            }
        }
    }

    /** dx[ci][iy][ix] += dcols[row][oy*outW + ox] for every patch entry that read (iy, ix): the adjoint of im2col. */
    static void col2im(ConvShape g, float[] dcols, float[] dx, int dxOff) {
        int oh = g.outH();
        int ow = g.outW();
        int row = 0;
        for (int ci = 0; ci < g.cPerGroup(); ci++) {
            int chan = dxOff + ci * g.h() * g.w();
            for (int ty = 0; ty < g.r(); ty++) {
                for (int tx = 0; tx < g.s(); tx++, row++) {
                    int shiftX = tx * g.dilW() - g.padW();
                    int lo = firstInside(shiftX, g.strideW(), ow);
                    int hi = endInside(shiftX, g.strideW(), ow, g.w());
                    int d = row * oh * ow;
                    for (int oy = 0; oy < oh; oy++, d += ow) {
                        int iy = oy * g.strideH() - g.padH() + ty * g.dilH();
                        if (iy < 0 || iy >= g.h()) {
                            continue;
                        }
                        int dst = chan + iy * g.w() + shiftX;
                        int sx = g.strideW();
                        for (int ox = lo; ox < hi; ox++) {
                            dx[dst + ox * sx] += dcols[d + ox];
                        }
                    }
                }
            }
        }
    }

    /** The first ox in [0, ow) with ox*stride + shift >= 0. */
    private static int firstInside(int shift, int stride, int ow) {
        return shift >= 0 ? 0 : Math.min(ow, (-shift + stride - 1) / stride);
    }

    /** One past the last ox in [0, ow) with ox*stride + shift < w. */
    private static int endInside(int shift, int stride, int ow, int w) {
        if (shift >= w) {
            return 0;
        }
        return Math.min(ow, (w - shift + stride - 1) / stride);
    }
}
