package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.MR;
import static peekaboo.backend.cpu.SgemmKernel.NR;
import static peekaboo.backend.cpu.SgemmKernel.S;
import static peekaboo.backend.cpu.SgemmKernel.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import peekaboo.backend.ConvShape;

/**
 * Stride-1 convolution with three kernel rows by Winograd's F(2, 3) along the rows ({@link WinogradRows})
 * and directly along the columns, on the maps of {@link Conv2dDirect} (16 wide and more), whose kernels it
 * reuses: two output rows from four products instead of six, 2/3 of the multiply-adds.
 *
 * <p>Per image, the transformed input rows u_0..u_3 of every channel are written once (u_i[ci][ty][Wp],
 * the padding columns zero); each m_i is then a convolution with one kernel row of s taps over them, which
 * the direct micro-kernel computes in place over the grid ty*Wp + ox, and the four tiles of m are combined
 * into two output rows as they are stored. Layers with few output channels skip writing u out: the kernel
 * forms it from a zero-padded copy of the image as it reads it ({@link #transformsInKernel}). The weight
 * gradient runs the direct path's dot kernel on the transformed rows of x and dy. The results differ from the direct path's only by rounding (checked against
 * float64 by {@code ConvProperties}).
 *
 * <p>The forward (and the input gradient, a forward convolution) is taken by dense layers whose output rows
 * fill whole tiles: width a multiple of {@link SgemmKernel#NR}, or width {@link SgemmKernel#VL} with a height
 * that is a multiple of 4 (a tile then covers two transformed rows: four output rows).
 * {@code -Dpeekaboo.conv.winograd=false} turns every Winograd path off.
 */
final class Conv2dWinogradRows {

    static final boolean ENABLED = !"false".equals(System.getProperty("peekaboo.conv.winograd"));

    private Conv2dWinogradRows() {
    }

    static boolean supports(ConvShape g) {
        int ow = g.outW();
        return applies(g) && g.cPerGroup() * g.s() <= SgemmDriver.KC
                && (ow % NR == 0 || ow == VL && g.outH() % 4 == 0);
    }

    /**
     * Three kernel rows at stride 1, and channels enough on both sides: with the 3 channels of an RGB input
     * the transforms cost more than they save (ResNet-20's 3->16 layer, ConvLayersTimer, separate JVMs:
     * forward 1.36 against 2.13 ms, input gradient 2.96 against 3.86 ms, weight gradient 2.68 against 3.31 ms).
     */
    static boolean applies(ConvShape g) {
        return ENABLED && Sgemm.SIMD && g.r() == 3 && g.dilH() == 1 && g.strideH() == 1 && g.strideW() == 1
                && g.cPerGroup() >= MIN_CHANNELS && g.kPerGroup() >= MIN_CHANNELS;
    }

    private static final int MIN_CHANNELS = 8;

    /** Per-thread buffers, grown on demand and reused. */
    private static final class Workspace {
        /** The transformed input rows, keyed by call: junk columns zero, interiors rewritten per image. */
        final ShapedBuffer rows = new ShapedBuffer();
        final float[][] tiles = new float[4][MR * NR];
        float[] zeros = new float[0];
        /** The transformed dy rows, keyed by call: junk columns zero within a call. */
        final ShapedBuffer dyRows = new ShapedBuffer();
        float[] acc = new float[0];
        float[] scratch = new float[0];

        float[] acc(int size) {
            return acc.length >= size ? acc : (acc = new float[size]);
        }

        float[] scratch(int size) {
            return scratch.length >= size ? scratch : (scratch = new float[size]);
        }

        float[] zeros(int size) {
            return zeros.length >= size ? zeros : (zeros = new float[size]);
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    private static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();

    /** y = conv2d(x, w) + bias (bias nullable), for a layer that {@link #supports} says this path takes. */
    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        forward(g, x, xOff, w, wOff, bias, biasOff, y, yOff, transformsInKernel(g));
    }

    /**
     * Whether the kernel forms the transformed input rows as it reads them ({@link SgemmKernel#kernelIndexedPair})
     * rather than read them written out: for up to 16 output channels per group, where the transform weighs most
     * against the products (the kernel forms each row anew for every 8 output channels). Alternating in one JVM,
     * 300 calls each after 150, batch 128: 16->16 at 32x32 1.49-1.53 against 1.61-1.68 ms, 32->16 at 32x32
     * 2.80-2.84 against 3.11-3.14 ms; 32->32 at 16x16 0-1% slower; ResNet-18's 64->64 and 128->128 (batch 32)
     * 3-12% slower (bench/HISTORY.md, session 20).
     */
    static boolean transformsInKernel(ConvShape g) {
        return g.kPerGroup() <= 2 * MR;
    }

