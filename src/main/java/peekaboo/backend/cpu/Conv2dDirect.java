package peekaboo.backend.cpu;

import peekaboo.backend.ConvShape;
import static peekaboo.backend.cpu.SgemmKernel.MR;
import static peekaboo.backend.cpu.SgemmKernel.NR;
import static peekaboo.backend.cpu.SgemmKernel.VL;

import java.util.Arrays;

/**
 * Direct stride-1 convolution: the micro-kernels read the (zero-padded) image in place instead of
 * a packed patch matrix, which moves ~r*s times less data than im2col-style packing.
 *
 * <p>Per image and group the input is copied once into a padded buffer xp[c][Hp][Wp]. With the
 * "virtual" output column q = oy*Wp + ox (ox in [0, Wp), so Wp - outW junk columns per row),
 * patch row (ci, ty, tx) is simply xp[offs(ci, ty, tx) + q] with offs = ci*Hp*Wp + ty*dilH*Wp +
 * tx*dilW: a contiguous vector load. Forward writes a virtual output and copies the valid columns
 * out (adding bias); input-grad is the forward conv of dy with flipped, transposed weights and
 * padding dil*(r-1) - pad; weight-grad correlates a virtual dy (zero in junk columns) with xp.
 */
final class Conv2dDirect {

    private Conv2dDirect() {
    }

    /** Maps of 16x16 and up, where the direct path runs dense layers too. */
    private static boolean direct16(ConvShape g) {
        return g.outH() * g.outW() >= 256;
    }

    static boolean supports(ConvShape g) {
        return g.strideH() == 1 && g.strideW() == 1 || STRIDED && PaddedPatches.phasesPay(g);
    }

    /**
     * Strided layers whose taps read every phase plane take the direct path too (a 1x1 stride-2 layer
     * would copy four planes to read one; -Dpeekaboo.conv.stridedDirect=false: the patch path).
     */
    private static final boolean STRIDED = !"false".equals(System.getProperty("peekaboo.conv.stridedDirect"));

    static boolean supportsInputGrad(ConvShape g) {
        return Conv2dF32.inputGradIsForward(g);
    }

    static boolean supportsWeightGrad(ConvShape g) {
        return supports(g);
    }

    /** Per-thread buffers, grown on demand and reused. */
    private static final class Workspace {
        float[] xp = new float[0];
        float[] yv = new float[0];
        float[] acc = new float[0];
        /** One input row, quantised before it is split over phase planes. */
        float[] row = new float[0];
        final float[] tile = new float[MR * NR];
        /** The call that last zeroed xp and yv; borders and junk columns stay zero within a call. */
        long zeroedFor = -1;

        /** Zeroes the buffers once per call: later images only overwrite the interiors. */
        void zeroOnce(long call, int xpSize, int yvSize) {
            if (zeroedFor != call) {
                Arrays.fill(xp, 0, xpSize, 0f);
                Arrays.fill(yv, 0, yvSize, 0f);
                zeroedFor = call;
            }
        }

        float[] xp(int size) {
            return xp.length >= size ? xp : (xp = new float[size]);
        }

        float[] yv(int size) {
            return yv.length >= size ? yv : (yv = new float[size]);
        }

        float[] acc(int size) {
            return acc.length >= size ? acc : (acc = new float[size]);
        }

