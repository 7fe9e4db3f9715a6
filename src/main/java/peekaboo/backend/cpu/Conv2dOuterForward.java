package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import peekaboo.backend.ConvShape;

/**
 * The forward 3x3 stride-2 convolution with output channels in the vector lanes: y[k][oy][ox] = the sum over input
 * channels c and taps (ty, tx) of w[k][c][ty][tx] x[c][2*oy + ty - 1][2*ox + tx - 1], for 8 output pixels of a row at
 * once (their x values broadcast straight from the zero-padded image, 2 apart) against 32 output channels (two
 * vectors of weights packed tap by tap). That is the GEMM kernel's shape (16 FMAs for 8 broadcasts and 2 loads) with
 * the image as the broadcast operand, so the layer reads its pixels 2 apart instead of having its image split into
 * phase planes first (a quarter of the direct path's time), and an 8-wide output map fills whole kernel calls
 * instead of a virtual grid with junk columns.
 *
 * <p>Each image's sums are kept channels-last (a pixel's output channels side by side) and written to y by 16 x 16
 * transpositions ({@link Transpose16}). Calls alternating in one JVM (two builds side by side, 2 threads, session
 * 22), against the paths taken before: ResNet-20's 32->64 1.08-1.17 against 1.38-1.43 ms, ResNet-18's 128->256
 * 3.08-3.13 against 3.51-3.54; ResNet-20's 16->32 and ResNet-18's 64->128 the same within the spread (1.24 against
 * 1.20-1.28, 3.17 against 3.06-3.40). At stride 1 it only tied on 8x8 maps (64->64: 1.51-1.74 against
 * 1.59-1.72 ms) and lost with 256 channels, so it stays with stride 2.
 *
 * <p>With 8-lane vectors (AVX2) the tile is 8 pixels x 16 channels, and the kernel runs as two passes of 4 pixels
 * (8 accumulators each: 16 do not fit AVX2's 16 registers with the operands), the sums then transposed 8 x 8
 * ({@link Transpose8}). Both builds side by side (bench/side-by-side.sh, 20 calls each, session 24, Zen 3), against
 * the direct path's phase planes: ResNet-20's 16->32 0.74-0.81 and 32->64 0.72-0.75 of its time, ResNet-18's
 * 64->128 0.68-0.75 and 128->256 0.81-0.91.
 */
final class Conv2dOuterForward {
    private static final VectorSpecies<Float> S = SgemmKernel.S;
    private static final int VL = SgemmKernel.VL;
    /** Output pixels a kernel call takes: one row segment. */
    private static final int PIXELS = 8;
    /** Output channels a kernel call takes: two vectors (the GEMM kernel's tile, for {@link SgemmKernel#merge}). */
    private static final int NR = SgemmKernel.NR;
    /**
     * The most taps one kernel call sums: 32 channels' weights for them are 32 KB (16 channels, 16 KB, on 8 lanes), in
     * L1 with the image rows.
     */
    private static final int KC = 256;

    private Conv2dOuterForward() {
    }

    /**
     * Ungrouped 3x3 stride-2 convolutions with padding 1 on 16- or 8-lane vectors, output channels in whole kernel
     * calls (two vectors) and output rows in whole kernel calls (8 pixels).
     */
    static boolean supports(ConvShape g) {
        return ENABLED && Sgemm.SIMD && (VL == 16 || VL == 8) && g.groups() == 1 && g.k() % NR == 0 && g.r() == 3
                && g.s() == 3 && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 1 && g.padW() == 1
                && g.dilH() == 1 && g.dilW() == 1 && g.outW() % PIXELS == 0 && g.outH() * g.outW() % VL == 0;
    }

    /** -Dpeekaboo.conv.outerForward=false: the other paths instead. */
    private static final boolean ENABLED = !"false".equals(System.getProperty("peekaboo.conv.outerForward"));

