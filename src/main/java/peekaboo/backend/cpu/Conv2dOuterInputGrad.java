package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import peekaboo.backend.ConvShape;

/**
 * The input gradient of a 3x3 stride-2 convolution with input channels in the vector lanes, on
 * {@link Conv2dOuterForward}'s kernel. Input pixel iy = 2*oy - 1 + ty receives dy[oy] through tap ty, so the input
 * rows of one phase py = iy mod 2 take only the taps ty = py + 1 (mod 2), each from dy row iy/2 + (py + 1 - ty)/2
 * (the same for the columns, as in {@link Conv2dPhaseInputGrad}): phase (py, px) of dx is a stride-1 correlation
 * of dy with 1, 2, 2 or 4 taps. Eight neighbouring pixels of a phase row, 2 apart in dx, take their dy values
 * broadcast from the image padded below and to the right, against 32 input channels (two vectors of weights packed
 * per phase, output channel by tap).
 *
 * <p>Each image's sums are kept channels-last, every phase writing its own pixels, and written to dx by 16 x 16
 * transpositions ({@link Transpose16}): that replaces the interleaving of the phases.
 */
final class Conv2dOuterInputGrad {
    private static final VectorSpecies<Float> S = SgemmKernel.S;
    private static final int VL = SgemmKernel.VL;
    /** Pixels of a phase row a kernel call takes. */
    private static final int PIXELS = 8;
    /** Input channels a kernel call takes: two vectors (the GEMM kernel's tile, for {@link SgemmKernel#merge}). */
    private static final int NR = SgemmKernel.NR;
    /** The most taps one kernel call sums (32 KB of weights; 16 KB on 8 lanes). */
    private static final int KC = 256;

    private Conv2dOuterInputGrad() {
    }

    /**
     * Ungrouped 3x3 stride-2 convolutions with padding 1, input channels in whole kernel calls (two vectors), where
     * this path wins.
     * <ul>
     * <li>16 lanes (Zen 5): phase rows of one kernel call (8 pixels: input rows of 16), which the phase path's
     * kernel takes 32 pixels at a time, and weights that stay in L2 while each image passes them all. Calls
     * alternating in one JVM (batch 128 and 32, 2 threads): ResNet-20's 32->64 0.97-1.06 against 1.43-1.50 ms;
     * ResNet-18's 128->256 (1.2 MB of weights) 3.61-4.09 against 3.81-3.92, its 64->128 (input rows of 32)
     * 3.68-4.21 against 3.19-3.51.</li>
     * <li>8 lanes (Zen 3, the kernel in two passes of 4 pixels): input rows of any multiple of 16 and weights up to
     * 2 MB. Both builds side by side (bench/side-by-side.sh, 20 calls each, session 24), against the phase path:
     * ResNet-20's 16->32 0.76 and 32->64 0.69 of its time, ResNet-18's 64->128 0.70 and 128->256 0.92.</li>
     * </ul>
     */
    static boolean supports(ConvShape g) {
        boolean fits = VL == 16 ? g.w() == 2 * PIXELS && (long) g.weightSize() * Float.BYTES <= MAX_WEIGHT_BYTES
                : VL == 8 && g.w() % (2 * PIXELS) == 0 && (long) g.weightSize() * Float.BYTES <= MAX_WEIGHT_BYTES_8;
        return ENABLED && Sgemm.SIMD && fits && g.groups() == 1 && g.c() % NR == 0 && g.r() == 3 && g.s() == 3
                && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 1 && g.padW() == 1 && g.dilH() == 1
                && g.dilW() == 1;
    }

    /** Weights that stay in a core's L2 (1 MB on Zen 5) next to an image of dy and its sums. */
    private static final long MAX_WEIGHT_BYTES = 256 * 1024;
    /** With 8-lane vectors the most weights measured (ResNet-18's 128->256 has 1.2 MB). */
    private static final long MAX_WEIGHT_BYTES_8 = 2 * 1024 * 1024;

