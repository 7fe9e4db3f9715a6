package peekaboo.backend.cpu;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import peekaboo.backend.ConvShape;
import static peekaboo.backend.cpu.SgemmKernel.MR;
import static peekaboo.backend.cpu.SgemmKernel.NR;
import static peekaboo.backend.cpu.SgemmKernel.VL;

/**
 * The input gradient of a strided convolution as sH x sW stride-1 correlations of dy, one per phase of the
 * input: no col2im.
 *
 * <p>Input pixel iy = sH*oy - padH + ty receives dy[oy] through tap ty. Split the input rows by phase
 * py = iy mod sH, iy = sH*a + py: only the taps with ty = py + padH (mod sH) reach phase py, each from dy row
 * a + (py + padH - ty)/sH. So phase (py, px) of dx is a stride-1 correlation of dy with those taps (3x3
 * stride 2: 1, 2, 2 and 4 taps for the four phases, 9 in all, the same multiply-adds as the strided conv).
 * Image by image, as on {@link Conv2dDirect}'s path, the micro-kernel reads the zero-padded dy in place
 * ({@link SgemmKernel#kernelIndexed}): dx_phase[c, (a, x)] = W_phase[c, (k, t)] . dy[(k, t), (a, x)]; the
 * phases are then interleaved into dx.
 *
 * <p>The patch path computes W^T . dy as a CRS x pixels matrix (nine times the size of dx) from GEMMs only k
 * deep, and adds it back into dx tap by tap (col2im). ResNet-20's strided layers, batch 128, calls
 * alternating in one JVM: 16->32 32x32 3.66 -> 2.82 ms, 32->64 16x16 3.67 -> 2.95 ms. What is left is
 * mostly memory: without the interleave (dx is 8 MB there) the first took 1.96-2.03 ms, with it 2.51-2.71.
 */
final class Conv2dPhaseInputGrad {

    private Conv2dPhaseInputGrad() {
    }

    /**
     * Strided, undilated, ungrouped layers whose taps reach every phase (a 1x1 stride-2 layer reaches one of four),
     * where each image's pass over the weights pays: the weights stay in L2, or each phase has 256 pixels or
     * more. Each image reads all the weights once; ResNet-18's 128->256 (1.2 MB, 8x8 outputs) and 256->512 (4.7
     * MB, 4x4) layers ran 1.3x and 2x slower this way than on the patch path, which shares the weights over a
     * chunk of images.
     */
    static boolean supports(ConvShape g) {
        return ENABLED && Sgemm.SIMD && g.groups() == 1 && g.dilH() == 1 && g.dilW() == 1
                && PaddedPatches.phasesPay(g)
                && ((long) g.weightSize() * Float.BYTES <= MAX_WEIGHT_BYTES || g.outH() * g.outW() >= 256);
    }

    /** Weights that stay in a core's L2 (1 MB here) next to an image of dy and its output. */
    private static final long MAX_WEIGHT_BYTES = 256 * 1024;

    /** -Dpeekaboo.conv.phaseInputGrad=false: the patch path's col2im instead. */
    private static final boolean ENABLED = !"false".equals(System.getProperty("peekaboo.conv.phaseInputGrad"));

    /** One phase (py, px): its taps (ty, tx), the dy offsets they read at, and its share of dx (ha x wb). */
    private record Phase(int py, int px, int[] ty, int[] tx, int[] dyOff, int[] dxOff, int ha, int wb) {
        static Phase of(ConvShape g, int py, int px) {
            int[] rows = taps(g.r(), py + g.padH(), g.strideH());
            int[] cols = taps(g.s(), px + g.padW(), g.strideW());
            int n = rows.length * cols.length;
            int[] ty = new int[n], tx = new int[n], oy = new int[n], ox = new int[n];
            for (int i = 0, t = 0; i < rows.length; i++) {
                for (int j = 0; j < cols.length; j++, t++) {
                    ty[t] = rows[i];
                    tx[t] = cols[j];
                    oy[t] = (py + g.padH() - rows[i]) / g.strideH(); // exact: ty = py + padH (mod sH)
                    ox[t] = (px + g.padW() - cols[j]) / g.strideW();
                }
            }
            int ha = Math.max(0, (g.h() - py + g.strideH() - 1) / g.strideH());
            int wb = Math.max(0, (g.w() - px + g.strideW() - 1) / g.strideW());
            return new Phase(py, px, ty, tx, oy, ox, ha, wb);
        }

        /** The taps t in [0, size) with t = shifted (mod stride). */
        private static int[] taps(int size, int shifted, int stride) {
            return IntStream.range(0, size).filter(t -> Math.floorMod(shifted - t, stride) == 0)
                    .toArray();
        }

        int taps() {
            return ty.length;
        }

        /** How far beyond dy's edges the phase reads: before its start and past its end, rows and columns. */
        int reach(ConvShape g) {
            int reach = 0;
            for (int t = 0; t < taps(); t++) {
                reach = Math.max(reach, Math.max(-dyOff[t], ha - 1 + dyOff[t] - (g.outH() - 1)));
                reach = Math.max(reach, Math.max(-dxOff[t], wb - 1 + dxOff[t] - (g.outW() - 1)));
            }
            return reach;
        }

