package peekaboo.backend.cpu;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import peekaboo.backend.ConvShape;

/**
 * Pruned "same" convolutions (stride 1, an odd square kernel, padding (r-1)/2) on small maps, computed over
 * stacks of images that share their zero padding. ResNet-20's 8x8 stage keeps only ~17% of its weights after
 * SynFlow at density 0.3, so its convolutions multiply only the non-zero taps ({@link SparseRows}); on a map
 * this small, per-image padding would make junk of half the work.
 *
 * <p>Layout (p the padding): each channel of a stack of B images is one run of floats; a row is w pixels
 * followed by p zeros (row stride wq = w + p, so a row's right padding is the next row's left padding), an
 * image is h rows followed by p zero rows (image stride h + p rows, its bottom padding the next image's top
 * padding), and the run starts with p rows and p columns of zeros. Output pixel (b, oy, ox) is the virtual
 * column q = b*plane + oy*wq + ox, and tap (ci, ty, tx) reads the run of channel ci at q + ty*wq + tx, one
 * contiguous vector load for any tap. An 8x8 map uses 64 of every 81 columns (per-image padding: 64 of 128).
 *
 * <p>{@link #forward} serves the forward and, as the forward of dy with the flipped weights, the input
 * gradient. {@link #maskedWeightGrad} is PSG's weight gradient where only the unpruned entries are needed
 * (the parameter's gradient is mask * G, spec section 4): one dot product of dy's and a tap's runs per
 * unpruned weight.
 */
final class Conv2dSparseStacked {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();

    private Conv2dSparseStacked() {
    }

    /** -Dpeekaboo.conv.stacked=false: the per-image sparse path of {@link Conv2dDirect} instead. */
    private static final boolean ENABLED = !"false".equals(System.getProperty("peekaboo.conv.stacked"));

    /** Virtual columns per stack, about: 64 channels of it (256 KB) stay in L2 with the outputs. */
    private static final int STACK_COLUMNS = 1024;

    /**
     * Density up to which {@link #maskedWeightGrad} beats the dense weight gradient (Winograd on the patch
     * path), measured in the class's timing notes (README, session 7).
     */
    static final double WGRAD_MAX_DENSITY = Double.parseDouble(System.getProperty("peekaboo.sparse.wgradMaxDensity", "0.3"));

    static boolean applies(ConvShape g) {
        int p = (g.r() - 1) / 2;
        return ENABLED && Sgemm.SIMD && g.groups() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.dilH() == 1
                && g.dilW() == 1 && g.r() == g.s() && g.r() % 2 == 1 && g.padH() == p && g.padW() == p
                && g.outW() >= 8 && g.outW() < 16;
    }

    /**
     * The geometry of one stack of up to {@code images} images: row stride wq, image stride plane, the zeros
     * before the first row (lead), a channel's run length (a whole number of vectors), the virtual columns
     * swept (q, a multiple of the kernels' unit) and each tap's offset (ci*channel + ty*wq + tx).
     */
    record Stack(int images, int wq, int plane, int lead, int channel, int q, int size, int[] offs) {
        static Stack of(ConvShape g, int images, int qUnit) {
            int p = g.padH();
            int wq = g.w() + p;
            int plane = (g.h() + p) * wq;
            int lead = p * wq + p;
            int channel = SgemmDriver.roundUp(lead + images * plane, VL);
            int q = SgemmDriver.roundUp(images * plane, qUnit);
            int[] offs = new int[g.cg() * g.r() * g.s()];
            for (int ci = 0, i = 0; ci < g.cg(); ci++) {
                for (int ty = 0; ty < g.r(); ty++) {
                    for (int tx = 0; tx < g.s(); tx++, i++) {
                        offs[i] = ci * channel + ty * wq + tx;
                    }
                }
            }
            // the last tap of the last channel reads up to (c-1)*channel + 2p*wq + 2p + q <= c*channel + q
            return new Stack(images, wq, plane, lead, channel, q, g.cg() * channel + q, offs);
        }

        /** Where pixel (b, iy, ix) of channel ci lies. */
        int at(int ci, int b, int iy, int ix) {
            return ci * channel + lead + b * plane + iy * wq + ix;
        }
    }

