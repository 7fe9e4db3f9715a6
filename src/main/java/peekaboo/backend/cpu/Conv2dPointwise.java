package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.MR;
import static peekaboo.backend.cpu.SgemmKernel.NR;
import static peekaboo.backend.cpu.SgemmKernel.VL;

import java.util.Arrays;
import peekaboo.backend.ConvShape;

/**
 * Strided 1x1 convolutions (the ResNets' projection shortcuts: 1x1, stride 2, no padding). Each is a plain
 * matrix product per image once the input's strided pixels are gathered: with xs[ci][p] = x[ci][sH*oy][sW*ox]
 * (p = oy*outW + ox),
 * <pre>
 *   forward:    y[ko][p]  = sum over ci of w[ko][ci] xs[ci][p]
 *   input grad: dx[ci][sH*oy][sW*ox] = sum over ko of w[ko][ci] dy[ko][p]   (dx is zero between those pixels)
 *   weight grad: dw[ko][ci] = sum over images and p of dy[ko][p] xs[ci][p]
 * </pre>
 * The two products with w run the GEMM micro-kernel on the gathered image in place ({@link
 * SgemmKernel#kernelIndexed}), the weight gradient runs the dot kernel with its partial sums along p. The
 * patch path did the same work through im2col packing built for any kernel. ResNet-20's 16->32 32x32 shortcut,
 * batch 128, 2 threads, mean of 1,000 calls in a row (Zen 5): forward 0.41 -> 0.23 ms, input gradient 0.47 ->
 * 0.30, weight gradient 0.78 -> 0.32; ResNet-18's 64->128 32x32, batch 32 (ConvLayersTimer): forward 1.01-1.06
 * -> 0.56 ms, input gradient 0.90-1.19 -> 0.74-0.76 (its weight gradient, 8,192 weights, stays on the patch
 * path: see {@link #fitsWeightGrad}).
 */
final class Conv2dPointwise {

    private Conv2dPointwise() {
    }

    /**
     * Whether g is a strided 1x1 convolution this class computes (the weight gradient also needs {@link
     * #fitsWeightGrad}): at least a panel of {@link SgemmKernel#NR} output pixels per image. Below that the patch
     * path's wider GEMMs over several images win (ResNet-18's 256->512 8x8 -> 4x4 shortcut, batch 32: forward
     * 0.55 against 0.75-0.83 ms here).
     */
    static boolean supports(ConvShape g) {
        return Sgemm.SIMD && g.r() == 1 && g.s() == 1 && g.padH() == 0 && g.padW() == 0 && g.groups() == 1
                && (g.strideH() > 1 || g.strideW() > 1) && g.outH() * g.outW() >= NR
                && g.c() <= SgemmDriver.KC && g.k() <= SgemmDriver.KC;
    }

    /** Partial sums of the weight gradient per part, at most this many bytes (k*c*16 lanes of 4 bytes: k*c <= 4096). */
    private static final long ACC_MAX_BYTES = 256 * 1024;

    static boolean fitsWeightGrad(ConvShape g) {
        return supports(g) && 4L * tiles(g.k()) * tiles(g.c()) * 16 * VL <= ACC_MAX_BYTES;
    }

    private static int tiles(int n) {
        return (n + 3) / 4;
    }

    /** Per-thread buffers, grown on demand. */
    private static final class Workspace {
        float[] gathered = new float[0];
        float[] quantized = new float[0];
        float[] other = new float[0];
        float[] acc = new float[0];
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /**
     * xs[dst + ci*row + p] = x[src + ci*h*w + (sH*oy)*w + sW*ox] for the c channels of one image, p over the
     * outH*outW output pixels; the row - outH*outW floats after each channel's pixels are zeroed.
     */
    private static void gather(ConvShape g, float[] x, int src, float[] xs, int dst, int row) {
        int h = g.h();
        int w = g.w();
        int oh = g.outH();
        int ow = g.outW();
        int sh = g.strideH();
        int sw = g.strideW();
        for (int ci = 0; ci < g.c(); ci++, src += h * w, dst += row) {
            int d = dst;
            for (int oy = 0; oy < oh; oy++) {
                int s = src + oy * sh * w;
                for (int ox = 0; ox < ow; ox++, s += sw) {
                    xs[d++] = x[s];
                }
            }
            Arrays.fill(xs, d, dst + row, 0f);
        }
    }

