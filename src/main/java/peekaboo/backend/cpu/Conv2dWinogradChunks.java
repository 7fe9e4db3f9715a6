package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.S;
import static peekaboo.backend.cpu.SgemmKernel.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import peekaboo.backend.ConvShape;

/**
 * F(2, 3) along the rows ({@link WinogradRows}) for the small maps of the patch path ({@link Conv2dIm2col}):
 * per chunk of images the transformed rows u_0..u_3 are written as four padded chunks of th x Wp images (th =
 * half the output rows, Wp the padded width), each u_i is convolved with its transformed kernel row v_i by
 * one GEMM over its patches ({@link PaddedPatches} with a 1 x s kernel and no padding), and the four results
 * are combined into pairs of output rows. The four GEMMs make 2/3 of the multiply-adds of the patch path's
 * one. The weight gradient is the transposed algorithm: four GEMMs of the transformed dy rows against the
 * transposed patches of u_0..u_3.
 *
 * <p>Taken by ungrouped layers with three kernel rows at stride 1 and 8 channels or more on the patch path,
 * at least 8 wide: the forward and (as the forward of dy with flipped weights) the input gradient of dense
 * ones, and the weight gradient.
 */
final class Conv2dWinogradChunks {

    private Conv2dWinogradChunks() {
    }

    /**
     * Narrower outputs stay on the plain patch path: calls alternating in one JVM, 2 threads, ResNet-18's
     * 512->512 4x4 layer (batch 32) ran 12.64 ms there against 13.05 here (the transforms and the four
     * result blocks cost more than the third of the multiply-adds saved on so few columns).
     */
    private static final int MIN_WIDTH = 8;

    static boolean supports(ConvShape g) {
        return Conv2dWinogradRows.applies(g) && g.groups() == 1 && g.outW() >= MIN_WIDTH;
    }

    /**
     * The weight gradient: the same layers, dense or not, also with 16-wide maps (where the patch path takes
     * the weight gradient of layers too large for the direct one's partial sums).
     */
    static boolean supportsWeightGrad(ConvShape g) {
        return Conv2dWinogradRows.applies(g) && g.groups() == 1 && g.outW() >= MIN_WIDTH;
    }

    /** Per-thread buffers, grown on demand and reused. */
    private static final class Workspace {
        final float[][] u = new float[4][0];
        final float[][] m = new float[4][0];
        float[] a = new float[0];
        float[] scratch = new float[0];
        float[] top = new float[0];
        float[] bottom = new float[0];
        float[] zeros = new float[0];
        /** The call that last zeroed u (the padding columns stay zero within a call). */
        long zeroedFor = -1;

