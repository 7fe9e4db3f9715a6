package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.S;
import static peekaboo.backend.cpu.SgemmKernel.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import peekaboo.backend.ConvShape;

/**
 * The weight gradient of a 3x3, stride-1 convolution as an outer-product GEMM over pixels, with the
 * output channels as the vector dimension:
 * dW[k][ci][ty][tx] = sum over images and pixels (oy, ox) of dy[k][oy][ox] * xp[ci][oy + ty][ox + tx].
 *
 * <p>Per image, dy is transposed once into dyT[pixel][k] (so a pixel's output channels are vectors)
 * and x copied into a zero-padded image xp. The kernel keeps one input channel's nine taps times two
 * vectors of output channels (18 accumulators) in registers over all of the image's pixels; per
 * pixel it loads two dyT vectors and broadcasts the nine xp values around it, 18 FMAs for 11 loads,
 * and the nine broadcasts come from three image rows read in order. The previous formulation (dot
 * products along pixel rows, 8 vector loads per 16 FMAs, most of them unaligned) ran at 45-56% of
 * peak on ResNet-20's layers. Images are split over threads, one partial sum per thread.
 */
final class Conv2dTapsWeightGrad {

    private Conv2dTapsWeightGrad() {
    }

    static boolean supports(ConvShape g) {
        return Sgemm.SIMD && g.r() == 3 && g.s() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.dilH() == 1
                && g.dilW() == 1 && g.kPerGroup() % VL == 0;
    }

    /**
     * Where this kernel beat the dot-product kernel of {@link Conv2dDirect} (ConvLayersTimer, 2 threads):
     * layers with few input taps, such as the first conv on RGB input (ResNet-20 3->16: 3.1 -> 1.7 ms),
     * and maps up to 16 wide with a multiple of 2 VL output channels (32->32 16x16: 4.65 -> 4.03 ms;
     * 128->128 16x16 at batch 32: 15.3 -> 14.2 ms). With 16 output channels a broadcast feeds only one
     * FMA (16->16 32x32: 5.1 against 4.6 ms), and on 32x32 maps with 64 channels dyT outgrows L2
     * (64->64: 20.1 against 16.5 ms): those keep the dot-product kernel.
     */
    static boolean wins(ConvShape g) {
        return g.cPerGroup() * 9 < 64 || (g.kPerGroup() % (2 * VL) == 0 && g.outW() <= 16);
    }

    /** Per-thread buffers, grown on demand and reused. */
    private static final class Workspace {
        float[] xp = new float[0];
        float[] dyT = new float[0];
        float[] acc = new float[0];
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** dw[k, c/groups, 3, 3] = the weight gradient of the convolution g, given x and dy. */
    static void weightGrad(ConvShape g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int oh = g.outH();
        int ow = g.outW();
        int hp = g.h() + 2 * g.padH();
        int wp = g.w() + 2 * g.padW();
        int plane = hp * wp;
        int grid = oh * wp; // output pixels on the virtual grid q = oy*wp + ox, ox in [0, wp)
        int groupTaps = cg * 9 * kg; // one group's gradient, transposed: [ci][tap][k]
        int chunks = Math.min(g.n(), Parallel.threads());
        float[][] partial = new float[chunks][];
        Parallel.forRange(chunks, (c0, c1) -> {
            Workspace ws = WORKSPACE.get();
            int xpSize = cg * plane + wp; // the last channel's padding columns read up to 2 floats past its plane
            if (ws.xp.length < xpSize) {
                ws.xp = new float[xpSize];
            }
            if (ws.dyT.length < grid * kg) {
                ws.dyT = new float[grid * kg];
            }
            if (ws.acc.length < g.groups() * groupTaps) {
                ws.acc = new float[g.groups() * groupTaps];
            }
            float[] xp = ws.xp;
            float[] dyT = ws.dyT;
            float[] acc = ws.acc;
            // the borders of xp and the padding columns of dyT stay zero; each image overwrites the rest
            Arrays.fill(xp, 0, xpSize, 0f);
            Arrays.fill(dyT, 0, grid * kg, 0f);
            for (int ch = c0; ch < c1; ch++) {
                Arrays.fill(acc, 0, g.groups() * groupTaps, 0f);
                int b0 = (int) ((long) g.n() * ch / chunks);
                int b1 = (int) ((long) g.n() * (ch + 1) / chunks);
                for (int b = b0; b < b1; b++) {
                    for (int gi = 0; gi < g.groups(); gi++) {
                        pad(g, x, xOff + (b * g.c() + gi * cg) * g.h() * g.w(), xp, hp, wp);
                        transpose(dy, dyOff + (b * g.k() + gi * kg) * oh * ow, kg, oh, ow, wp, dyT);
                        int ao = gi * groupTaps;
                        for (int ci = 0; ci < cg; ci++) {
                            int kv = 0;
                            for (; kv + 2 * VL <= kg; kv += 2 * VL) {
                                taps2(grid, wp, xp, ci * plane, dyT, kg, kv, acc, ao + ci * 9 * kg + kv, kg);
                            }
                            for (; kv < kg; kv += VL) {
                                taps1(grid, wp, xp, ci * plane, dyT, kg, kv, acc, ao + ci * 9 * kg + kv, kg);
                            }
                        }
                    }
                }
                float[] out = ch == 0 ? dw : new float[g.weightSize()];
                int outOff = ch == 0 ? dwOff : 0;
                partial[ch] = out;
                untranspose(acc, g.groups(), cg, kg, out, outOff);
            }
        });
        Conv2dF32.addPartials(partial, dw, dwOff, g.weightSize());
    }