        /**
         * op(A) [cPad, k * taps] packed whole as MR-high panels (a[ir*depth + p*MR + i]): row ci, column p = (ko, t)
         * is w[ko][ci][ty[t]][tx[t]], rows from c on zero.
         */
        void packWeights(ConvShape g, float[] w, int wOff, float[] a) {
            int depth = g.k() * taps();
            int rs = g.r() * g.s();
            for (int ci = 0; ci < g.c(); ci++) {
                int panel = ci / MR * MR * depth + ci % MR;
                for (int ko = 0, p = 0; ko < g.k(); ko++) {
                    int row = wOff + (ko * g.c() + ci) * rs;
                    for (int t = 0; t < taps(); t++, p++) {
                        a[panel + p * MR] = w[row + ty[t] * g.s() + tx[t]];
                    }
                }
            }
        }
    }

    /** dx[n, c, h, w] = the gradient of the strided conv g with respect to its input, given dy. */
    static void inputGrad(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        int phases = g.strideH() * g.strideW();
        Phase[] phase = new Phase[phases];
        int reach = 0;
        for (int py = 0, i = 0; py < g.strideH(); py++) {
            for (int px = 0; px < g.strideW(); px++, i++) {
                phase[i] = Phase.of(g, py, px);
                reach = Math.max(reach, phase[i].reach(g));
            }
        }
        // dy padded by the farthest reach of any tap: channel ko's pixel (oy, ox) at ko*plane + (oy + pad)*wp + ox + pad
        int pad = reach;
        int wp = g.outW() + 2 * pad;
        int plane = (g.outH() + 2 * pad) * wp;
        Tiles[] tiles = new Tiles[phases];
        int cPad = SgemmDriver.roundUp(g.c(), MR);
        int padded = g.k() * plane;
        int outSize = 0;
        int[] outOff = new int[phases]; // where each phase's output starts in the per-image buffer
        for (int i = 0; i < phases; i++) {
            tiles[i] = Tiles.of(g, phase[i], w, wOff, pad, wp, plane, cPad);
            padded = Math.max(padded, tiles[i].reads());
            outOff[i] = outSize;
            outSize += cPad * tiles[i].outColumns();
        }
        int paddedSize = padded + NR;
        int outFloats = outSize;
        long call = CALLS.incrementAndGet();
        Parallel.forEachTask(g.n(), b -> {
            Workspace ws = WORKSPACE.get();
            float[] dyp = ws.padded(paddedSize);
            if (ws.zeroedFor != call) { // borders stay zero: later images overwrite the interiors only
                Arrays.fill(dyp, 0, paddedSize, 0f);
                ws.zeroedFor = call;
            }
            int hw = g.outH() * g.outW();
            for (int ko = 0; ko < g.k(); ko++) {
                for (int oy = 0; oy < g.outH(); oy++) {
                    PaddedPatches.copy(dy, dyOff + (b * g.k() + ko) * hw + oy * g.outW(), dyp,
                            ko * plane + (oy + pad) * wp + pad, g.outW());
                }
            }
            float[] out = ws.out(outFloats + VL); // + VL: see interleave
            int image = dxOff + b * g.c() * g.h() * g.w();
            for (int i = 0; i < phases; i++) {
                tiles[i].compute(dyp, out, outOff[i], ws.tile);
            }
            if (g.strideW() == 2) { // the two column phases of each row phase, merged pair by pair
                for (int i = 0; i < phases; i += 2) {
                    interleave(g, tiles[i], tiles[i + 1], out, outOff[i], outOff[i + 1], dx, image);
                }
            } else {
                for (int i = 0; i < phases; i++) {
                    tiles[i].scatter(g, out, outOff[i], dx, image);
                }
            }
        });
    }

    /**
     * Stride 2 across: dx row sH*y + py = the rows y of its phases (py, 0) and (py, 1) interleaved, in whole vectors
     * ({@link PairLanes}; a scalar loop per phase, each store two floats apart, took 28% of the 16->32 layer's
     * time). Rows of VL/2 pairs read a vector past their end, which the output buffer's slack allows.
     */
    private static void interleave(ConvShape g, Tiles even, Tiles odd, float[] out, int oe, int oo, float[] dx,
            int dxOff) {
        int h = g.h(), w = g.w(), sh = g.strideH();
        int ha = even.phase().ha();
        int pairs = w / 2;
        for (int ci = 0; ci < g.c(); ci++) {
            int dst = dxOff + (ci * h + even.phase().py()) * w;
            for (int y = 0; y < ha; y++, dst += sh * w) {
                int e = oe + ci * even.q() + y * even.rowLength();
                PairLanes.merge(out, e, out, oo + ci * odd.q() + y * odd.rowLength(), pairs, true, dx, dst);
                if ((w & 1) != 0) {
                    dx[dst + w - 1] = out[e + pairs];
                }
            }
        }
    }

