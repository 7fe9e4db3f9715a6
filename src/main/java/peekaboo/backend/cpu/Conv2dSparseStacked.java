package peekaboo.backend.cpu;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
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
 * gradient. The weight gradient stays dense: see bench/HISTORY.md (session 7) for why computing only the unpruned
 * entries does not pay under PSG's relative threshold.
 */
final class Conv2dSparseStacked {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();
    /** The upper half of a vector's lanes: two 8-float rows share one vector (see {@link #packInput}). */
    private static final VectorMask<Float> UPPER = VectorMask.fromLong(F, -1L << (VL / 2));

    private Conv2dSparseStacked() {
    }

    /** -Dpeekaboo.conv.stacked=false: the per-image sparse path of {@link Conv2dDirect} instead. */
    private static final boolean ENABLED = !"false".equals(System.getProperty("peekaboo.conv.stacked"));

    /** Virtual columns per stack, about: 64 channels of it (256 KB) stay in L2 with the outputs. */
    private static final int STACK_COLUMNS = 1024;

    static boolean applies(ConvShape g) {
        int p = (g.r() - 1) / 2;
        return ENABLED && Sgemm.SIMD && g.groups() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.dilH() == 1
                && g.dilW() == 1 && g.r() == g.s() && g.r() % 2 == 1 && g.padH() == p && g.padW() == p
                && g.outW() >= 8 && g.outW() < 16;
    }