    /** Copies c/groups channels of one image into the interior of xp (borders untouched). */
    private static void pad(ConvShape g, float[] x, int xOff, float[] xp, int hp, int wp) {
        int h = g.h();
        int w = g.w();
        for (int ci = 0; ci < g.cPerGroup(); ci++) {
            int dst = ci * hp * wp + g.padH() * wp + g.padW();
            int src = xOff + ci * h * w;
            for (int iy = 0; iy < h; iy++) {
                System.arraycopy(x, src + iy * w, xp, dst + iy * wp, w);
            }
        }
    }

    /** dyT[oy*wp + ox][k] = dy[dyOff + (k*oh + oy)*ow + ox] for k in [0, kg). */
    private static void transpose(float[] dy, int dyOff, int kg, int oh, int ow, int wp, float[] dyT) {
        for (int oy = 0; oy < oh; oy++) {
            // blocks of 16 x 16 keep both sides in cache lines
            for (int k0 = 0; k0 < kg; k0 += 16) {
                int k1 = Math.min(kg, k0 + 16);
                for (int x0 = 0; x0 < ow; x0 += 16) {
                    int x1 = Math.min(ow, x0 + 16);
                    for (int k = k0; k < k1; k++) {
                        int src = dyOff + (k * oh + oy) * ow;
                        for (int ox = x0; ox < x1; ox++) {
                            dyT[(oy * wp + ox) * kg + k] = dy[src + ox];
                        }
                    }
                }
            }
        }
    }

    /** out[gi][k][ci*9 + t] = acc[gi][ci][t][k]. */
    private static void untranspose(float[] acc, int groups, int cg, int kg, float[] out, int outOff) {
        int taps = cg * 9;
        for (int gi = 0; gi < groups; gi++) {
            int base = gi * taps * kg;
            for (int k = 0; k < kg; k++) {
                int o = outOff + (gi * kg + k) * taps;
                for (int j = 0; j < taps; j++) {
                    out[o + j] = acc[base + j * kg + k];
                }
            }
        }
    }