    /** -Dpeekaboo.conv.outerInputGrad=false: the other paths instead. */
    private static final boolean ENABLED = !"false".equals(System.getProperty("peekaboo.conv.outerInputGrad"));

    /** One phase (py, px) of dx: where its taps read the padded dy (per output channel and tap) and their weights. */
    private record Phase(int py, int px, int taps, int[] offs, float[] packed) {
        static Phase of(ConvShape g, int py, int px, float[] w, int wOff, int dyPlane, int dyRow) {
            int[] rows = py == 0 ? new int[] {1} : new int[] {0, 2};
            int[] cols = px == 0 ? new int[] {1} : new int[] {0, 2};
            int k = g.k();
            int c = g.c();
            int taps = k * rows.length * cols.length;
            int[] offs = new int[taps];
            float[] packed = new float[c * taps];
            int u = 0;
            for (int ko = 0; ko < k; ko++) {
                for (int ty : rows) {
                    for (int tx : cols) {
                        offs[u] = ko * dyPlane + (py + 1 - ty) / 2 * dyRow + (px + 1 - tx) / 2;
                        // packed[(cb*taps + u)*32 + j] = w[ko][cb + j][ty][tx]
                        for (int ci = 0; ci < c; ci++) {
                            packed[((ci / NR) * taps + u) * NR + ci % NR] = w[wOff + ((ko * c + ci) * 3 + ty) * 3 + tx];
                        }
                        u++;
                    }
                }
            }
            return new Phase(py, px, taps, offs, packed);
        }
    }

    /** Per-thread buffers. */
    private static final class Workspace {
        /** dy padded by one row below and one column to the right: nothing writes that border. */
        final ShapedBuffer dy = new ShapedBuffer();
        /** One image's dx, channels-last. */
        float[] sums = new float[0];
        final float[] tile = new float[PIXELS * NR];
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    static void inputGrad(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        int k = g.k();
        int c = g.c();
        int h = g.h();
        int wd = g.w();
        int hw = h * wd;
        int oh = g.outH();
        int ow = g.outW();
        int dyRow = ow + 1;
        int dyPlane = (oh + 1) * dyRow;
        Phase[] phases = new Phase[4];
        for (int p = 0; p < 4; p++) {
            phases[p] = Phase.of(g, p / 2, p % 2, w, wOff, dyPlane, dyRow);
        }
        Parallel.forEachTask(g.n(), b -> {
            Workspace ws = WORKSPACE.get();
            float[] padded = ws.dy.get(k * dyPlane, ShapedBuffer.key(k, oh, ow));
            float[] sums = ws.sums = Buffers.grow(ws.sums, hw * c);
            for (int ko = 0; ko < k; ko++) {
                for (int oy = 0; oy < oh; oy++) {
                    System.arraycopy(dy, dyOff + ((b * k + ko) * oh + oy) * ow, padded, ko * dyPlane + oy * dyRow, ow);
                }
            }
            for (int cb = 0; cb < c; cb += NR) {
                for (Phase ph : phases) {
                    int rows = (h - ph.py() + 1) / 2;
                    int blocks = (ph.taps() + KC - 1) / KC; // balanced blocks of taps
                    for (int blk = 0; blk < blocks; blk++) {
                        int t0 = ph.taps() * blk / blocks;
                        int kc = ph.taps() * (blk + 1) / blocks - t0;
                        int wi = (cb / NR * ph.taps() + t0) * NR;
                        for (int a = 0; a < rows; a++) {
                            for (int j = 0; j < wd / 2; j += PIXELS) {
                                kernel(kc, padded, a * dyRow + j, ph.offs(), t0, ph.packed(), wi,
                                        ws.tile);
                                // the block's pixels (2a + py, 2(j + i) + px) lie 2 pixels apart in the sums
                                SgemmKernel.merge(ws.tile, sums, ((2 * a + ph.py()) * wd + 2 * j + ph.px()) * c + cb,
                                        2 * c, blk > 0, PIXELS, NR);
                            }
                        }
                    }
                }
            }
            Transposes.toChannelsFirst(sums, hw, c, dx, dxOff + b * c * hw);
        });
    }