    /**
     * {@link #forward} with the input rows transformed first ({@code inKernel} false: u0..u3 of each image
     * written out, {@link WinogradRows#inputRows}) or as the kernels read them (each image copied once into a
     * zero-padded buffer of 2 th + 2 rows, u_i of transformed row ty formed from its rows 2ty .. 2ty + 3 by the
     * same float operations, so the same bits).
     */
    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff, boolean inKernel) {
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int s = g.s();
        int cs = cg * s;
        int kgPad = SgemmDriver.roundUp(kg, MR);
        int oh = g.outH();
        int ow = g.outW();
        int p = oh * ow;
        int h = g.h();
        int hw = h * g.w();
        int th = (oh + 1) / 2; // transformed rows: one per pair of output rows
        int wp = g.w() + 2 * g.padW();
        // one channel's transformed rows (the four blocks u0..u3 follow each other), or its padded image
        int channel = inKernel ? (2 * th + 2) * wp : th * wp;
        int block = cg * channel;
        int size = (inKernel ? block : 4 * block) + NR;
        int rowStride = inKernel ? 2 * wp : wp; // from one transformed row to the next in the buffer
        int[] offs = new int[cs];
        for (int ci = 0; ci < cg; ci++) {
            for (int tx = 0; tx < s; tx++) {
                offs[ci * s + tx] = ci * channel + tx * g.dilW();
            }
        }
        float[][][] packed = new float[g.groups()][][];
        for (int gi = 0; gi < g.groups(); gi++) {
            packed[gi] = transformedWeights(g, w, wOff, gi);
        }
        // a tile is NR columns of one transformed row, or (width VL) two rows: the kernel's second vector
        // reads the next row, and the tile's outputs are four whole output rows
        boolean rowPairs = ow == VL;
        int second = rowPairs ? rowStride : VL;
        int rowStep = rowPairs ? 2 : 1;
        int lo0 = 0;
        int lo1 = ow;
        int hi0 = rowPairs ? 2 * ow : VL;
        int hi1 = rowPairs ? 3 * ow : ow + VL;
        long call = CALLS.incrementAndGet();
        Parallel.forEachTask(g.n() * g.groups(), task -> {
            int b = task / g.groups();
            int gi = task % g.groups();
            Workspace ws = WORKSPACE.get();
            float[] u = ws.rows.get(size, call); // zeroed once a call: padding stays zero, interiors are rewritten
            int src = xOff + (b * g.c() + gi * cg) * hw;
            if (inKernel) {
                for (int ci = 0; ci < cg; ci++) {
                    for (int iy = 0; iy < h; iy++) {
                        int to = ci * channel + (iy + g.padH()) * wp + g.padW();
                        System.arraycopy(x, src + ci * hw + iy * g.w(), u, to, g.w());
                    }
                }
            } else {
                WinogradRows.inputRows(g, x, src, th, wp, ws.zeros(Math.max(g.w(), VL)), u, 0, block, 2 * block,
                        3 * block);
            }
            float[][] a = packed[gi];
            float[][] t = ws.tiles;
            int yo = yOff + (b * g.k() + gi * kg) * p;
            for (int ty = 0; ty < th; ty += rowStep) {
                for (int ox = 0; ox < ow; ox += NR) {
                    int q = ty * rowStride + ox;
                    for (int ir = 0; ir < kgPad; ir += MR) {
                        int ai = ir * cs;
                        int mr = Math.min(MR, kg - ir);
                        if (inKernel) { // u0 = d0 - d2, u1 = d1 + d2, u2 = d2 - d1, u3 = d1 - d3, d_i row 2ty + i
                            SgemmKernel.kernelIndexedPair(cs, a[0], ai, u, q, second, offs, 0, 0, 2 * wp, false, t[0]);
                            SgemmKernel.kernelIndexedPair(cs, a[1], ai, u, q, second, offs, 0, wp, 2 * wp, true, t[1]);
                            SgemmKernel.kernelIndexedPair(cs, a[2], ai, u, q, second, offs, 0, 2 * wp, wp, false, t[2]);
                            SgemmKernel.kernelIndexedPair(cs, a[3], ai, u, q, second, offs, 0, wp, 3 * wp, false, t[3]);
                        } else {
                            for (int i = 0; i < 4; i++) {
                                SgemmKernel.kernelIndexed(cs, a[i], ai, u, i * block + q, second, offs, 0, t[i]);
                            }
                        }
                        int dst = yo + ir * p + 2 * ty * ow + ox;
                        boolean lastOdd = 2 * ty + 1 >= oh; // odd height: the tile's second row is past the end
                        storeRows(t, mr, bias, biasOff + gi * kg + ir, y, dst, p, lo0, lo1, hi0, hi1, lastOdd);
                    }
                }
            }
        });
    }