    /**
     * acc[ao + t*lda + v*VL ..] += sum over pixels of dyT[pixel][kv + v*VL ..] * xp[x0 + (oy + ty)*wp + ox + tx]
     * for the nine taps t = 3*ty + tx and v in {0, 1}. The image's sums start from zero and are added
     * to acc once at the end (short summation chains).
     */
    private static void taps2(int grid, int wp, float[] xp, int x0, float[] dyT, int ldk, int kv,
            float[] acc, int ao, int lda) {
        FloatVector z = FloatVector.zero(S);
        FloatVector s00 = z, s01 = z, s10 = z, s11 = z, s20 = z, s21 = z,
                s30 = z, s31 = z, s40 = z, s41 = z, s50 = z, s51 = z,
                s60 = z, s61 = z, s70 = z, s71 = z, s80 = z, s81 = z;
        // one loop over the virtual grid q = oy*wp + ox (dyT is zero in the wp - ow padding columns):
        // C2 keeps the vectors in registers across a single simple loop
        for (int q = 0, xi = x0, di = kv; q < grid; q++, xi++, di += ldk) {
            {
                FloatVector d0 = FloatVector.fromArray(S, dyT, di);
                FloatVector d1 = FloatVector.fromArray(S, dyT, di + VL);
                FloatVector b;
                b = FloatVector.broadcast(S, xp[xi]);
                s00 = d0.fma(b, s00);
                s01 = d1.fma(b, s01);
                b = FloatVector.broadcast(S, xp[xi + 1]);
                s10 = d0.fma(b, s10);
                s11 = d1.fma(b, s11);
                b = FloatVector.broadcast(S, xp[xi + 2]);
                s20 = d0.fma(b, s20);
                s21 = d1.fma(b, s21);
                b = FloatVector.broadcast(S, xp[xi + wp]);
                s30 = d0.fma(b, s30);
                s31 = d1.fma(b, s31);
                b = FloatVector.broadcast(S, xp[xi + wp + 1]);
                s40 = d0.fma(b, s40);
                s41 = d1.fma(b, s41);
                b = FloatVector.broadcast(S, xp[xi + wp + 2]);
                s50 = d0.fma(b, s50);
                s51 = d1.fma(b, s51);
                b = FloatVector.broadcast(S, xp[xi + 2 * wp]);
                s60 = d0.fma(b, s60);
                s61 = d1.fma(b, s61);
                b = FloatVector.broadcast(S, xp[xi + 2 * wp + 1]);
                s70 = d0.fma(b, s70);
                s71 = d1.fma(b, s71);
                b = FloatVector.broadcast(S, xp[xi + 2 * wp + 2]);
                s80 = d0.fma(b, s80);
                s81 = d1.fma(b, s81);
            }
        }
        add(acc, ao, s00);
        add(acc, ao + VL, s01);
        add(acc, ao + lda, s10);
        add(acc, ao + lda + VL, s11);
        add(acc, ao + 2 * lda, s20);
        add(acc, ao + 2 * lda + VL, s21);
        add(acc, ao + 3 * lda, s30);
        add(acc, ao + 3 * lda + VL, s31);
        add(acc, ao + 4 * lda, s40);
        add(acc, ao + 4 * lda + VL, s41);
        add(acc, ao + 5 * lda, s50);
        add(acc, ao + 5 * lda + VL, s51);
        add(acc, ao + 6 * lda, s60);
        add(acc, ao + 6 * lda + VL, s61);
        add(acc, ao + 7 * lda, s70);
        add(acc, ao + 7 * lda + VL, s71);
        add(acc, ao + 8 * lda, s80);
        add(acc, ao + 8 * lda + VL, s81);
    }

    /** {@link #taps2} for one vector of output channels (nine accumulators). */
    private static void taps1(int grid, int wp, float[] xp, int x0, float[] dyT, int ldk, int kv,
            float[] acc, int ao, int lda) {
        FloatVector z = FloatVector.zero(S);
        FloatVector s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z, s6 = z, s7 = z, s8 = z;
        // one loop over the virtual grid q = oy*wp + ox (dyT is zero in the wp - ow padding columns):
        // C2 keeps the vectors in registers across a single simple loop
        for (int q = 0, xi = x0, di = kv; q < grid; q++, xi++, di += ldk) {
            {
                FloatVector d = FloatVector.fromArray(S, dyT, di);
                s0 = d.fma(FloatVector.broadcast(S, xp[xi]), s0);
                s1 = d.fma(FloatVector.broadcast(S, xp[xi + 1]), s1);
                s2 = d.fma(FloatVector.broadcast(S, xp[xi + 2]), s2);
                s3 = d.fma(FloatVector.broadcast(S, xp[xi + wp]), s3);
                s4 = d.fma(FloatVector.broadcast(S, xp[xi + wp + 1]), s4);
                s5 = d.fma(FloatVector.broadcast(S, xp[xi + wp + 2]), s5);
                s6 = d.fma(FloatVector.broadcast(S, xp[xi + 2 * wp]), s6);
                s7 = d.fma(FloatVector.broadcast(S, xp[xi + 2 * wp + 1]), s7);
                s8 = d.fma(FloatVector.broadcast(S, xp[xi + 2 * wp + 2]), s8);
            }
        }
        add(acc, ao, s0);
        add(acc, ao + lda, s1);
        add(acc, ao + 2 * lda, s2);
        add(acc, ao + 3 * lda, s3);
        add(acc, ao + 4 * lda, s4);
        add(acc, ao + 5 * lda, s5);
        add(acc, ao + 6 * lda, s6);
        add(acc, ao + 7 * lda, s7);
        add(acc, ao + 8 * lda, s8);
    }

    private static void add(float[] acc, int i, FloatVector v) {
        v.add(FloatVector.fromArray(S, acc, i)).intoArray(acc, i);
    }
}