        /** The four u buffers, at least size floats, zeroed at the first use in a call. */
        float[][] u(int size, long call) {
            for (int i = 0; i < 4; i++) {
                if (u[i].length < size) {
                    u[i] = new float[size];
                } else if (zeroedFor != call) {
                    Arrays.fill(u[i], 0, size, 0f);
                }
            }
            zeroedFor = call;
            return u;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    private static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();
    /**
     * The transformed weights' packing buffers, kept per calling thread (as {@code Conv2dIm2col} keeps its
     * packed weights: a large layer's would be allocated and zeroed anew at every call otherwise).
     */
    private static final ThreadLocal<float[][]> PACKED = ThreadLocal.withInitial(() -> new float[4][]);

    /** y = conv2d(x, w) + bias (bias nullable) for a layer that {@link #supports} says this path takes. */
    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        int c = g.c();
        int k = g.k();
        int cs = c * g.s();
        int oh = g.outH();
        int ow = g.outW();
        int hw = g.h() * g.w();
        int th = (oh + 1) / 2;
        int wp = g.w() + 2 * g.padW();
        // u_i of one image is a th x Wp image of c channels; a 1 x s convolution of it makes th x ow outputs
        ConvShape rows = new ConvShape(g.n(), c, th, wp, k, 1, g.s(), 1, 1, 0, 0, 1, g.dilW(), 1);
        int p2 = th * ow;
        // at least 8 chunks a thread: the last chunk's thread finishes alone (calls alternating in one JVM, 2
        // threads: 64->64 8x8 batch 128 3.04 -> 2.91 ms with 8 images a chunk instead of 16; ResNet-18's
        // 256->256 8x8 batch 32 9.66 -> 9.32 ms)
        int nb = Math.max(1, Math.min(Conv2dIm2col.imagesPerChunk(rows), g.n() / (Parallel.threads() * 8)));
        PaddedPatches patches = new PaddedPatches(rows, nb);
        float[][] v = WinogradRows.kernelRows(g, w, wOff, 0);
        float[][] reuse = PACKED.get();
        SgemmDriver.PackedA[] packed = new SgemmDriver.PackedA[4];
        for (int i = 0; i < 4; i++) {
            packed[i] = new SgemmDriver.PackedA(k, cs, SgemmDriver.matrixA(false, v[i], 0, cs), reuse[i]);
            reuse[i] = packed[i].data;
        }
        long call = CALLS.incrementAndGet();
        Conv2dIm2col.forChunks(g.n(), nb, (b0, b1, parallel) -> {
            int cols = (b1 - b0) * p2;
            Workspace ws = WORKSPACE.get();
            float[][] u = ws.u(patches.bufferSize(nb), call);
            float[][] m = ws.m;
            for (int i = 0; i < 4; i++) {
                m[i] = Buffers.grow(m[i], k * nb * p2);
            }
            ws.zeros = Buffers.grow(ws.zeros, Math.max(g.w(), VL));
            for (int b = b0; b < b1; b++) {
                int o = (b - b0) * patches.imageSize;
                WinogradRows.inputRows(g, x, xOff + b * c * hw, th, wp, ws.zeros, u[0], o, u[1], o, u[2], o,
                        u[3], o);
            }
            for (int i = 0; i < 4; i++) {
                Conv2dIm2col.gemm(parallel, packed[i], cols, patches.asB(u[i]), m[i], 0, cols);
            }
            ws.top = Buffers.grow(ws.top, p2);
            ws.bottom = Buffers.grow(ws.bottom, p2);
            for (int b = b0; b < b1; b++) {
                for (int ko = 0; ko < k; ko++) {
                    float bv = bias == null ? 0f : bias[biasOff + ko];
                    combine(m, ko * cols + (b - b0) * p2, p2, bv, ws.top, ws.bottom);
                    int dst = yOff + (b * k + ko) * oh * ow;
                    for (int ty = 0; ty < th; ty++) {
                        System.arraycopy(ws.top, ty * ow, y, dst + 2 * ty * ow, ow);
                        if (2 * ty + 1 < oh) {
                            System.arraycopy(ws.bottom, ty * ow, y, dst + (2 * ty + 1) * ow, ow);
                        }
                    }
                }
            }
        });
    }