    /** How many stacks a batch makes: ~STACK_COLUMNS columns each, a whole number per thread. */
    private static int stacks(ConvShape g, int plane) {
        int want = (int) Math.max(1, ((long) g.n() * plane + STACK_COLUMNS - 1) / STACK_COLUMNS);
        return Math.min(g.n(), SgemmDriver.roundUp(want, Parallel.threads()));
    }

    private static int firstImage(ConvShape g, int stacks, int s) {
        return (int) ((long) g.n() * s / stacks);
    }

    /** Per-thread buffers, grown on demand; zeroed once per call (later stacks overwrite only pixels). */
    private static final class Workspace {
        float[] xs = new float[0];
        float[] ys = new float[0];
        /** One quantised plane. */
        float[] plane = new float[0];
        long zeroedFor = -1;

        void zeroOnce(long call, int xsSize, int ysSize) {
            if (xs.length < xsSize) {
                xs = new float[xsSize];
            }
            if (ys.length < ysSize) {
                ys = new float[ysSize];
            }
            if (zeroedFor != call) {
                Arrays.fill(xs, 0, xsSize, 0f);
                Arrays.fill(ys, 0, ysSize, 0f);
                zeroedFor = call;
            }
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    private static final AtomicLong CALLS = new AtomicLong();

    /** Copies (quantising by q unless null) images [b0, b0 + nb) of x into the stack; the other slots to zero. */
    private static void packInput(ConvShape g, Stack st, float[] x, int xOff, int b0, int nb,
            PabKernels.Quantizing q, float[] xs, Workspace ws) {
        int hw = g.h() * g.w();
        for (int ci = 0; ci < g.c(); ci++) {
            for (int b = 0; b < nb; b++) {
                copyPlane(x, xOff + ((b0 + b) * g.c() + ci) * hw, g.h(), g.w(), q, xs, st.at(ci, b, 0, 0), st.wq(), ws);
            }
            if (nb < st.images()) {
                Arrays.fill(xs, st.at(ci, nb, 0, 0), st.at(ci, st.images(), 0, 0), 0f);
            }
        }
    }

    /**
     * Copies the rows x h plane at src[s..] to rows dstStride apart at dst[d..], quantising by q unless null;
     * the plane is quantised whole first (its rows are shorter than a vector).
     */
    private static void copyPlane(float[] src, int s, int rows, int cols, PabKernels.Quantizing q, float[] dst, int d,
            int dstStride, Workspace ws) {
        if (q != null) {
            if (ws.plane.length < rows * cols) {
                ws.plane = new float[rows * cols];
            }
            q.copy(src, s, ws.plane, 0, rows * cols);
            src = ws.plane;
            s = 0;
        }
        for (int i = 0; i < rows; i++) {
            System.arraycopy(src, s + i * cols, dst, d + i * dstStride, cols);
        }
    }

    /** y = conv(x, w) + bias for layers where {@link #applies} holds, multiplying only the non-zero weights. */
    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        int p0 = (g.h() + g.padH()) * (g.w() + g.padW());
        int stacks = stacks(g, p0);
        Stack st = Stack.of(g, (g.n() + stacks - 1) / stacks, SparseRows.TILE);
        int crs = g.cg() * g.r() * g.s();
        SparseRows sw = SparseRows.of(w, wOff, g.k(), crs, crs, 1, j -> st.offs()[j]);
        int oh = g.outH();
        int ow = g.outW();
        long call = CALLS.incrementAndGet();
        Parallel.forEachTask(stacks, s -> {
            int b0 = firstImage(g, stacks, s);
            int nb = firstImage(g, stacks, s + 1) - b0;
            Workspace ws = WORKSPACE.get();
            ws.zeroOnce(call, st.size(), 0);
            if (ws.ys.length < g.k() * st.q()) {
                ws.ys = new float[g.k() * st.q()];
            }
            float[] xs = ws.xs;
            float[] ys = ws.ys;
            packInput(g, st, x, xOff, b0, nb, null, xs, ws);
            int used = SgemmDriver.roundUp(nb * st.plane(), SparseRows.TILE);
            for (int ko = 0; ko < g.k(); ko++) {
                for (int q0 = 0; q0 < used; q0 += SparseRows.TILE) {
                    sw.rowTile(ko, xs, q0, ys, ko * st.q() + q0);
                }
            }
            for (int b = 0; b < nb; b++) {
                for (int ko = 0; ko < g.k(); ko++) {
                    float bv = bias == null ? 0f : bias[biasOff + ko];
                    int d = yOff + ((b0 + b) * g.k() + ko) * oh * ow;
                    int src = ko * st.q() + b * st.plane();
                    for (int oy = 0; oy < oh; oy++, d += ow, src += st.wq()) {
                        for (int ox = 0; ox < ow; ox++) {
                            y[d + ox] = ys[src + ox] + bv;
                        }
                    }
                }
            }
        });
    }

