package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import peekaboo.backend.ConvShape;

/**
 * The weight gradient of 3x3 convolutions with 16 to 64 input channels on maps 16 or more wide (ResNet-20's
 * layers before its 8x8 stage, ResNet-18's 64-channel ones) as outer products over pixels: dw[k][c][ty][tx] =
 * the sum over images and output pixels (oy, ox) of dy[k][oy][ox] x[c][s*oy + ty - 1][s*ox + tx - 1], for 8
 * output channels at once (their dy values broadcast from 8 rows) against one row of taps of 16 input channels
 * (three vectors of a channels-last copy of the padded image: the row's three taps are three neighbouring
 * pixels, 16 channels each). The kernel does 24 FMAs for 3 loads and 8 broadcasts; the dot products of the other
 * paths do 16 for 8 loads, two cache lines each where a vector does not start a line.
 *
 * <p>Each image is copied channels-last, one plane of 16-channel pixels per 16 channels, by 16 x 16
 * transpositions of one-vector rearranges and blends ({@link Transpose16}; scalars took twice as long), and
 * dy's rows are copied (quantised for PSG) into rows a constant {@link #DY_STRIDE} apart. Constant distances
 * between the 8 dy rows and between the 3 taps let the kernel address them from one index each: with 8 row
 * offsets and the tap distance in variables, C2 ran out of general registers, parked some of them in vector
 * registers, and in 1 of 6 runs then spilled two of the three x vectors, reloading them from the stack for every
 * FMA (a 5,368-byte compile against 5,112; ResNet-20's dense step 956 against 1,050-1,070 images/s).
 *
 * <p>Calls alternating in one JVM (session 21, batch 128, 2 threads): ResNet-20's 16->16 layer 1.70-1.83 against
 * 2.95-3.32 ms for the Winograd-row path. Per layer among all of a model's (ConvLayersTimer), against the paths
 * taken before: 16->16 1.50-1.89 against 2.82-3.01 ms, 32->32 16x16 1.42 against 2.18-2.66 (F(2x2, 3x3)), the
 * stride-2 layers 16->32 0.92-1.06 against 2.23-3.88 and 32->64 0.93-1.03 against 1.46-1.53, ResNet-18's 64->64
 * (batch 32) 5.44-5.99 against 6.18-6.70; 128 channels lost (128->128 16x16 6.30-6.94 against 5.40-5.63).
 *
 * <p>The kernel runs at full speed only where C2 compiles all of its vector operations, which on JDK 17 takes
 * {@code -XX:PerMethodTrapLimit} above its default (see {@code pab}): each of its 48 lanewise operations inlines
 * {@code VectorOperators.ImplCache.find}, whose profile carries 4 class-check traps, and past 100 traps in one
 * compile C2 gives its type guards virtual-call fallbacks, after which the stores lose their constant vector
 * class and run the Java fallback (seen: 7 of 16 stores of a two-tap version in a PaB run, 0 with the option).
 *
 * <p>A chunk of images adds into its own lane-wise sums, chunks are summed in a fixed order, so the result does
 * not depend on which thread ran what.
 */
final class Conv2dOuterWeightGrad {
    private static final VectorSpecies<Float> S = SgemmKernel.S;
    private static final int VL = SgemmKernel.VL;
    /** Input channels a kernel call takes: one vector (16, or 8 on AVX2). */
    private static final int C = VL;
    /** Output channels a kernel call broadcasts. */
    private static final int MR = 8;
    /** Floats of one kernel call's sums: MR output channels x three taps x C input channels. */
    private static final int TILE = MR * 3 * C;
    /**
     * Floats between two of the copied dy rows: the most output pixels a kernel call takes (larger maps are taken
     * in bands of whole output rows), plus 16 so that the rows do not fall on the same cache sets.
     */
    static final int DY_STRIDE = 1024 + 16;
    /** The most input channels it takes (tuning: -Dpeekaboo.conv.outerWeightGradMaxChannels). */
    private static final int MAX_CHANNELS = Integer.getInteger("peekaboo.conv.outerWeightGradMaxChannels", 64);
    /**
     * The most input channels it takes with 8-lane vectors, where the kernel runs as two passes of 4 dy rows over the
     * same pixels, and only at stride 2. Both builds side by side (bench/side-by-side.sh, 20 calls each, session 24),
     * against the paths taken before: ResNet-20's 16->32 stride 2 0.66-0.87 of its time; 16->16 at stride 1 0.86-0.90
     * beside three other layers but 1.08-1.17 among all of the model's (the Winograd-row path); with 32 channels
     * 1.00-1.14 (F(2x2, 3x3) and the direct path), with 64 1.17-1.46.
     */
    private static final int MAX_CHANNELS_8 = 16;