    /** Offsets of the rows of a B panel read in place: row i at i*row. */
    private static int[] rowOffsets(int rows, int row) {
        int[] offs = new int[rows];
        for (int i = 0; i < rows; i++) {
            offs[i] = i * row;
        }
        return offs;
    }

    /**
     * out[outOff + i*p + j] = sum over q of op(A)[i][q] b[bOff + q*p + j] for the m rows of the packed op(A)
     * and the p columns: one kernel call per MR x NR tile, the B panel read in place (b must hold NR floats
     * past each row's p-th column).
     */
    private static void product(SgemmDriver.PackedA a, float[] b, int bOff, int p, int[] offs, float[] out,
            int outOff, float[] t) {
        for (int j0 = 0; j0 < p; j0 += NR) {
            int nr = Math.min(NR, p - j0);
            for (int ic = 0; ic < a.m; ic += MR) {
                SgemmKernel.kernelIndexed(a.k, a.data, a.offset(ic, 0, a.k), b, bOff + j0, VL, offs, 0, t);
                SgemmKernel.merge(t, out, outOff + ic * p + j0, p, false, Math.min(MR, a.m - ic), nr);
            }
        }
    }

    /** y = conv(x, w) + bias (bias nullable). */
    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        int c = g.c();
        int k = g.k();
        int p = g.outH() * g.outW();
        int row = p + NR; // room for the last panel's reads past the pixels
        SgemmDriver.PackedA a = new SgemmDriver.PackedA(k, c, SgemmDriver.matrixA(false, w, wOff, c), null);
        int[] offs = rowOffsets(c, row);
        Parallel.forEachTask(g.n(), b -> {
            Workspace ws = WORKSPACE.get();
            float[] xs = ws.gathered = Buffers.grow(ws.gathered, c * row);
            gather(g, x, xOff + b * c * g.h() * g.w(), xs, 0, row);
            int yo = yOff + b * k * p;
            product(a, xs, 0, p, offs, y, yo, ws.tile);
            if (bias != null) {
                Conv2dF32.addRowBias(y, yo, k, p, bias, biasOff);
            }
        });
    }

    /** dx = the gradient of {@link #forward} with respect to x, given dy. */
    static void inputGrad(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        int c = g.c();
        int k = g.k();
        int h = g.h();
        int wd = g.w();
        int ow = g.outW();
        int p = g.outH() * ow;
        int row = p + NR;
        // op(A) = w^T (c x k), w stored k x c
        SgemmDriver.PackedA a = new SgemmDriver.PackedA(c, k, SgemmDriver.matrixA(true, w, wOff, c), null);
        int[] offs = rowOffsets(k, row);
        Parallel.forEachTask(g.n(), b -> {
            Workspace ws = WORKSPACE.get();
            float[] ds = ws.gathered = Buffers.grow(ws.gathered, k * row);
            for (int ko = 0; ko < k; ko++) { // dy's rows spaced for the panels' reads past their ends
                System.arraycopy(dy, dyOff + (b * k + ko) * p, ds, ko * row, p);
            }
            float[] z = ws.other = Buffers.grow(ws.other, c * p);
            product(a, ds, 0, p, offs, z, 0, ws.tile);
            int d0 = dxOff + b * c * h * wd;
            Arrays.fill(dx, d0, d0 + c * h * wd, 0f);
            for (int ci = 0, s = 0; ci < c; ci++) {
                for (int oy = 0; oy < g.outH(); oy++) {
                    int d = d0 + ci * h * wd + oy * g.strideH() * wd;
                    for (int ox = 0; ox < ow; ox++, d += g.strideW()) {
                        dx[d] = z[s++];
                    }
                }
            }
        });
    }