    /**
     * The weight gradient of Q(x) and Q(dy) (null quantisers: plain) by the transpose of F(2, 3) along the
     * rows ({@link Conv2dWinogradRows#weightGrad}) over chunks of images: per chunk, u_0..u_3 as in the
     * forward and a_0..a_3 from dy's row pairs, then m_i += a_i . patches(u_i)^T by four GEMMs (the patch
     * path's weight gradient with a 1 x s kernel over half the rows), summed in fixed parts of the chunks
     * (see {@link Conv2dIm2col#weightGrad}) and combined into dw per part.
     */
    static void weightGrad(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy, int dyOff,
            PabKernels.Quantizing qdy, float[] dw, int dwOff) {
        int c = g.c();
        int k = g.k();
        int s = g.s();
        int cs = c * s;
        int oh = g.outH();
        int ow = g.outW();
        int hw = g.h() * g.w();
        int th = (oh + 1) / 2;
        int wp = g.w() + 2 * g.padW();
        ConvShape rows = new ConvShape(g.n(), c, th, wp, k, 1, s, 1, 1, 0, 0, 1, g.dilW(), 1);
        int p2 = th * ow;
        int nb = Conv2dIm2col.imagesPerChunk(rows);
        int chunks = (g.n() + nb - 1) / nb;
        int parts = Math.max(1, Math.min(chunks, Parallel.threads() * Conv2dDirect.BLOCKS_PER_THREAD));
        float[][] partial = new float[parts][];
        boolean parallelGemm = chunks < Parallel.threads();
        PaddedPatches patches = new PaddedPatches(rows, nb);
        long call = CALLS.incrementAndGet();
        Parallel.RangeBody body = (q0, q1) -> {
            Workspace ws = WORKSPACE.get();
            float[] m = new float[4 * k * cs];
            for (int part = q0; part < q1; part++) {
                float[] out = part == 0 ? dw : new float[g.weightSize()];
                int outOff = part == 0 ? dwOff : 0;
                partial[part] = out;
                int c0 = (int) ((long) chunks * part / parts);
                int c1 = (int) ((long) chunks * (part + 1) / parts);
                Arrays.fill(m, 0f);
                for (int ch = c0; ch < c1; ch++) {
                    int b0 = ch * nb;
                    int b1 = Math.min(g.n(), b0 + nb);
                    int cols = (b1 - b0) * p2;
                    float[][] u = ws.u(patches.bufferSize(nb), call);
                    ws.a = Buffers.grow(ws.a, 4 * k * cols + VL);
                    ws.zeros = Buffers.grow(ws.zeros, Math.max(Math.max(g.w(), ow), VL));
                    for (int b = b0; b < b1; b++) {
                        float[] xs = x;
                        int xs0 = xOff + b * c * hw;
                        if (qx != null) {
                            xs = ws.scratch = Buffers.grow(ws.scratch, Math.max(c * hw, k * oh * ow));
                            qx.copy(x, xs0, xs, 0, c * hw);
                            xs0 = 0;
                        }
                        int o = (b - b0) * patches.imageSize;
                        WinogradRows.inputRows(g, xs, xs0, th, wp, ws.zeros, u[0], o, u[1], o, u[2], o, u[3], o);
                        float[] ds = dy;
                        int ds0 = dyOff + b * k * oh * ow;
                        if (qdy != null) {
                            ds = ws.scratch = Buffers.grow(ws.scratch, Math.max(c * hw, k * oh * ow));
                            qdy.copy(dy, ds0, ds, 0, k * oh * ow);
                            ds0 = 0;
                        }
                        // a_i[ko][(b, ty, ox)] at a[i*k*cols + ko*cols + (b - b0)*p2 + ty*ow + ox]
                        WinogradRows.dyRows(ds, ds0, k, oh, ow, th, ow, ws.zeros, ws.a, (b - b0) * p2, cols);
                    }
                    for (int i = 0; i < 4; i++) {
                        // op(B) = patches^T: pixels down, patch rows across
                        SgemmDriver.PackA dyRows = SgemmDriver.matrixA(false, ws.a, i * k * cols, cols);
                        Conv2dIm2col.gemm(parallelGemm, k, cs, cols, dyRows, patches.transposedAsB(u[i]), m,
                                i * k * cs, cs, true);
                    }
                }
                WinogradRows.weightGradRows(m, 0, k * cs, c, s, out, outOff);
            }
        };
        if (parallelGemm) {
            body.run(0, parts);
        } else {
            Parallel.forEachTask(parts, part -> body.run(part, part + 1));
        }
        Conv2dF32.addPartials(partial, dw, dwOff, g.weightSize());
    }

    /** top = m0 + m1 + m2 + bias and bottom = m1 - m2 - m3 + bias over m_i[src, src + len). */
    private static void combine(float[][] m, int src, int len, float bias, float[] top, float[] bottom) {
        float[] m0 = m[0];
        float[] m1 = m[1];
        float[] m2 = m[2];
        float[] m3 = m[3];
        int whole = len / VL * VL;
        int j = 0;
        for (; j < whole; j += VL) {
            FloatVector v1 = FloatVector.fromArray(S, m1, src + j);
            FloatVector v2 = FloatVector.fromArray(S, m2, src + j);
            FloatVector.fromArray(S, m0, src + j).add(v1).add(v2).add(bias).intoArray(top, j);
            v1.sub(v2).sub(FloatVector.fromArray(S, m3, src + j)).add(bias).intoArray(bottom, j);
        }
        for (; j < len; j++) {
            top[j] = m0[src + j] + m1[src + j] + m2[src + j] + bias;
            bottom[j] = m1[src + j] - m2[src + j] - m3[src + j] + bias;
        }
    }
}