    /** Per-thread buffers. */
    private static final class Workspace {
        /** The padded image: every image overwrites its interior, nothing writes its zero border. */
        final ShapedBuffer image = new ShapedBuffer();
        /** One image's output, channels-last. */
        float[] sums = new float[0];
        final float[] tile = new float[PIXELS * NR];
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        int k = g.k();
        int c = g.c();
        int h = g.h();
        int wd = g.w();
        int oh = g.outH();
        int ow = g.outW();
        int ohw = oh * ow;
        int hp = h + 2;
        int wp = wd + 2;
        int taps = c * 9;
        float[] packed = pack(w, wOff, k, taps);
        int[] offs = new int[taps]; // tap (ci, ty, tx) of output pixel (0, 0) in the padded image
        for (int t = 0; t < taps; t++) {
            offs[t] = t / 9 * hp * wp + t % 9 / 3 * wp + t % 3;
        }
        int blocks = (taps + KC - 1) / KC; // balanced blocks of taps
        Parallel.forEachTask(g.n(), b -> {
            Workspace ws = WORKSPACE.get();
            float[] image = ws.image.get(c * hp * wp, ShapedBuffer.key(c, h, wd));
            float[] sums = ws.sums = Buffers.grow(ws.sums, ohw * k);
            for (int ci = 0; ci < c; ci++) {
                for (int iy = 0; iy < h; iy++) {
                    System.arraycopy(x, xOff + ((b * c + ci) * h + iy) * wd, image, (ci * hp + iy + 1) * wp + 1, wd);
                }
            }
            for (int kb = 0; kb < k; kb += NR) {
                for (int blk = 0; blk < blocks; blk++) {
                    int t0 = taps * blk / blocks;
                    int kc = taps * (blk + 1) / blocks - t0;
                    int wi = kb * taps + t0 * NR;
                    for (int oy = 0; oy < oh; oy++) {
                        for (int ox = 0; ox < ow; ox += PIXELS) {
                            kernel(kc, image, 2 * (oy * wp + ox), offs, t0, packed, wi, ws.tile);
                            SgemmKernel.merge(ws.tile, sums, (oy * ow + ox) * k + kb, k, blk > 0, PIXELS, NR);
                        }
                    }
                }
            }
            int yo = yOff + b * k * ohw;
            Transposes.toChannelsFirst(sums, ohw, k, y, yo);
            if (bias != null) {
                Conv2dF32.addRowBias(y, yo, k, ohw, bias, biasOff);
            }
        });
    }

    /**
     * packed[(kb*taps + t)*32 + j] = w[kb + j][t]: per block of 32 output channels, their weights tap by tap; the
     * blocks in parallel, each written in order while its 32 rows of w are read side by side (one thread writing
     * 32 floats apart took 7% of ResNet-18's 128->256 layer).
     */
    private static float[] pack(float[] w, int wOff, int k, int taps) {
        float[] packed = new float[k * taps];
        Parallel.forEachTask(k / NR, block -> {
            int kb = block * NR;
            int src = wOff + kb * taps;
            for (int t = 0, d = kb * taps; t < taps; t++) {
                for (int j = 0; j < NR; j++, d++) {
                    packed[d] = w[src + j * taps + t];
                }
            }
        });
        return packed;
    }

    /**
     * t[p*32 + j] = the sum over taps u in [t0, t0 + kc) of x[xi + offs[u] + 2p] times b[bi + (u - t0)*32 + j], p
     * in [0, 8): eight output pixels of a row, their taps 2 apart in the padded image, against 32 output channels.
     */
    private static void kernel(int kc, float[] x, int xi, int[] offs, int t0, float[] b, int bi, float[] t) {
        if (SgemmKernel.HALVES) {
            kernelHalf(kc, x, xi, offs, t0, b, bi, t, 0);
            kernelHalf(kc, x, xi + 8, offs, t0, b, bi, t, 4);
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
        // the weights' index computed from u, not stepped on its own: then C2 checks its bounds once, before the
        // loop, which leaves general registers enough for the rest (stepped, in some JVMs' compiles two values
        // lived in vector registers, moved back every iteration: ResNet-18's 64->128 3.45 instead of 3.0 ms)
        int base = bi - t0 * NR;
        for (int u = t0; u < t0 + kc; u++) {
            int o = xi + offs[u];
            FloatVector b0 = FloatVector.fromArray(S, b, base + u * NR);
            FloatVector b1 = FloatVector.fromArray(S, b, base + u * NR + VL);
            FloatVector av;
            av = FloatVector.broadcast(S, x[o]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, x[o + 2]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, x[o + 4]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, x[o + 6]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
            av = FloatVector.broadcast(S, x[o + 8]);
            c40 = b0.fma(av, c40);
            c41 = b1.fma(av, c41);
            av = FloatVector.broadcast(S, x[o + 10]);
            c50 = b0.fma(av, c50);
            c51 = b1.fma(av, c51);
            av = FloatVector.broadcast(S, x[o + 12]);
            c60 = b0.fma(av, c60);
            c61 = b1.fma(av, c61);
            av = FloatVector.broadcast(S, x[o + 14]);
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
     * {@link #kernel} for 4 of the 8 pixels, tile rows row..row + 3 (their taps from x[xi + offs[u]] on, 2 apart: xi
     * is the kernel's, plus 8 for pixels 4 to 7), in 8 accumulators: with 8-lane vectors ({@link SgemmKernel#HALVES})
     * the two halves in turn, each sum formed as in the one-pass kernel.
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
            av = FloatVector.broadcast(S, x[o + 2]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, x[o + 4]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, x[o + 6]);
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