    /** The weight gradient takes this path where the direct one would, for three kernel rows at stride 1. */
    static boolean supportsWeightGrad(ConvShape g) {
        return applies(g);
    }

    /**
     * dw of the weight gradient of Q(x) and Q(dy) (null quantisers: plain), by the transpose of the forward's
     * F(2, 3): per transformed row ty, a = (dy(2ty), dy(2ty) + dy(2ty+1), dy(2ty) - dy(2ty+1), -dy(2ty+1)) and
     * the rows u of the forward; m_i[ko][(ci, tx)] = the sum over images, rows and columns ox of a_i[ko][ox]
     * u_i[ci][ox + tx]; then dw[.][.][0] = m0 + (m1 + m2)/2, dw[.][.][1] = (m1 - m2)/2, dw[.][.][2] = (m1 +
     * m2)/2 + m3 (expand: dw[.][.][r] = the sum of dy(oy) x(oy + r)). Each m_i is a direct weight gradient
     * with one kernel row over half the rows: 2/3 of the multiply-adds. Its loops are those of {@link
     * Conv2dDirect#weightGrad} (4 x 4 blocks of lane-wise partial sums, fixed image blocks per thread).
     */
    static void weightGrad(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy, int dyOff,
            PabKernels.Quantizing qdy, float[] dw, int dwOff) {
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int s = g.s();
        int cs = cg * s;
        int oh = g.outH();
        int ow = g.outW();
        int hw = g.h() * g.w();
        int th = (oh + 1) / 2;
        int wp = g.w() + 2 * g.padW();
        int channel = th * wp;
        int block = cg * channel;
        int dyRow = SgemmDriver.roundUp(channel, VL); // a_i[ko] over the virtual grid ty*wp + ox, junk zero
        int count = dyRow / VL;
        int uImage = 4 * block + dyRow - channel + (s - 1) * g.dilW() + VL;
        int aImage = 4 * kg * dyRow;
        int[] offs = new int[cs];
        for (int ci = 0; ci < cg; ci++) {
            for (int tx = 0; tx < s; tx++) {
                offs[ci * s + tx] = ci * channel + tx * g.dilW();
            }
        }
        int tk = (kg + 3) / 4;
        int taps = 4;
        int tile = 4 * taps;
        int tj = (cs + taps - 1) / taps;
        int chunks = Math.min(g.n(), Parallel.threads() * Conv2dDirect.BLOCKS_PER_THREAD);
        int maxBlock = (g.n() + chunks - 1) / chunks;
        int per = Math.max(1, Math.min(maxBlock, Conv2dDirect.WGRAD_DY_BYTES / (4 * 4 * count * VL)));
        int jb = Math.max(1, Math.min(tj, Conv2dDirect.WGRAD_ACC_BYTES / (tk * tile * VL * 4)));
        float[][] partial = new float[chunks][];
        long call = CALLS.incrementAndGet();
        Parallel.forEachTask(chunks, ch -> {
            Workspace ws = WORKSPACE.get();
            float[] u = ws.rows.get(maxBlock * uImage, call);
            float[] a = ws.dyRows.get(maxBlock * aImage, call);
            float[] acc = ws.acc(tk * jb * tile * VL + 4 * kg * cs);
            int mOff = tk * jb * tile * VL; // m_0..m_3 after the partial sums
            float[] zeros = ws.zeros(Math.max(Math.max(g.w(), ow), VL));
            int b0 = (int) ((long) g.n() * ch / chunks);
            int nb = (int) ((long) g.n() * (ch + 1) / chunks) - b0;
            float[] out = ch == 0 ? dw : new float[g.weightSize()];
            int outOff = ch == 0 ? dwOff : 0;
            partial[ch] = out;
            for (int gi = 0; gi < g.groups(); gi++) {
                for (int im = 0; im < nb; im++) {
                    int b = b0 + im;
                    float[] xs = x;
                    int xs0 = xOff + (b * g.c() + gi * cg) * hw;
                    if (qx != null) {
                        xs = ws.scratch(cg * hw);
                        qx.copy(x, xs0, xs, 0, cg * hw);
                        xs0 = 0;
                    }
                    int ui = im * uImage;
                    WinogradRows.inputRows(g, xs, xs0, th, wp, zeros, u, ui, ui + block, ui + 2 * block,
                            ui + 3 * block);
                    float[] ds = dy;
                    int ds0 = dyOff + (b * g.k() + gi * kg) * oh * ow;
                    if (qdy != null) {
                        ds = ws.scratch(kg * oh * ow);
                        qdy.copy(dy, ds0, ds, 0, kg * oh * ow);
                        ds0 = 0;
                    }
                    WinogradRows.dyRows(ds, ds0, kg, oh, ow, th, wp, zeros, a, im * aImage, dyRow);
                }
                for (int i4 = 0; i4 < 4; i4++) {
                    for (int jt = 0; jt < tj; jt += jb) {
                        int jn = Math.min(jb, tj - jt);
                        Arrays.fill(acc, 0, tk * jn * tile * VL, 0f);
                        // the sweep of Conv2dDirect.weightGrad, written out again: shared as one method (its
                        // steps no longer constants here), 10 alternating ResNet-20 step runs gave 464 -> 435
                        // images/s (median), so each call site keeps its own
                        for (int s0 = 0; s0 < nb; s0 += per) {
                            int images = Math.min(per, nb - s0);
                            int da = s0 * aImage + i4 * kg * dyRow;
                            int du = s0 * uImage + i4 * block;
                            for (int i = 0; i < tk; i++) {
                                int k0 = 4 * i;
                                int a0 = da + Math.min(k0, kg - 1) * dyRow;
                                int a1 = da + Math.min(k0 + 1, kg - 1) * dyRow;
                                int a2 = da + Math.min(k0 + 2, kg - 1) * dyRow;
                                int a3 = da + Math.min(k0 + 3, kg - 1) * dyRow;
                                for (int jj = 0; jj < jn; jj++) {
                                    int j0 = taps * (jt + jj);
                                    SgemmKernel.dotKernel(images, aImage, uImage, count, VL, VL, a, a0, a1, a2, a3, u,
                                            du + offs[j0], du + offs[Math.min(j0 + 1, cs - 1)],
                                            du + offs[Math.min(j0 + 2, cs - 1)], du + offs[Math.min(j0 + 3, cs - 1)],
                                            acc, (i * jn + jj) * tile * VL);
                                }
                            }
                        }
                        Conv2dDirect.reduceTiles(acc, kg, cs, tk, taps, jt, jn, acc, mOff + i4 * kg * cs);
                    }
                }
                WinogradRows.weightGradRows(acc, mOff, kg * cs, cg, s, out, outOff + gi * kg * cg * 3 * s);
            }
        });
        Conv2dF32.addPartials(partial, dw, dwOff, g.weightSize());
    }