    /**
     * dw = the gradient of {@link #forward} with respect to w, of Q(x) and Q(dy) where the quantisers are not
     * null. Images go in a fixed split into parts, each summing its 4 x 4 blocks of dw as lane-wise partial
     * sums over p (the dot kernel); the parts' sums are added in part order, so the result does not depend on
     * the threads.
     */
    static void weightGrad(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy, int dyOff,
            PabKernels.Quantizing qdy, float[] dw, int dwOff) {
        int c = g.c();
        int k = g.k();
        int hw = g.h() * g.w();
        int p = g.outH() * g.outW();
        int row = SgemmDriver.roundUp(p, VL); // whole vectors per channel, zero past p
        int count = row / VL;
        int tk = tiles(k);
        int tc = tiles(c);
        int accSize = tk * tc * 16 * VL;
        // images per kernel call: their rows of x and dy within ~64 KB
        int per = Math.max(1, Math.min(g.n(), 64 * 1024 / (4 * (k + c) * row)));
        int parts = Math.max(1, Math.min((g.n() + per - 1) / per, Parallel.threads() * Conv2dDirect.BLOCKS_PER_THREAD));
        float[][] partial = new float[parts][k * c];
        Parallel.forEachTask(parts, part -> {
            Workspace ws = WORKSPACE.get();
            float[] xs = ws.gathered = Buffers.grow(ws.gathered, per * c * row);
            float[] ds = ws.other = Buffers.grow(ws.other, per * k * row);
            float[] acc = ws.acc = Buffers.grow(ws.acc, accSize);
            Arrays.fill(acc, 0, accSize, 0f);
            int b1 = (int) ((long) g.n() * (part + 1) / parts);
            for (int b0 = (int) ((long) g.n() * part / parts); b0 < b1; b0 += per) {
                int images = Math.min(per, b1 - b0);
                for (int i = 0; i < images; i++) {
                    int b = b0 + i;
                    if (qx == null) {
                        gather(g, x, xOff + b * c * hw, xs, i * c * row, row);
                    } else {
                        float[] raw = ws.quantized = Buffers.grow(ws.quantized, c * row);
                        gather(g, x, xOff + b * c * hw, raw, 0, row);
                        qx.copy(raw, 0, xs, i * c * row, c * row); // Q keeps the zeros past p zero
                    }
                    for (int ko = 0; ko < k; ko++) {
                        int d = (i * k + ko) * row;
                        PabKernels.Quantizing.copy(qdy, dy, dyOff + (b * k + ko) * p, ds, d, p);
                        Arrays.fill(ds, d + p, d + row, 0f);
                    }
                }
                for (int ti = 0; ti < tk; ti++) {
                    int a0 = Math.min(4 * ti, k - 1) * row;
                    int a1 = Math.min(4 * ti + 1, k - 1) * row;
                    int a2 = Math.min(4 * ti + 2, k - 1) * row;
                    int a3 = Math.min(4 * ti + 3, k - 1) * row;
                    for (int tj = 0; tj < tc; tj++) {
                        SgemmKernel.dotKernel(images, k * row, c * row, count, VL, VL, ds, a0, a1, a2, a3, xs,
                                Math.min(4 * tj, c - 1) * row, Math.min(4 * tj + 1, c - 1) * row,
                                Math.min(4 * tj + 2, c - 1) * row, Math.min(4 * tj + 3, c - 1) * row,
                                acc, (ti * tc + tj) * 16 * VL);
                    }
                }
            }
            Conv2dDirect.reduceTiles(acc, k, c, tk, 4, 0, tc, partial[part], 0);
        });
        System.arraycopy(partial[0], 0, dw, dwOff, k * c);
        Conv2dF32.addPartials(partial, dw, dwOff, k * c);
    }
}