    /** Taps per call of {@link #dots}: 8 accumulators and dy's vector, 9 loads per 8 FMAs. */
    private static final int DOT_TAPS = 8;

    /**
     * The weight gradient of Q(x) and Q(dy) at the entries where mask is non-zero; the others are set to zero.
     * Returns an upper bound on |G| at any entry, pruned ones included, for any summation order in float32:
     * by Cauchy-Schwarz |G[ko][ci, ty, tx]| <= ||Q(dy)[:, ko]|| ||Q(x)[:, ci]|| (the shifted window of x is
     * part of the channel), times 1 + 2m 2^-24 for the rounding of m-term float sums (PSG's relative
     * threshold needs max |G| over all entries, spec section 4: see {@code PsgConvolution}). An infinite or
     * NaN bound means no bound.
     */
    static double maskedWeightGrad(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy, int dyOff,
            PabKernels.Quantizing qdy, float[] mask, int maskOff, float[] dw, int dwOff) {
        int p0 = (g.h() + g.padH()) * (g.w() + g.padW());
        int stacks = stacks(g, p0);
        Stack st = Stack.of(g, (g.n() + stacks - 1) / stacks, VL);
        int crs = g.cg() * g.r() * g.s();
        SparseRows kept = SparseRows.of(mask, maskOff, g.k(), crs, crs, 1, j -> st.offs()[j]);
        int nnz = kept.offset.length;
        int oh = g.outH();
        int ow = g.outW();
        float[][] partial = new float[stacks][nnz];
        double[][] xNorm2 = new double[stacks][g.c()];
        double[][] dyNorm2 = new double[stacks][g.k()];
        long call = CALLS.incrementAndGet();
        Parallel.forEachTask(stacks, s -> {
            int b0 = firstImage(g, stacks, s);
            int nb = firstImage(g, stacks, s + 1) - b0;
            Workspace ws = WORKSPACE.get();
            ws.zeroOnce(call, st.size(), g.k() * st.q());
            float[] xs = ws.xs;
            float[] ys = ws.ys;
            packInput(g, st, x, xOff, b0, nb, qx, xs, ws);
            // dy on the same virtual columns (zero at the junk ones), one row of q per output channel
            for (int ko = 0; ko < g.k(); ko++) {
                for (int b = 0; b < nb; b++) {
                    copyPlane(dy, dyOff + ((b0 + b) * g.k() + ko) * oh * ow, oh, ow, qdy, ys, ko * st.q() + b * st.plane(),
                            st.wq(), ws);
                }
                if (nb < st.images()) {
                    Arrays.fill(ys, ko * st.q() + nb * st.plane(), (ko + 1) * st.q(), 0f);
                }
                dyNorm2[s][ko] = sumOfSquares(ys, ko * st.q(), st.q());
            }
            for (int ci = 0; ci < g.c(); ci++) {
                xNorm2[s][ci] = sumOfSquares(xs, ci * st.channel(), st.channel());
            }
            int count = SgemmDriver.roundUp(nb * st.plane(), VL) / VL;
            for (int ko = 0; ko < g.k(); ko++) {
                int end = kept.start[ko + 1];
                for (int e = kept.start[ko]; e < end; e += DOT_TAPS) {
                    dots(count, ys, ko * st.q(), xs, kept.offset, e, end, partial[s]);
                }
            }
        });
        // dw in a fixed order over the stacks: the same sums whichever thread took which stack
        for (int ko = 0, e = 0; ko < g.k(); ko++) {
            for (int j = 0; j < crs; j++) {
                int i = dwOff + ko * crs + j;
                if (mask[maskOff + ko * crs + j] == 0f) {
                    dw[i] = 0f;
                    continue;
                }
                float sum = partial[0][e];
                for (int s = 1; s < stacks; s++) {
                    sum += partial[s][e];
                }
                dw[i] = sum;
                e++;
            }
        }
        return bound(xNorm2, dyNorm2, (long) g.n() * oh * ow);
    }

