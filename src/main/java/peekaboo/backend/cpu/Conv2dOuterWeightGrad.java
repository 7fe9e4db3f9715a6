package peekaboo.backend.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import peekaboo.backend.ConvShape;

/**
 * The weight gradient of 16-channel 3x3 "same" convolutions (ResNet-20's first stage) as outer products over
 * pixels: dw[k][c][t] = the sum over images and output pixels p of dy[k][p] x[c][p + t], for 8 output channels
 * at once (their dy values broadcast straight from dy's rows) against 16 input channels (one vector of a
 * channels-last copy of the padded image, so that all 16 channels of a pixel are one load).
 *
 * <p>Why not the dot products of the other paths: those keep partial sums along the pixels and load eight
 * vectors for 16 FMAs, two cache lines each where a vector does not start a line (Java does not align arrays);
 * this kernel loads two vectors and broadcasts eight floats for 16 FMAs, as the GEMM's. The price is the
 * channels-last copy of x, written 16 x 16 floats at a time through four stages of one-vector rearranges and
 * blends ({@link #transpose16}; scalars took twice as long). ResNet-20's 16->16 layer, batch 128, calls
 * alternating with the Winograd-row path in one JVM (session 18): 1.84-1.91 against 2.62-2.72 ms.
 *
 * <p>Two taps' 16 channels make the kernel's 32 columns, so the ninth tap rides with itself (a tenth of the
 * multiply-adds thrown away). A chunk of images adds into its own lane-wise sums, chunks are summed in a fixed
 * order, so the result does not depend on which thread ran what.
 */
final class Conv2dOuterWeightGrad {
    private static final VectorSpecies<Float> S = SgemmKernel.S;
    private static final int VL = SgemmKernel.VL;
    /** Channels: one vector. */
    private static final int C = 16;
    /** Output channels a kernel call broadcasts. */
    private static final int MR = 8;
    /** Column blocks of the kernel: taps (0, 1), (2, 3), (4, 5), (6, 7), (8, 8). */
    private static final int BLOCKS = 5;

    private Conv2dOuterWeightGrad() {
    }

    /**
     * Ungrouped 16-channel 3x3 convolutions at stride 1 with padding 1, a multiple of 8 output channels and rows
     * of whole vectors, on 16-lane vectors.
     */
    static boolean supports(ConvShape g) {
        return ENABLED && Sgemm.SIMD && VL == C && g.groups() == 1 && g.c() == C && g.k() % MR == 0
                && g.r() == 3 && g.s() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.padH() == 1
                && g.padW() == 1 && g.dilH() == 1 && g.dilW() == 1 && g.w() % VL == 0;
    }

    /** -Dpeekaboo.conv.outerWeightGrad=false: the Winograd-row path instead. */
    private static final boolean ENABLED = !"false".equals(System.getProperty("peekaboo.conv.outerWeightGrad"));