    /**
     * The output transform of the four MR x NR tiles m0..m3 (row stride NR), rows [0, mr) stored to y at
     * dst + row*p: m0 + m1 + m2 to the tile's first output row (its two vectors at lo0 and hi0), m1 - m2 -
     * m3 to the second (lo1, hi1; not stored when lastOdd), plus the bias.
     */
    private static void storeRows(float[][] t, int mr, float[] bias, int biasOff, float[] y, int dst, int p,
            int lo0, int lo1, int hi0, int hi1, boolean lastOdd) {
        float[] m0 = t[0];
        float[] m1 = t[1];
        float[] m2 = t[2];
        float[] m3 = t[3];
        for (int i = 0; i < mr; i++, dst += p) {
            float bv = bias == null ? 0f : bias[biasOff + i];
            for (int half = 0; half < 2; half++) {
                int o = i * NR + half * VL;
                FloatVector v1 = FloatVector.fromArray(S, m1, o);
                FloatVector v2 = FloatVector.fromArray(S, m2, o);
                FloatVector top = FloatVector.fromArray(S, m0, o).add(v1).add(v2);
                FloatVector bottom = v1.sub(v2).sub(FloatVector.fromArray(S, m3, o));
                if (bias != null) {
                    top = top.add(bv);
                    bottom = bottom.add(bv);
                }
                top.intoArray(y, dst + (half == 0 ? lo0 : hi0));
                if (!lastOdd) {
                    bottom.intoArray(y, dst + (half == 0 ? lo1 : hi1));
                }
            }
        }
    }

    /**
     * Group gi's weights transformed along the kernel rows (v0..v3 above) and packed as four op(A)
     * matrices [k/groups, (c/groups)*s], column ci*s + tx.
     */
    private static float[][] transformedWeights(ConvShape g, float[] w, int wOff, int gi) {
        int cs = g.cPerGroup() * g.s();
        int kg = g.kPerGroup();
        float[][] v = WinogradRows.kernelRows(g, w, wOff, gi);
        float[][] packed = new float[4][SgemmDriver.roundUp(kg, MR) * cs];
        for (int i = 0; i < 4; i++) {
            SgemmDriver.matrixA(false, v[i], 0, cs).pack(0, kg, 0, cs, packed[i]);
        }
        return packed;
    }

}