    private Conv2dOuterWeightGrad() {
    }

    /**
     * Ungrouped 3x3 convolutions at stride 1 or 2 with padding 1, 16 to {@link #MAX_CHANNELS} input channels in
     * whole vectors (with 8-lane vectors: 16 channels at stride 2, {@link #MAX_CHANNELS_8}), a multiple of 8 output
     * channels,
     * input rows of whole vectors and output rows of at most {@link #DY_STRIDE} pixels.
     */
    static boolean supports(ConvShape g) {
        return ENABLED && Sgemm.SIMD && (VL == 16 || VL == 8 && g.strideW() == 2) && g.groups() == 1 && g.c() % C == 0
                && g.c() <= (VL == 16 ? MAX_CHANNELS : MAX_CHANNELS_8)
                && g.k() % MR == 0 && g.r() == 3 && g.s() == 3 && g.strideH() == g.strideW() && g.strideW() <= 2
                && g.padH() == 1 && g.padW() == 1 && g.dilH() == 1 && g.dilW() == 1 && g.w() % VL == 0
                && g.outW() <= DY_STRIDE;
    }

    /** -Dpeekaboo.conv.outerWeightGrad=false: the other paths instead. */
    private static final boolean ENABLED = !"false".equals(System.getProperty("peekaboo.conv.outerWeightGrad"));

    /** Per-thread buffers, grown on demand. */
    private static final class Workspace {
        /** The padded channels-last image: every image overwrites its interior, nothing writes its zero border. */
        final ShapedBuffer image = new ShapedBuffer();
        float[] quantized = new float[0];
        /** dy's rows for one kernel call, {@link #DY_STRIDE} apart. */
        float[] dyRows = new float[0];
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** The weight gradient of Q(x) and Q(dy), each operand quantised as it is copied (null: plain). */
    static void weightGrad(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy, int dyOff,
            PabKernels.Quantizing qdy, float[] dw, int dwOff) {
        int k = g.k();
        int c = g.c();
        int h = g.h();
        int w = g.w();
        int hw = h * w;
        int oh = g.outH();
        int ow = g.outW();
        int ohw = oh * ow;
        int stride = g.strideW();
        int wp = w + 2;
        int plane = (h + 2) * wp * C; // one group of 16 channels of the padded image, channels last
        int step = stride * C; // from one output pixel's taps to the next one's
        int jump = stride * (wp - ow) * C; // and from a row's end to the next row's start
        int band = Math.min(oh, DY_STRIDE / ow); // output rows a kernel call takes
        int tiles = k / MR * (c / C) * 3;
        int chunks = Math.min(g.n(), Parallel.threads() * Conv2dDirect.BLOCKS_PER_THREAD);
        float[][] sums = new float[chunks][];
        Parallel.forEachTask(chunks, ch -> {
            Workspace ws = WORKSPACE.get();
            float[] image = ws.image.get(c / C * plane, ShapedBuffer.key(c, h, w));
            float[] rows = ws.dyRows = Buffers.grow(ws.dyRows, MR * DY_STRIDE);
            float[] t = new float[tiles * TILE];
            int b0 = (int) ((long) g.n() * ch / chunks);
            int b1 = (int) ((long) g.n() * (ch + 1) / chunks);
            for (int b = b0; b < b1; b++) {
                float[] xs = x;
                int xs0 = xOff + b * c * hw;
                if (qx != null) {
                    xs = ws.quantized = Buffers.grow(ws.quantized, c * hw);
                    qx.copy(x, xs0, xs, 0, c * hw);
                    xs0 = 0;
                }
                for (int cg = 0; cg < c / C; cg++) {
                    for (int iy = 0; iy < h; iy++) {
                        for (int ix = 0; ix < w; ix += VL) {
                            Transposes.block(xs, xs0 + cg * C * hw + iy * w + ix, hw, image,
                                    cg * plane + ((iy + 1) * wp + ix + 1) * C, C);
                        }
                    }
                }
                int ds0 = dyOff + b * k * ohw;
                for (int oy = 0; oy < oh; oy += band) {
                    int pixels = Math.min(band, oh - oy) * ow;
                    int tile = 0;
                    for (int kb = 0; kb < k / MR; kb++) {
                        for (int i = 0; i < MR; i++) {
                            PabKernels.Quantizing.copy(qdy, dy, ds0 + (kb * MR + i) * ohw + oy * ow, rows,
                                    i * DY_STRIDE, pixels);
                        }
                        for (int cg = 0; cg < c / C; cg++) {
                            for (int ty = 0; ty < 3; ty++, tile += TILE) { // kernel row ty: taps from pixel (ty, 0)
                                kernel(pixels, ow, step, jump, rows, image,
                                        cg * plane + (stride * oy + ty) * wp * C, t, tile);
                            }
                        }
                    }
                }
            }
            float[] out = new float[g.weightSize()];
            int tile = 0;
            for (int kb = 0; kb < k / MR; kb++) {
                for (int cg = 0; cg < c / C; cg++) {
                    for (int ty = 0; ty < 3; ty++, tile += TILE) {
                        for (int i = 0; i < MR; i++) {
                            for (int j = 0; j < 3 * C; j++) { // tap column j / C, input channel cg*C + j % C
                                out[((kb * MR + i) * c + cg * C + j % C) * 9 + 3 * ty + j / C] =
                                        t[tile + i * 3 * C + j];
                            }
                        }
                    }
                }
            }
            sums[ch] = out;
        });
        System.arraycopy(sums[0], 0, dw, dwOff, g.weightSize());
        Conv2dF32.addPartials(sums, dw, dwOff, g.weightSize());
    }