    /**
     * The geometry of one stack of up to {@code images} images: row stride wq, image stride plane, the zeros
     * before the first row (lead), a channel's run length (a whole number of vectors), the virtual columns
     * swept (q, whole tiles of {@link SparseRows#rowTile}) and each tap's offset (ci*channel + ty*wq + tx).
     */
    record Stack(int images, int wq, int plane, int lead, int channel, int q, int size, int[] offs) {
        static Stack of(ConvShape g, int images) {
            int p = g.padH();
            int wq = g.w() + p;
            int plane = imageFloats(g);
            int lead = p * wq + p;
            int channel = SgemmDriver.roundUp(lead + images * plane, VL);
            int q = SgemmDriver.roundUp(images * plane, SparseRows.TILE);
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

    /** Floats per image in a stack's channel run: h rows and p zero rows of w + p. */
    private static int imageFloats(ConvShape g) {
        return (g.h() + g.padH()) * (g.w() + g.padW());
    }

    /** How many stacks a batch makes: ~STACK_COLUMNS columns each, a whole number per thread. */
    private static int stacks(ConvShape g) {
        int want = (int) Math.max(1, ((long) g.n() * imageFloats(g) + STACK_COLUMNS - 1) / STACK_COLUMNS);
        return Math.min(g.n(), SgemmDriver.roundUp(want, Parallel.threads()));
    }

    private static int firstImage(ConvShape g, int stacks, int s) {
        return (int) ((long) g.n() * s / stacks);
    }

    /** Per-thread buffers, grown on demand; the stack zeroed once per call (later stacks overwrite only pixels). */
    private static final class Workspace {
        float[] xs = new float[0];
        float[] ys = new float[0];
        long zeroedFor = -1;

        void prepare(long call, int xsSize, int ysSize) {
            if (xs.length < xsSize) {
                xs = new float[xsSize];
            }
            if (ys.length < ysSize) {
                ys = new float[ysSize];
            }
            if (zeroedFor != call) {
                Arrays.fill(xs, 0, xsSize, 0f);
                zeroedFor = call;
            }
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    private static final AtomicLong CALLS = new AtomicLong();

    /**
     * Copies images [b0, b0 + nb) of x into the stack. Slots beyond nb may hold an earlier stack's images:
     * a real output reads no further than its own image's bottom padding, so they reach only junk columns.
     */
    private static void packInput(ConvShape g, Stack st, float[] x, int xOff, int b0, int nb, float[] xs) {
        int h = g.h();
        int w = g.w();
        int wq = st.wq();
        boolean pairs = 2 * w == VL && h % 2 == 0;
        FloatVector zero = FloatVector.zero(F);
        for (int ci = 0; ci < g.c(); ci++) {
            for (int b = 0; b < nb; b++) {
                int src = xOff + ((b0 + b) * g.c() + ci) * h * w;
                int dst = st.at(ci, b, 0, 0);
                if (pairs && src + h * w + w <= x.length) {
                    // two rows a vector (8 wide, 16 lanes): a vector loaded at row 2j, its upper half zeroed,
                    // stores row 2j and the zero after it; one loaded at row 2j + 1 stores that row and zeros
                    // where row 2j + 2 (or the zero row under the image) goes next. Row by row, ~5,600
                    // eight-float copies a stack took ~11% of the layer's time.
                    for (int iy = 0; iy < h; iy += 2, src += 2 * w, dst += 2 * wq) {
                        FloatVector.fromArray(F, x, src).blend(zero, UPPER).intoArray(xs, dst);
                        FloatVector.fromArray(F, x, src + w).blend(zero, UPPER).intoArray(xs, dst + wq);
                    }
                    continue;
                }
                for (int iy = 0; iy < h; iy++, src += w, dst += wq) {
                    System.arraycopy(x, src, xs, dst, w);
                }
            }
        }
    }

    /** y's images [b0, b0 + nb) (plus bias) from the stack's output rows ys. */
    private static void copyOut(ConvShape g, Stack st, float[] ys, float[] bias, int biasOff, int b0, int nb,
            float[] y, int yOff) {
        int oh = g.outH();
        int ow = g.outW();
        int wq = st.wq();
        boolean pairs = 2 * ow == VL && oh % 2 == 0;
        for (int b = 0; b < nb; b++) {
            for (int ko = 0; ko < g.k(); ko++) {
                float bv = bias == null ? 0f : bias[biasOff + ko];
                int d = yOff + ((b0 + b) * g.k() + ko) * oh * ow;
                int src = ko * st.q() + b * st.plane();
                if (pairs) {
                    // rows 2j and 2j + 1 into one vector: lanes 0-7 from row 2j, lanes 8-15 from a load one float
                    // further on, whose upper half is row 2j + 1 (rows are wq = 9 apart)
                    FloatVector vb = FloatVector.broadcast(F, bv);
                    for (int oy = 0; oy < oh; oy += 2, d += 2 * ow, src += 2 * wq) {
                        FloatVector.fromArray(F, ys, src).blend(FloatVector.fromArray(F, ys, src + wq - ow), UPPER)
                                .add(vb).intoArray(y, d);
                    }
                    continue;
                }
                for (int oy = 0; oy < oh; oy++, d += ow, src += wq) {
                    for (int ox = 0; ox < ow; ox++) {
                        y[d + ox] = ys[src + ox] + bv;
                    }
                }
            }
        }
    }

    /** y = conv(x, w) + bias for layers where {@link #applies} holds, multiplying only the non-zero weights. */
    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        int stacks = stacks(g);
        Stack st = Stack.of(g, (g.n() + stacks - 1) / stacks);
        int crs = g.cg() * g.r() * g.s();
        SparseRows sw = SparseRows.of(w, wOff, g.k(), crs, crs, 1, j -> st.offs()[j]);
        long call = CALLS.incrementAndGet();
        Parallel.forEachTask(stacks, s -> {
            int b0 = firstImage(g, stacks, s);
            int nb = firstImage(g, stacks, s + 1) - b0;
            Workspace ws = WORKSPACE.get();
            ws.prepare(call, st.size(), g.k() * st.q());
            float[] xs = ws.xs;
            float[] ys = ws.ys;
            packInput(g, st, x, xOff, b0, nb, xs);
            int used = SgemmDriver.roundUp(nb * st.plane(), SparseRows.TILE);
            // tile by tile, all output rows per tile: a tile's taps over all channels (~38 KB for 64 channels)
            // stay in L1; row by row, each row swept the whole stack (~270 KB) through L2. One core, a
            // 12-image stack of ResNet-20's 64->64 8x8 layer at 17%: 67 -> 100 GFLOP/s on the non-zeros (with
            // the 8-vector tile); the layer, 2 threads, medians of 60 calls: 1.24 -> 1.04 ms forward.
            for (int q0 = 0; q0 < used; q0 += SparseRows.TILE) {
                for (int ko = 0; ko < g.k(); ko++) {
                    sw.rowTile(ko, xs, q0, ys, ko * st.q() + q0);
                }
            }
            copyOut(g, st, ys, bias, biasOff, b0, nb, y, yOff);
        });
    }
}