    /** max ||x_ci|| * max ||dy_ko||, inflated for float rounding (see {@link #maskedWeightGrad}). */
    private static double bound(double[][] xNorm2, double[][] dyNorm2, long terms) {
        double x2 = 0;
        for (int ci = 0; ci < xNorm2[0].length; ci++) {
            double sum = 0;
            for (double[] stack : xNorm2) {
                sum += stack[ci];
            }
            x2 = Math.max(x2, sum);
        }
        double dy2 = 0;
        for (int ko = 0; ko < dyNorm2[0].length; ko++) {
            double sum = 0;
            for (double[] stack : dyNorm2) {
                sum += stack[ko];
            }
            dy2 = Math.max(dy2, sum);
        }
        // the squared norms were summed in float32 vectors (relative error below 1e-4 for these lengths)
        return Math.sqrt(x2 * dy2) * (1 + 2.0 * terms * 0x1p-24) * (1 + 1e-3);
    }

    /** The sum of squares of a[off, off + len), len a whole number of vectors. */
    private static double sumOfSquares(float[] a, int off, int len) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < len; i += VL) {
            FloatVector v = FloatVector.fromArray(F, a, off + i);
            acc = v.fma(v, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * out[e + t] = sum over the count vectors at dy[d..] of dy times xs[offset[e + t] + ..], for the taps
     * e + t < end of one output channel (up to {@link #DOT_TAPS}; missing ones repeat the last and are dropped).
     */
    private static void dots(int count, float[] dy, int d, float[] xs, int[] offset, int e, int end, float[] out) {
        int last = end - 1;
        int o0 = offset[e];
        int o1 = offset[Math.min(e + 1, last)];
        int o2 = offset[Math.min(e + 2, last)];
        int o3 = offset[Math.min(e + 3, last)];
        int o4 = offset[Math.min(e + 4, last)];
        int o5 = offset[Math.min(e + 5, last)];
        int o6 = offset[Math.min(e + 6, last)];
        int o7 = offset[Math.min(e + 7, last)];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int i = 0, q = 0; i < count; i++, q += VL) {
            FloatVector v = FloatVector.fromArray(F, dy, d + q);
            a0 = FloatVector.fromArray(F, xs, o0 + q).fma(v, a0);
            a1 = FloatVector.fromArray(F, xs, o1 + q).fma(v, a1);
            a2 = FloatVector.fromArray(F, xs, o2 + q).fma(v, a2);
            a3 = FloatVector.fromArray(F, xs, o3 + q).fma(v, a3);
            a4 = FloatVector.fromArray(F, xs, o4 + q).fma(v, a4);
            a5 = FloatVector.fromArray(F, xs, o5 + q).fma(v, a5);
            a6 = FloatVector.fromArray(F, xs, o6 + q).fma(v, a6);
            a7 = FloatVector.fromArray(F, xs, o7 + q).fma(v, a7);
        }
        int n = Math.min(DOT_TAPS, end - e);
        out[e] = a0.reduceLanes(VectorOperators.ADD);
        if (n > 1) out[e + 1] = a1.reduceLanes(VectorOperators.ADD);
        if (n > 2) out[e + 2] = a2.reduceLanes(VectorOperators.ADD);
        if (n > 3) out[e + 3] = a3.reduceLanes(VectorOperators.ADD);
        if (n > 4) out[e + 4] = a4.reduceLanes(VectorOperators.ADD);
        if (n > 5) out[e + 5] = a5.reduceLanes(VectorOperators.ADD);
        if (n > 6) out[e + 6] = a6.reduceLanes(VectorOperators.ADD);
        if (n > 7) out[e + 7] = a7.reduceLanes(VectorOperators.ADD);
    }
}