    /**
     * t[to + i*48 + j] += the sum over pixels p < n of a[p + i*DY_STRIDE] times b[bi + q(p) + j], j < 48 (three
     * neighbouring pixels' 16 channels: one row of taps), where q advances by step a pixel and by jump more at
     * the end of each row of ow pixels: 8 dy rows broadcast against three vectors of the channels-last image a
     * pixel, 24 FMAs for 11 loads.
     */
    private static void kernel(int n, int ow, int step, int jump, float[] a, float[] b, int bi, float[] t, int to) {
        if (SgemmKernel.HALVES) {
            kernelHalf(n, ow, step, jump, a, 0, b, bi, t, to);
            kernelHalf(n, ow, step, jump, a, 4 * DY_STRIDE, b, bi, t, to + 4 * 3 * C);
            return;
        }
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z,
                c10 = z, c11 = z, c12 = z,
                c20 = z, c21 = z, c22 = z,
                c30 = z, c31 = z, c32 = z,
                c40 = z, c41 = z, c42 = z,
                c50 = z, c51 = z, c52 = z,
                c60 = z, c61 = z, c62 = z,
                c70 = z, c71 = z, c72 = z;
        // one flat loop over the pixels, the image's column jump at each row's end (as SgemmKernel.dotKernel)
        for (int p = 0, u = 0; p < n; p++, bi += step) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + C);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * C);
            FloatVector av;
            av = FloatVector.broadcast(S, a[p]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            c02 = b2.fma(av, c02);
            av = FloatVector.broadcast(S, a[p + 1 * DY_STRIDE]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            c12 = b2.fma(av, c12);
            av = FloatVector.broadcast(S, a[p + 2 * DY_STRIDE]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            c22 = b2.fma(av, c22);
            av = FloatVector.broadcast(S, a[p + 3 * DY_STRIDE]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
            c32 = b2.fma(av, c32);
            av = FloatVector.broadcast(S, a[p + 4 * DY_STRIDE]);
            c40 = b0.fma(av, c40);
            c41 = b1.fma(av, c41);
            c42 = b2.fma(av, c42);
            av = FloatVector.broadcast(S, a[p + 5 * DY_STRIDE]);
            c50 = b0.fma(av, c50);
            c51 = b1.fma(av, c51);
            c52 = b2.fma(av, c52);
            av = FloatVector.broadcast(S, a[p + 6 * DY_STRIDE]);
            c60 = b0.fma(av, c60);
            c61 = b1.fma(av, c61);
            c62 = b2.fma(av, c62);
            av = FloatVector.broadcast(S, a[p + 7 * DY_STRIDE]);
            c70 = b0.fma(av, c70);
            c71 = b1.fma(av, c71);
            c72 = b2.fma(av, c72);
            if (++u == ow) {
                u = 0;
                bi += jump;
            }
        }
        c00.add(FloatVector.fromArray(S, t, to + 0 * VL)).intoArray(t, to + 0 * VL);
        c01.add(FloatVector.fromArray(S, t, to + 1 * VL)).intoArray(t, to + 1 * VL);
        c02.add(FloatVector.fromArray(S, t, to + 2 * VL)).intoArray(t, to + 2 * VL);
        c10.add(FloatVector.fromArray(S, t, to + 3 * VL)).intoArray(t, to + 3 * VL);
        c11.add(FloatVector.fromArray(S, t, to + 4 * VL)).intoArray(t, to + 4 * VL);
        c12.add(FloatVector.fromArray(S, t, to + 5 * VL)).intoArray(t, to + 5 * VL);
        c20.add(FloatVector.fromArray(S, t, to + 6 * VL)).intoArray(t, to + 6 * VL);
        c21.add(FloatVector.fromArray(S, t, to + 7 * VL)).intoArray(t, to + 7 * VL);
        c22.add(FloatVector.fromArray(S, t, to + 8 * VL)).intoArray(t, to + 8 * VL);
        c30.add(FloatVector.fromArray(S, t, to + 9 * VL)).intoArray(t, to + 9 * VL);
        c31.add(FloatVector.fromArray(S, t, to + 10 * VL)).intoArray(t, to + 10 * VL);
        c32.add(FloatVector.fromArray(S, t, to + 11 * VL)).intoArray(t, to + 11 * VL);
        c40.add(FloatVector.fromArray(S, t, to + 12 * VL)).intoArray(t, to + 12 * VL);
        c41.add(FloatVector.fromArray(S, t, to + 13 * VL)).intoArray(t, to + 13 * VL);
        c42.add(FloatVector.fromArray(S, t, to + 14 * VL)).intoArray(t, to + 14 * VL);
        c50.add(FloatVector.fromArray(S, t, to + 15 * VL)).intoArray(t, to + 15 * VL);
        c51.add(FloatVector.fromArray(S, t, to + 16 * VL)).intoArray(t, to + 16 * VL);
        c52.add(FloatVector.fromArray(S, t, to + 17 * VL)).intoArray(t, to + 17 * VL);
        c60.add(FloatVector.fromArray(S, t, to + 18 * VL)).intoArray(t, to + 18 * VL);
        c61.add(FloatVector.fromArray(S, t, to + 19 * VL)).intoArray(t, to + 19 * VL);
        c62.add(FloatVector.fromArray(S, t, to + 20 * VL)).intoArray(t, to + 20 * VL);
        c70.add(FloatVector.fromArray(S, t, to + 21 * VL)).intoArray(t, to + 21 * VL);
        c71.add(FloatVector.fromArray(S, t, to + 22 * VL)).intoArray(t, to + 22 * VL);
        c72.add(FloatVector.fromArray(S, t, to + 23 * VL)).intoArray(t, to + 23 * VL);
    }

    /**
     * {@link #kernel} for 4 of the 8 dy rows, those from a[a0] (0, or 4 * DY_STRIDE with the tile's rows from
     * to + 4*3*C), in 12 accumulators: with 8-lane vectors ({@link SgemmKernel#HALVES}) the two halves in turn, each
     * sum formed as in the one-pass kernel.
     */
    private static void kernelHalf(int n, int ow, int step, int jump, float[] a, int a0, float[] b, int bi, float[] t,
            int to) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z,
                c10 = z, c11 = z, c12 = z,
                c20 = z, c21 = z, c22 = z,
                c30 = z, c31 = z, c32 = z;
        for (int p = a0, end = a0 + n, u = 0; p < end; p++, bi += step) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + C);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * C);
            FloatVector av;
            av = FloatVector.broadcast(S, a[p]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            c02 = b2.fma(av, c02);
            av = FloatVector.broadcast(S, a[p + 1 * DY_STRIDE]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            c12 = b2.fma(av, c12);
            av = FloatVector.broadcast(S, a[p + 2 * DY_STRIDE]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            c22 = b2.fma(av, c22);
            av = FloatVector.broadcast(S, a[p + 3 * DY_STRIDE]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
            c32 = b2.fma(av, c32);
            if (++u == ow) {
                u = 0;
                bi += jump;
            }
        }
        c00.add(FloatVector.fromArray(S, t, to + 0 * VL)).intoArray(t, to + 0 * VL);
        c01.add(FloatVector.fromArray(S, t, to + 1 * VL)).intoArray(t, to + 1 * VL);
        c02.add(FloatVector.fromArray(S, t, to + 2 * VL)).intoArray(t, to + 2 * VL);
        c10.add(FloatVector.fromArray(S, t, to + 3 * VL)).intoArray(t, to + 3 * VL);
        c11.add(FloatVector.fromArray(S, t, to + 4 * VL)).intoArray(t, to + 4 * VL);
        c12.add(FloatVector.fromArray(S, t, to + 5 * VL)).intoArray(t, to + 5 * VL);
        c20.add(FloatVector.fromArray(S, t, to + 6 * VL)).intoArray(t, to + 6 * VL);
        c21.add(FloatVector.fromArray(S, t, to + 7 * VL)).intoArray(t, to + 7 * VL);
        c22.add(FloatVector.fromArray(S, t, to + 8 * VL)).intoArray(t, to + 8 * VL);
        c30.add(FloatVector.fromArray(S, t, to + 9 * VL)).intoArray(t, to + 9 * VL);
        c31.add(FloatVector.fromArray(S, t, to + 10 * VL)).intoArray(t, to + 10 * VL);
        c32.add(FloatVector.fromArray(S, t, to + 11 * VL)).intoArray(t, to + 11 * VL);
    }
}