    /**
     * t[p*32 + j] = the sum over taps u in [t0, t0 + kc) of x[xi + offs[u] + p] times b[bi + (u - t0)*32 + j], p
     * in [0, 8): eight neighbouring pixels of a phase row against 32 input channels ({@link Conv2dOuterForward}'s
     * kernel with the pixels 1 apart).
     */
    private static void kernel(int kc, float[] x, int xi, int[] offs, int t0, float[] b, int bi, float[] t) {
        if (SgemmKernel.HALVES) {
            kernelHalf(kc, x, xi, offs, t0, b, bi, t, 0);
            kernelHalf(kc, x, xi + 4, offs, t0, b, bi, t, 4);
            return;
        }
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z,
                c40 = z, c41 = z,
                c50 = z, c51 = z,
                c60 = z, c61 = z,
                c70 = z, c71 = z;
        // the weights' index computed from u, as in Conv2dOuterForward's kernel
        int base = bi - t0 * NR;
        for (int u = t0; u < t0 + kc; u++) {
            int o = xi + offs[u];
            FloatVector b0 = FloatVector.fromArray(S, b, base + u * NR);
            FloatVector b1 = FloatVector.fromArray(S, b, base + u * NR + VL);
            FloatVector av;
            av = FloatVector.broadcast(S, x[o]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, x[o + 1]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, x[o + 2]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, x[o + 3]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
            av = FloatVector.broadcast(S, x[o + 4]);
            c40 = b0.fma(av, c40);
            c41 = b1.fma(av, c41);
            av = FloatVector.broadcast(S, x[o + 5]);
            c50 = b0.fma(av, c50);
            c51 = b1.fma(av, c51);
            av = FloatVector.broadcast(S, x[o + 6]);
            c60 = b0.fma(av, c60);
            c61 = b1.fma(av, c61);
            av = FloatVector.broadcast(S, x[o + 7]);
            c70 = b0.fma(av, c70);
            c71 = b1.fma(av, c71);
        }
        c00.intoArray(t, 0 * NR);
        c01.intoArray(t, 0 * NR + VL);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + VL);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + VL);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + VL);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + VL);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + VL);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + VL);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + VL);
    }

    /**
     * {@link #kernel} for 4 of the 8 pixels, tile rows row..row + 3 (their taps from x[xi + offs[u]] on: xi is the
     * kernel's, plus 4 for pixels 4 to 7), in 8 accumulators: with 8-lane vectors ({@link SgemmKernel#HALVES}) the
     * two halves in turn, each sum formed as in the one-pass kernel.
     */
    private static void kernelHalf(int kc, float[] x, int xi, int[] offs, int t0, float[] b, int bi, float[] t,
            int row) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z;
        int base = bi - t0 * NR;
        for (int u = t0; u < t0 + kc; u++) {
            int o = xi + offs[u];
            FloatVector b0 = FloatVector.fromArray(S, b, base + u * NR);
            FloatVector b1 = FloatVector.fromArray(S, b, base + u * NR + VL);
            FloatVector av;
            av = FloatVector.broadcast(S, x[o]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, x[o + 1]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, x[o + 2]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, x[o + 3]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
        }
        c00.intoArray(t, (row + 0) * NR);
        c01.intoArray(t, (row + 0) * NR + VL);
        c10.intoArray(t, (row + 1) * NR);
        c11.intoArray(t, (row + 1) * NR + VL);
        c20.intoArray(t, (row + 2) * NR);
        c21.intoArray(t, (row + 2) * NR + VL);
        c30.intoArray(t, (row + 3) * NR);
        c31.intoArray(t, (row + 3) * NR + VL);
    }
}