    /**
     * How one phase runs on one padded image of dy: its weights packed as op(A) [cPad, k * taps], each row (ko, t)
     * of the patch matrix read in place at dyp[offs[(ko, t)] + q] ({@link SgemmKernel#kernelIndexed}), and the
     * output columns q: whole rows of NR, pairs of VL-wide rows, or the virtual grid q = a*wp + x (junk columns).
     */
    private record Tiles(Phase phase, float[] a, int cPad, int depth, int[] offs, int wp, int rowStep, int second,
            boolean grid, int q) {
        static Tiles of(ConvShape g, Phase f, float[] w, int wOff, int pad, int wp, int plane, int cPad) {
            int depth = g.k() * f.taps();
            float[] a = new float[cPad * depth];
            int[] offs = new int[depth];
            if (depth > 0) {
                f.packWeights(g, w, wOff, a); // a is new: the padding rows stay zero
                for (int ko = 0, i = 0; ko < g.k(); ko++) {
                    for (int t = 0; t < f.taps(); t++, i++) {
                        offs[i] = ko * plane + (f.dyOff()[t] + pad) * wp + f.dxOff()[t] + pad;
                    }
                }
            }
            boolean rowPairs = f.wb() == VL && f.ha() % 2 == 0;
            boolean grid = !rowPairs && f.wb() % NR != 0;
            int q = grid ? SgemmDriver.roundUp(f.ha() * wp, NR) : f.ha() * f.wb();
            return new Tiles(f, a, cPad, depth, offs, wp, rowPairs ? 2 : 1, rowPairs ? wp : VL, grid, q);
        }

        /** Floats from one output row of the phase to the next: wb, or wp on the virtual grid. */
        int rowLength() {
            return grid ? wp : phase.wb();
        }

        /** Output columns per channel: the phase's pixels, or its virtual grid. */
        int outColumns() {
            return q;
        }

        /** How far into the padded image the kernel reads (one past the last float). */
        int reads() {
            int max = 0;
            for (int o : offs) {
                max = Math.max(max, o);
            }
            return max + (grid ? q : (phase.ha() - 1) * wp + phase.wb()) + NR;
        }

        /** out[o + ci*q + column] for the phase's columns (zero for a phase no tap reaches). */
        void compute(float[] dyp, float[] out, int o, float[] tile) {
            if (depth == 0) {
                Arrays.fill(out, o, o + cPad * q, 0f);
                return;
            }
            int ha = phase.ha();
            int wb = phase.wb();
            for (int pc = 0; pc < depth; pc += SgemmDriver.KC) {
                int kc = Math.min(SgemmDriver.KC, depth - pc);
                for (int ir = 0; ir < cPad; ir += MR) {
                    int ai = ir * depth + pc * MR;
                    int yo = o + ir * q;
                    if (grid) {
                        for (int q0 = 0; q0 < q; q0 += NR) {
                            SgemmKernel.kernelIndexed(kc, a, ai, dyp, q0, VL, offs, pc, tile);
                            SgemmKernel.merge(tile, out, yo + q0, q, pc > 0, MR, NR);
                        }
                    } else {
                        for (int y = 0; y < ha; y += rowStep) {
                            for (int x = 0; x < wb; x += NR) {
                                SgemmKernel.kernelIndexed(kc, a, ai, dyp, y * wp + x, second, offs, pc, tile);
                                SgemmKernel.merge(tile, out, yo + y * wb + x, q, pc > 0, MR, NR);
                            }
                        }
                    }
                }
            }
        }

        /** dx[ci][sH*a + py][sW*x + px] = the phase's output at (ci, a, x), for one image (dx at its first channel). */
        void scatter(ConvShape g, float[] out, int o, float[] dx, int dxOff) {
            int h = g.h(), w = g.w(), sh = g.strideH(), sw = g.strideW();
            int ha = phase.ha(), wb = phase.wb();
            int rowLength = rowLength();
            for (int ci = 0; ci < g.c(); ci++) {
                int dst = dxOff + (ci * h + phase.py()) * w + phase.px();
                for (int y = 0; y < ha; y++, dst += sh * w) {
                    int src = o + ci * q + y * rowLength;
                    for (int x = 0, d = dst; x < wb; x++, d += sw) {
                        dx[d] = out[src + x];
                    }
                }
            }
        }
    }

    /** Per-thread buffers, grown on demand and reused. */
    private static final class Workspace {
        float[] padded = new float[0];
        float[] out = new float[0];
        final float[] tile = new float[MR * NR];
        /** The call that last zeroed padded. */
        long zeroedFor = -1;

        float[] padded(int size) {
            return padded.length >= size ? padded : (padded = new float[size]);
        }

        float[] out(int size) {
            return out.length >= size ? out : (out = new float[size]);
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    /** Numbers the calls, so that each thread zeroes its padded buffer once per call. */
    private static final AtomicLong CALLS = new AtomicLong();
}