        float[] row(int size) {
            return row.length >= size ? row : (row = new float[size]);
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    private static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Geometry of the padded image and the virtual output grid. At stride s > 1 each channel of the padded
     * image is stored as s x s phase planes (plane (py, px) holds the padded pixels (s*i + py, s*j + px)), so
     * that output row oy of tap (ty, tx) reads the contiguous run plane(ty % s, tx % s)[oy + ty / s][tx / s ..]:
     * the virtual grid is q = oy*wq + ox with wq the planes' width (at stride 1: one plane, wq = Wp).
     */
    record Padded(int hp, int wp, int hq, int wq, int q, int size, int[] offs) {
        static Padded of(ConvShape g, int qUnit) {
            int sh = g.strideH();
            int sw = g.strideW();
            int hp = g.h() + 2 * g.padH();
            int wp = g.w() + 2 * g.padW();
            int hq = (hp + sh - 1) / sh;
            int wq = (wp + sw - 1) / sw;
            int plane = hq * wq;
            int q = SgemmDriver.roundUp(g.outH() * wq, qUnit);
            int cg = g.cPerGroup();
            int[] offs = new int[cg * g.r() * g.s()];
            for (int ci = 0, i = 0; ci < cg; ci++) {
                for (int ty = 0; ty < g.r(); ty++) {
                    for (int tx = 0; tx < g.s(); tx++, i++) {
                        offs[i] = PaddedPatches.phaseOffset(ci, ty * g.dilH(), tx * g.dilW(), sh, sw, plane, wq);
                    }
                }
            }
            // reads reach the largest offset + q (over phase planes that is not the last tap's); keep that
            // inside the buffer
            int maxOffset = 0;
            for (int o : offs) {
                maxOffset = Math.max(maxOffset, o);
            }
            int size = Math.max(cg * sh * sw * plane, maxOffset + q) + NR;
            return new Padded(hp, wp, hq, wq, q, size, offs);
        }
    }

    /** Whether {@link #forward} takes g with these weights to its sparse kernels. */
    static boolean takesSparse(ConvShape g, float[] w, int wOff) {
        return supports(g) && SparseRows.density(w, wOff, g.weightSize())
                <= (direct16(g) ? SparseRows.DIRECT_MAX_DENSITY : SparseRows.SMALL_MAP_MAX_DENSITY);
    }

    /** Copies c/groups channels of one image at x[xOff..] into the interior of xp. */
    private static void pad(ConvShape g, Padded pd, float[] x, int xOff, float[] xp) {
        pad(g, pd, x, xOff, null, xp);
    }

    /** {@link #pad}, quantising by q on the way when q is not null (PSG). */
    private static void pad(ConvShape g, Padded pd, float[] x, int xOff, PabKernels.Quantizing q, float[] xp) {
        pad(g, pd, x, xOff, q, xp, 0);
    }

    /** {@link #pad} into the padded image that starts at xp[xpOff]. */
    private static void pad(ConvShape g, Padded pd, float[] x, int xOff, PabKernels.Quantizing q, float[] xp,
            int xpOff) {
        int h = g.h();
        int w = g.w();
        int sh = g.strideH();
        int sw = g.strideW();
        if (sh == 1 && sw == 1) {
            for (int ci = 0; ci < g.cPerGroup(); ci++) {
                int dst = xpOff + ci * pd.hp() * pd.wp() + g.padH() * pd.wp() + g.padW();
                int src = xOff + ci * h * w;
                for (int iy = 0; iy < h; iy++) {
                    PabKernels.Quantizing.copy(q, x, src + iy * w, xp, dst + iy * pd.wp(), w);
                }
            }
            return;
        }
        // phase planes: each input row is (quantised and) split over the sw planes of its row phase
        int plane = pd.hq() * pd.wq();
        float[] row = q == null ? x : WORKSPACE.get().row(w);
        for (int ci = 0; ci < g.cPerGroup(); ci++) {
            for (int iy = 0; iy < h; iy++) {
                int src = xOff + (ci * h + iy) * w;
                if (q != null) {
                    q.copy(x, src, row, 0, w);
                    src = 0;
                }
                int rowBase = xpOff + PaddedPatches.phaseOffset(ci, iy + g.padH(), 0, sh, sw, plane, pd.wq());
                PaddedPatches.splitRow(row, src, w, g.padW(), sw, xp, rowBase, plane);
            }
        }
    }

    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        if (takesSparse(g, w, wOff)) {
            if (Conv2dSparseStacked.applies(g)) {
                Conv2dSparseStacked.forward(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
            } else {
                forwardSparse(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
            }
            return;
        }
        if (Conv2dWinogradRows.supports(g)) {
            Conv2dWinogradRows.forward(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
            return;
        }
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        int kgPad = SgemmDriver.roundUp(kg, MR);
        int oh = g.outH();
        int ow = g.outW();
        int hw = g.h() * g.w();
        Padded pd = Padded.of(g, NR);
        float[][] packedW = new float[g.groups()][kgPad * crs]; // weights packed once per call
        for (int gi = 0; gi < g.groups(); gi++) {
            SgemmDriver.matrixA(false, w, wOff + gi * kg * crs, crs).pack(0, kg, 0, crs, packedW[gi]);
        }
        int p = oh * ow;
        // Tiles follow output rows (no junk columns; best when outW fills whole tiles), or take two
        // rows of VL at once when outW == VL (the kernel's second vector reads the next image row;
        // in y the two rows are adjacent), or run over the virtual grid q = oy*Wp + ox (junk
        // columns, copied out afterwards).
        int rowTile = SgemmDriver.roundUp(ow, NR);
        boolean rowPairs = ow == VL && oh % 2 == 0;
        boolean byRows = rowPairs || (long) (rowTile - ow) * pd.wq() <= (long) (pd.wq() - ow) * rowTile;
        int rowStep = rowPairs ? 2 : 1;
        int second = rowPairs ? pd.wq() : VL;
        long call = CALLS.incrementAndGet();
        Parallel.forEachTask(g.n() * g.groups(), task -> {
            int b = task / g.groups();
            int gi = task % g.groups();
            Workspace ws = WORKSPACE.get();
            float[] xp = ws.xp(pd.size());
            float[] yv = ws.yv(byRows ? 0 : kgPad * pd.q());
            ws.zeroOnce(call, pd.size(), byRows ? 0 : kgPad * pd.q());
            pad(g, pd, x, xOff + (b * g.c() + gi * cg) * hw, xp);
            float[] a = packedW[gi];
            int yo = yOff + (b * g.k() + gi * kg) * p;
            for (int pc = 0; pc < crs; pc += SgemmDriver.KC) {
                int kc = Math.min(SgemmDriver.KC, crs - pc);
                for (int ir = 0; ir < kgPad; ir += MR) {
                    int ai = ir * crs + pc * MR;
                    if (byRows) {
                        int mr = Math.min(MR, kg - ir);
                        for (int oy = 0; oy < oh; oy += rowStep) {
                            for (int ox = 0; ox < ow; ox += NR) {
                                SgemmKernel.kernelIndexed(kc, a, ai, xp, oy * pd.wq() + ox, second, pd.offs(), pc,
                                        ws.tile);
                                SgemmKernel.merge(ws.tile, y, yo + ir * p + oy * ow + ox, p, pc > 0, mr,
                                        Math.min(NR, rowStep * ow - ox));
                            }
                        }
                    } else {
                        for (int q0 = 0; q0 < pd.q(); q0 += NR) {
                            SgemmKernel.kernelIndexed(kc, a, ai, xp, q0, VL, pd.offs(), pc, ws.tile);
                            SgemmKernel.merge(ws.tile, yv, ir * pd.q() + q0, pd.q(), pc > 0, MR, NR);
                        }
                    }
                }
            }
            if (byRows) {
                if (bias != null) {
                    Conv2dF32.addRowBias(y, yo, kg, p, bias, biasOff + gi * kg);
                }
            } else {
                copyOut(g, pd, yv, kg, bias, biasOff + gi * kg, y, yo);
            }
        });
    }

    /** y[ko][oy][ox] = yv[ko][oy*Wp + ox] + bias[ko]: the valid columns of the virtual output grid. */
    private static void copyOut(ConvShape g, Padded pd, float[] yv, int kg, float[] bias, int biasOff, float[] y, int yo) {
        int oh = g.outH();
        int ow = g.outW();
        for (int ko = 0; ko < kg; ko++) {
            float bv = bias == null ? 0f : bias[biasOff + ko];
            int d = yo + ko * oh * ow;
            for (int oy = 0; oy < oh; oy++, d += ow) {
                int src = ko * pd.q() + oy * pd.wq();
                for (int ox = 0; ox < ow; ox++) {
                    y[d + ox] = yv[src + ox] + bv;
                }
            }
        }
    }

    /**
     * The forward conv with mostly-zero weights (pruned layers): each output row tile of the virtual
     * grid accumulates only the non-zero taps ({@link SparseRows}).
     */
    private static void forwardSparse(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        int hw = g.h() * g.w();
        int p = g.outH() * g.outW();
        Padded pd = Padded.of(g, SparseRows.TILE);
        SparseRows[] sw = new SparseRows[g.groups()];
        for (int gi = 0; gi < g.groups(); gi++) {
            sw[gi] = SparseRows.of(w, wOff + gi * kg * crs, kg, crs, crs, 1, j -> pd.offs()[j]);
        }
        long call = CALLS.incrementAndGet();
        Parallel.forEachTask(g.n() * g.groups(), task -> {
            int b = task / g.groups();
            int gi = task % g.groups();
            Workspace ws = WORKSPACE.get();
            float[] xp = ws.xp(pd.size());
            float[] yv = ws.yv(kg * pd.q());
            ws.zeroOnce(call, pd.size(), 0);
            pad(g, pd, x, xOff + (b * g.c() + gi * cg) * hw, xp);
            for (int q0 = 0; q0 < pd.q(); q0 += SparseRows.TILE) {
                for (int ko = 0; ko < kg; ko++) {
                    sw[gi].rowTile(ko, xp, q0, yv, ko * pd.q() + q0);
                }
            }
            copyOut(g, pd, yv, kg, bias, biasOff + gi * kg, y, yOff + (b * g.k() + gi * kg) * p);
        });
    }

    /** dx = forward conv of dy with w'[ci][ko][r-1-ty][s-1-tx] = w[ko][ci][ty][tx], pad' = dil*(r-1) - pad. */
    static void inputGrad(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        forward(Conv2dF32.inputGradAsForward(g), dy, dyOff, Conv2dF32.flippedWeights(g, w, wOff), 0, null, 0, dx, dxOff);
    }

    /**
     * dw[ko][(ci, ty, tx)] = sum over images and q of dyv[ko][q] * xp[offs(ci, ty, tx) + q]: 4 x 4
     * blocks of dw as lane-wise partial sums (reduced after each pass over the taps), blocks of images
     * split over threads.
     */
    static void weightGrad(ConvShape g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        weightGrad(g, x, xOff, null, dy, dyOff, null, dw, dwOff);
    }

    /** The weight gradient of Q(x) and Q(dy): the operands quantised as they are copied (null: plain copies). */
    static void weightGrad(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy, int dyOff,
            PabKernels.Quantizing qdy, float[] dw, int dwOff) {
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int crs = cg * g.r() * g.s();
        int oh = g.outH();
        int ow = g.outW();
        int hw = g.h() * g.w();
        int tk = (kg + 3) / 4;
        int taps = 4; // 4 x 4 blocks of partial sums (SgemmKernel.dotKernel)
        int tile = 4 * taps; // vectors per block
        int tj = (crs + taps - 1) / taps;
        Padded pd = Padded.of(g, VL);
        // outW == VL: one vector per output row, dy read in place (rows VL apart, xp rows wq apart;
        // with qdy, a quantised copy of the image's planes); otherwise dy is copied into the virtual grid
        // (junk columns zero) and read as one run
        boolean rowsOfVL = ow == VL;
        boolean dyInPlace = rowsOfVL && qdy == null;
        int count = rowsOfVL ? oh : pd.q() / VL;
        int dyStep = VL;
        int xpStep = rowsOfVL ? pd.wq() : VL;
        // a fixed split of the images into a few blocks per thread, each with its own partial sum, handed
        // to threads one at a time: balanced, and the sums do not depend on which thread took a block
        int chunks = Math.min(g.n(), Parallel.threads() * BLOCKS_PER_THREAD);
        int dyRow = rowsOfVL ? oh * ow : pd.q();
        int dyImage = dyInPlace ? g.k() * oh * ow : kg * dyRow;
        int maxBlock = (g.n() + chunks - 1) / chunks;
        // images per kernel call: their four dy rows stay in L1 while the call's tile row sweeps the taps
        int per = Math.max(1, Math.min(maxBlock, WGRAD_DY_BYTES / (4 * 4 * count * dyStep)));
        // tap tiles per pass: the pass's lane-wise partial sums (16 vectors a 4 x 4 block, 16 floats a weight)
        // stay in L2 across the block's images; a whole layer's (up to 9 MB) streamed from L3
        int jb = Math.max(1, Math.min(tj, WGRAD_ACC_BYTES / (tk * tile * VL * 4)));
        float[][] partial = new float[chunks][];
        long call = CALLS.incrementAndGet();
        Parallel.forEachTask(chunks, ch -> {
            Workspace ws = WORKSPACE.get();
            // the block's images are padded side by side first (and dy copied, where it is not read in place)
            float[] xp = ws.xp(maxBlock * pd.size());
            float[] dyv = dyInPlace ? dy : ws.yv(maxBlock * dyImage);
            ws.zeroOnce(call, maxBlock * pd.size(), rowsOfVL ? 0 : maxBlock * dyImage);
            float[] acc = ws.acc(tk * jb * tile * VL);
            int b0 = (int) ((long) g.n() * ch / chunks);
            int nb = (int) ((long) g.n() * (ch + 1) / chunks) - b0;
            float[] out = ch == 0 ? dw : new float[g.weightSize()];
            int outOff = ch == 0 ? dwOff : 0;
            partial[ch] = out;
            int[] offs = pd.offs();
            for (int gi = 0; gi < g.groups(); gi++) {
                for (int im = 0; im < nb; im++) {
                    int b = b0 + im;
                    pad(g, pd, x, xOff + (b * g.c() + gi * cg) * hw, qx, xp, im * pd.size());
                    if (rowsOfVL && !dyInPlace) {
                        qdy.copy(dy, dyOff + (b * g.k() + gi * kg) * oh * ow, dyv, im * dyImage, kg * oh * ow);
                    } else if (!rowsOfVL) {
                        for (int ko = 0; ko < kg; ko++) {
                            for (int oy = 0; oy < oh; oy++) {
                                PabKernels.Quantizing.copy(qdy, dy, dyOff + ((b * g.k() + gi * kg + ko) * oh + oy) * ow,
                                        dyv, im * dyImage + ko * dyRow + oy * pd.wq(), ow);
                            }
                        }
                    }
                }
                int dyBase = dyInPlace ? dyOff + (b0 * g.k() + gi * kg) * oh * ow : 0;
                for (int jt = 0; jt < tj; jt += jb) {
                    int jn = Math.min(jb, tj - jt);
                    Arrays.fill(acc, 0, tk * jn * tile * VL, 0f);
                    for (int s0 = 0; s0 < nb; s0 += per) {
                        int images = Math.min(per, nb - s0);
                        int da = dyBase + s0 * dyImage;
                        int dx = s0 * pd.size();
                        for (int i = 0; i < tk; i++) {
                            int k0 = 4 * i;
                            int a0 = da + Math.min(k0, kg - 1) * dyRow;
                            int a1 = da + Math.min(k0 + 1, kg - 1) * dyRow;
                            int a2 = da + Math.min(k0 + 2, kg - 1) * dyRow;
                            int a3 = da + Math.min(k0 + 3, kg - 1) * dyRow;
                            for (int jj = 0; jj < jn; jj++) {
                                int j0 = taps * (jt + jj);
                                int ao = (i * jn + jj) * tile * VL;
                                SgemmKernel.dotKernel(images, dyImage, pd.size(), count, dyStep, xpStep, dyv, a0, a1, a2,
                                        a3, xp, dx + offs[j0], dx + offs[Math.min(j0 + 1, crs - 1)],
                                        dx + offs[Math.min(j0 + 2, crs - 1)], dx + offs[Math.min(j0 + 3, crs - 1)], acc, ao);
                            }
                        }
                    }
                    reduceTiles(acc, kg, crs, tk, taps, jt, jn, out, outOff + gi * kg * crs);
                }
            }
        });
        Conv2dF32.addPartials(partial, dw, dwOff, g.weightSize());
    }

    /** Image blocks per thread in {@link #weightGrad} (static halves left one thread waiting ~10% of the time). */
    static final int BLOCKS_PER_THREAD = 4;

    /** Budget for the four dy rows of one weight-gradient kernel call (L1 is 32 KB here). */
    static final int WGRAD_DY_BYTES = Integer.getInteger("peekaboo.wgrad.dyBytes", 16 * 1024);

    /** Budget for the partial sums of one pass over the tap tiles (L2 is 1 MB here). */
    static final int WGRAD_ACC_BYTES = Integer.getInteger("peekaboo.wgrad.accBytes", 256 * 1024);

    /**
     * out[ko][j] = the sum of the VL lanes of the partial-sum vector for (ko, j), for the columns j of tap
     * tiles [jt, jt + jn) (taps columns each); acc holds those tiles for every row tile i at
     * (i*jn + jj)*4*taps vectors.
     */
    static void reduceTiles(float[] acc, int kg, int crs, int tk, int taps, int jt, int jn, float[] out,
            int outOff) {
        for (int i = 0; i < tk; i++) {
            for (int r = 0; r < 4 && 4 * i + r < kg; r++) {
                int o = outOff + (4 * i + r) * crs;
                for (int jj = 0; jj < jn; jj++) {
                    for (int c = 0; c < taps && taps * (jt + jj) + c < crs; c++) {
                        int base = ((i * jn + jj) * 4 * taps + r * taps + c) * VL;
                        float s = 0;
                        for (int l = 0; l < VL; l++) {
                            s += acc[base + l];
                        }
                        out[o + taps * (jt + jj) + c] = s;
                    }
                }
            }
        }
    }
}