    /** Per-thread buffers, grown on demand. */
    private static final class Workspace {
        float[] image = new float[0];
        float[] quantized = new float[0];
        float[] dy = new float[0];
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** The weight gradient of Q(x) and Q(dy), each operand quantised as it is copied (null: plain). */
    static void weightGrad(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy, int dyOff,
            PabKernels.Quantizing qdy, float[] dw, int dwOff) {
        int k = g.k();
        int h = g.h();
        int w = g.w();
        int hw = h * w;
        int wp = w + 2;
        int imageFloats = (h + 2) * wp * C; // the padded image, channels last
        int[] blockStart = new int[BLOCKS];
        int[] blockSecond = new int[BLOCKS];
        for (int b = 0; b < BLOCKS; b++) {
            int t0 = 2 * b;
            int t1 = Math.min(t0 + 1, 8);
            blockStart[b] = tapOffset(t0, wp) * C;
            blockSecond[b] = (tapOffset(t1, wp) - tapOffset(t0, wp)) * C;
        }
        int tiles = k / MR * BLOCKS;
        int chunks = Math.min(g.n(), Parallel.threads() * Conv2dDirect.BLOCKS_PER_THREAD);
        float[][] sums = new float[chunks][];
        Parallel.forEachTask(chunks, ch -> {
            Workspace ws = WORKSPACE.get();
            if (ws.image.length < imageFloats) {
                ws.image = new float[imageFloats];
            } else {
                Arrays.fill(ws.image, 0, imageFloats, 0f); // the border stays zero; images overwrite the rest
            }
            float[] image = ws.image;
            float[] t = new float[tiles * MR * 2 * VL];
            int b0 = (int) ((long) g.n() * ch / chunks);
            int b1 = (int) ((long) g.n() * (ch + 1) / chunks);
            for (int b = b0; b < b1; b++) {
                float[] xs = x;
                int xs0 = xOff + b * C * hw;
                if (qx != null) {
                    xs = ws.quantized = Buffers.grow(ws.quantized, C * hw);
                    qx.copy(x, xs0, xs, 0, C * hw);
                    xs0 = 0;
                }
                for (int iy = 0; iy < h; iy++) {
                    for (int ix = 0; ix < w; ix += VL) {
                        transpose16(xs, xs0 + iy * w + ix, hw, image, ((iy + 1) * wp + ix + 1) * C);
                    }
                }
                float[] ds = dy;
                int ds0 = dyOff + b * k * hw;
                if (qdy != null) {
                    ds = ws.dy = Buffers.grow(ws.dy, k * hw);
                    qdy.copy(dy, ds0, ds, 0, k * hw);
                    ds0 = 0;
                }
                for (int kb = 0; kb < k / MR; kb++) {
                    for (int blk = 0; blk < BLOCKS; blk++) {
                        kernel(h, w, (wp - w) * C, ds, ds0 + kb * MR * hw, hw, image, blockStart[blk],
                                blockSecond[blk], t, (kb * BLOCKS + blk) * MR * 2 * VL);
                    }
                }
            }
            float[] out = new float[g.weightSize()];
            for (int kb = 0; kb < k / MR; kb++) {
                for (int blk = 0; blk < BLOCKS; blk++) {
                    int tile = (kb * BLOCKS + blk) * MR * 2 * VL;
                    for (int i = 0; i < MR; i++) {
                        for (int j = 0; j < 2 * VL; j++) {
                            int tap = 2 * blk + j / VL;
                            if (tap < 9) {
                                out[((kb * MR + i) * C + j % VL) * 9 + tap] = t[tile + i * 2 * VL + j];
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

    /** Where tap t (ty*3 + tx) of output pixel (0, 0) lies in the padded image, in pixels. */
    private static int tapOffset(int t, int wp) {
        return t / 3 * wp + t % 3;
    }

    /**
     * t[to + i*32 + j] += the sum over the image's output pixels p = oy*ow + ox of a[r0 + i*hw + p] times
     * b[bi + q*16 + j] (j < 16) or b[bi + second + q*16 + j - 16], q = oy*(ow + jump/16) + ox: 8 dy rows broadcast
     * against two vectors of the channels-last image a pixel, the GEMM kernel's 16 FMAs for 10 loads.
     */
    private static void kernel(int oh, int ow, int jump, float[] a, int r0, int hw, float[] b, int bi, int second,
            float[] t, int to) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z,
                c10 = z, c11 = z,
                c20 = z, c21 = z,
                c30 = z, c31 = z,
                c40 = z, c41 = z,
                c50 = z, c51 = z,
                c60 = z, c61 = z,
                c70 = z, c71 = z;
        int r1 = r0 + hw;
        int r2 = r1 + hw;
        int r3 = r2 + hw;
        int r4 = r3 + hw;
        int r5 = r4 + hw;
        int r6 = r5 + hw;
        int r7 = r6 + hw;
        // one flat loop over the pixels, the image's column jump at each row's end (as SgemmKernel.dotKernel)
        for (int n = oh * ow, p = 0, u = 0; n > 0; n--, p++, bi += C) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + second);
            FloatVector av;
            av = FloatVector.broadcast(S, a[r0 + p]);
            c00 = b0.fma(av, c00);
            c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, a[r1 + p]);
            c10 = b0.fma(av, c10);
            c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, a[r2 + p]);
            c20 = b0.fma(av, c20);
            c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, a[r3 + p]);
            c30 = b0.fma(av, c30);
            c31 = b1.fma(av, c31);
            av = FloatVector.broadcast(S, a[r4 + p]);
            c40 = b0.fma(av, c40);
            c41 = b1.fma(av, c41);
            av = FloatVector.broadcast(S, a[r5 + p]);
            c50 = b0.fma(av, c50);
            c51 = b1.fma(av, c51);
            av = FloatVector.broadcast(S, a[r6 + p]);
            c60 = b0.fma(av, c60);
            c61 = b1.fma(av, c61);
            av = FloatVector.broadcast(S, a[r7 + p]);
            c70 = b0.fma(av, c70);
            c71 = b1.fma(av, c71);
            if (++u == ow) {
                u = 0;
                bi += jump;
            }
        }
        c00.add(FloatVector.fromArray(S, t, to)).intoArray(t, to);
        c01.add(FloatVector.fromArray(S, t, to + VL)).intoArray(t, to + VL);
        c10.add(FloatVector.fromArray(S, t, to + 2 * VL)).intoArray(t, to + 2 * VL);
        c11.add(FloatVector.fromArray(S, t, to + 3 * VL)).intoArray(t, to + 3 * VL);
        c20.add(FloatVector.fromArray(S, t, to + 4 * VL)).intoArray(t, to + 4 * VL);
        c21.add(FloatVector.fromArray(S, t, to + 5 * VL)).intoArray(t, to + 5 * VL);
        c30.add(FloatVector.fromArray(S, t, to + 6 * VL)).intoArray(t, to + 6 * VL);
        c31.add(FloatVector.fromArray(S, t, to + 7 * VL)).intoArray(t, to + 7 * VL);
        c40.add(FloatVector.fromArray(S, t, to + 8 * VL)).intoArray(t, to + 8 * VL);
        c41.add(FloatVector.fromArray(S, t, to + 9 * VL)).intoArray(t, to + 9 * VL);
        c50.add(FloatVector.fromArray(S, t, to + 10 * VL)).intoArray(t, to + 10 * VL);
        c51.add(FloatVector.fromArray(S, t, to + 11 * VL)).intoArray(t, to + 11 * VL);
        c60.add(FloatVector.fromArray(S, t, to + 12 * VL)).intoArray(t, to + 12 * VL);
        c61.add(FloatVector.fromArray(S, t, to + 13 * VL)).intoArray(t, to + 13 * VL);
        c70.add(FloatVector.fromArray(S, t, to + 14 * VL)).intoArray(t, to + 14 * VL);
        c71.add(FloatVector.fromArray(S, t, to + 15 * VL)).intoArray(t, to + 15 * VL);
    }

    // The transposition's butterflies: at distance d, rows r and r + d (r without bit d) swap the lanes
    // that carry bit d in r's copy against those without it in r + d's, which after d = 8, 4, 2, 1
    // has swapped every 16 x 16 block's off-diagonal halves at every scale: the transpose.
    private static final VectorShuffle<Float> UP8 = VectorShuffle.fromOp(S, j -> (j + 8) % 16);
    private static final VectorShuffle<Float> UP4 = VectorShuffle.fromOp(S, j -> (j + 12) % 16);
    private static final VectorShuffle<Float> UP2 = VectorShuffle.fromOp(S, j -> (j + 14) % 16);
    private static final VectorShuffle<Float> UP1 = VectorShuffle.fromOp(S, j -> (j + 15) % 16);
    private static final VectorShuffle<Float> DOWN8 = VectorShuffle.fromOp(S, j -> (j + 8) % 16);
    private static final VectorShuffle<Float> DOWN4 = VectorShuffle.fromOp(S, j -> (j + 4) % 16);
    private static final VectorShuffle<Float> DOWN2 = VectorShuffle.fromOp(S, j -> (j + 2) % 16);
    private static final VectorShuffle<Float> DOWN1 = VectorShuffle.fromOp(S, j -> (j + 1) % 16);
    private static final VectorMask<Float> BIT8 = VectorMask.fromLong(S, 0xFF00L);
    private static final VectorMask<Float> BIT4 = VectorMask.fromLong(S, 0xF0F0L);
    private static final VectorMask<Float> BIT2 = VectorMask.fromLong(S, 0xCCCCL);
    private static final VectorMask<Float> BIT1 = VectorMask.fromLong(S, 0xAAAAL);

    /**
     * dst[d + 16p + c] = src[s + c*stride + p] for p, c in [0, 16): sixteen runs of 16 pixels, one per channel,
     * become sixteen pixels of 16 channels. Written out: C2 keeps the 16 vectors in registers only as locals.
     */
    static void transpose16(float[] src, int s, int stride, float[] dst, int d) {
        FloatVector r0 = FloatVector.fromArray(S, src, s + 0 * stride);
        FloatVector r1 = FloatVector.fromArray(S, src, s + 1 * stride);
        FloatVector r2 = FloatVector.fromArray(S, src, s + 2 * stride);
        FloatVector r3 = FloatVector.fromArray(S, src, s + 3 * stride);
        FloatVector r4 = FloatVector.fromArray(S, src, s + 4 * stride);
        FloatVector r5 = FloatVector.fromArray(S, src, s + 5 * stride);
        FloatVector r6 = FloatVector.fromArray(S, src, s + 6 * stride);
        FloatVector r7 = FloatVector.fromArray(S, src, s + 7 * stride);
        FloatVector r8 = FloatVector.fromArray(S, src, s + 8 * stride);
        FloatVector r9 = FloatVector.fromArray(S, src, s + 9 * stride);
        FloatVector r10 = FloatVector.fromArray(S, src, s + 10 * stride);
        FloatVector r11 = FloatVector.fromArray(S, src, s + 11 * stride);
        FloatVector r12 = FloatVector.fromArray(S, src, s + 12 * stride);
        FloatVector r13 = FloatVector.fromArray(S, src, s + 13 * stride);
        FloatVector r14 = FloatVector.fromArray(S, src, s + 14 * stride);
        FloatVector r15 = FloatVector.fromArray(S, src, s + 15 * stride);
        FloatVector a0 = r0.blend(r8.rearrange(UP8), BIT8);
        FloatVector a8 = r0.rearrange(DOWN8).blend(r8, BIT8);
        FloatVector a1 = r1.blend(r9.rearrange(UP8), BIT8);
        FloatVector a9 = r1.rearrange(DOWN8).blend(r9, BIT8);
        FloatVector a2 = r2.blend(r10.rearrange(UP8), BIT8);
        FloatVector a10 = r2.rearrange(DOWN8).blend(r10, BIT8);
        FloatVector a3 = r3.blend(r11.rearrange(UP8), BIT8);
        FloatVector a11 = r3.rearrange(DOWN8).blend(r11, BIT8);
        FloatVector a4 = r4.blend(r12.rearrange(UP8), BIT8);
        FloatVector a12 = r4.rearrange(DOWN8).blend(r12, BIT8);
        FloatVector a5 = r5.blend(r13.rearrange(UP8), BIT8);
        FloatVector a13 = r5.rearrange(DOWN8).blend(r13, BIT8);
        FloatVector a6 = r6.blend(r14.rearrange(UP8), BIT8);
        FloatVector a14 = r6.rearrange(DOWN8).blend(r14, BIT8);
        FloatVector a7 = r7.blend(r15.rearrange(UP8), BIT8);
        FloatVector a15 = r7.rearrange(DOWN8).blend(r15, BIT8);
        FloatVector b0 = a0.blend(a4.rearrange(UP4), BIT4);
        FloatVector b4 = a0.rearrange(DOWN4).blend(a4, BIT4);
        FloatVector b1 = a1.blend(a5.rearrange(UP4), BIT4);
        FloatVector b5 = a1.rearrange(DOWN4).blend(a5, BIT4);
        FloatVector b2 = a2.blend(a6.rearrange(UP4), BIT4);
        FloatVector b6 = a2.rearrange(DOWN4).blend(a6, BIT4);
        FloatVector b3 = a3.blend(a7.rearrange(UP4), BIT4);
        FloatVector b7 = a3.rearrange(DOWN4).blend(a7, BIT4);
        FloatVector b8 = a8.blend(a12.rearrange(UP4), BIT4);
        FloatVector b12 = a8.rearrange(DOWN4).blend(a12, BIT4);
        FloatVector b9 = a9.blend(a13.rearrange(UP4), BIT4);
        FloatVector b13 = a9.rearrange(DOWN4).blend(a13, BIT4);
        FloatVector b10 = a10.blend(a14.rearrange(UP4), BIT4);
        FloatVector b14 = a10.rearrange(DOWN4).blend(a14, BIT4);
        FloatVector b11 = a11.blend(a15.rearrange(UP4), BIT4);
        FloatVector b15 = a11.rearrange(DOWN4).blend(a15, BIT4);
        FloatVector c0 = b0.blend(b2.rearrange(UP2), BIT2);
        FloatVector c2 = b0.rearrange(DOWN2).blend(b2, BIT2);
        FloatVector c1 = b1.blend(b3.rearrange(UP2), BIT2);
        FloatVector c3 = b1.rearrange(DOWN2).blend(b3, BIT2);
        FloatVector c4 = b4.blend(b6.rearrange(UP2), BIT2);
        FloatVector c6 = b4.rearrange(DOWN2).blend(b6, BIT2);
        FloatVector c5 = b5.blend(b7.rearrange(UP2), BIT2);
        FloatVector c7 = b5.rearrange(DOWN2).blend(b7, BIT2);
        FloatVector c8 = b8.blend(b10.rearrange(UP2), BIT2);
        FloatVector c10 = b8.rearrange(DOWN2).blend(b10, BIT2);
        FloatVector c9 = b9.blend(b11.rearrange(UP2), BIT2);
        FloatVector c11 = b9.rearrange(DOWN2).blend(b11, BIT2);
        FloatVector c12 = b12.blend(b14.rearrange(UP2), BIT2);
        FloatVector c14 = b12.rearrange(DOWN2).blend(b14, BIT2);
        FloatVector c13 = b13.blend(b15.rearrange(UP2), BIT2);
        FloatVector c15 = b13.rearrange(DOWN2).blend(b15, BIT2);
        FloatVector e0 = c0.blend(c1.rearrange(UP1), BIT1);
        FloatVector e1 = c0.rearrange(DOWN1).blend(c1, BIT1);
        FloatVector e2 = c2.blend(c3.rearrange(UP1), BIT1);
        FloatVector e3 = c2.rearrange(DOWN1).blend(c3, BIT1);
        FloatVector e4 = c4.blend(c5.rearrange(UP1), BIT1);
        FloatVector e5 = c4.rearrange(DOWN1).blend(c5, BIT1);
        FloatVector e6 = c6.blend(c7.rearrange(UP1), BIT1);
        FloatVector e7 = c6.rearrange(DOWN1).blend(c7, BIT1);
        FloatVector e8 = c8.blend(c9.rearrange(UP1), BIT1);
        FloatVector e9 = c8.rearrange(DOWN1).blend(c9, BIT1);
        FloatVector e10 = c10.blend(c11.rearrange(UP1), BIT1);
        FloatVector e11 = c10.rearrange(DOWN1).blend(c11, BIT1);
        FloatVector e12 = c12.blend(c13.rearrange(UP1), BIT1);
        FloatVector e13 = c12.rearrange(DOWN1).blend(c13, BIT1);
        FloatVector e14 = c14.blend(c15.rearrange(UP1), BIT1);
        FloatVector e15 = c14.rearrange(DOWN1).blend(c15, BIT1);
        e0.intoArray(dst, d + 0 * 16);
        e1.intoArray(dst, d + 1 * 16);
        e2.intoArray(dst, d + 2 * 16);
        e3.intoArray(dst, d + 3 * 16);
        e4.intoArray(dst, d + 4 * 16);
        e5.intoArray(dst, d + 5 * 16);
        e6.intoArray(dst, d + 6 * 16);
        e7.intoArray(dst, d + 7 * 16);
        e8.intoArray(dst, d + 8 * 16);
        e9.intoArray(dst, d + 9 * 16);
        e10.intoArray(dst, d + 10 * 16);
        e11.intoArray(dst, d + 11 * 16);
        e12.intoArray(dst, d + 12 * 16);
        e13.intoArray(dst, d + 13 * 16);
        e14.intoArray(dst, d + 14 * 16);
        e15.intoArray(dst, d + 15 * 16);
    }
}
