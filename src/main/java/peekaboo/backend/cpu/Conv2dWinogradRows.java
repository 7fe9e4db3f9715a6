package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.MR;
import static peekaboo.backend.cpu.SgemmKernel.NR;
import static peekaboo.backend.cpu.SgemmKernel.S;
import static peekaboo.backend.cpu.SgemmKernel.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import peekaboo.backend.ConvShape;

/**
 * Stride-1 convolution with three kernel rows by Winograd's F(2, 3) along the rows and directly along
 * the columns: two output rows from four products instead of six, so 2/3 of the multiply-adds of
 * {@link Conv2dDirect}, whose micro-kernel it reuses.
 *
 * <p>With x rows d0..d3 (the padded input rows 2ty .. 2ty+3) and one column of kernel taps w0, w1, w2,
 * F(2, 3) computes the output rows 2ty and 2ty+1 as
 * <pre>
 *   u0 = d0 - d2       u1 = d1 + d2       u2 = d2 - d1       u3 = d1 - d3        (input transform, per row)
 *   v0 = w0            v1 = (w0+w1+w2)/2  v2 = (w0-w1+w2)/2  v3 = w2             (weight transform)
 *   m_i = sum over channels and column taps of v_i u_i                          (four direct convolutions)
 *   y(2ty) = m0 + m1 + m2                    y(2ty+1) = m1 - m2 - m3             (output transform)
 * </pre>
 * (Lavin and Gray, "Fast algorithms for convolutional neural networks", 2016; expand the products to
 * check: y(2ty) = w0 d0 + w1 d1 + w2 d2). The transformed rows u_i of every channel are written once per
 * image; each m_i is then a convolution with one kernel row of s taps over them, which the direct
 * micro-kernel computes in place, and the four tiles of m are combined as they are stored. Halving
 * and the +-1 sums are the only arithmetic the transforms add, so the results differ from the direct
 * path's only by rounding (checked against float64 by {@code ConvWinogradProperties}).
 *
 * <p>Taken by dense layers whose output rows fill whole tiles: width a multiple of {@link
 * SgemmKernel#NR}, or width {@link SgemmKernel#VL} with a height that is a multiple of 4 (a tile then
 * covers two transformed rows: four output rows). {@code -Dpeekaboo.conv.winograd=false} turns it off.
 */
final class Conv2dWinogradRows {

    static final boolean ENABLED = !"false".equals(System.getProperty("peekaboo.conv.winograd"));

    private Conv2dWinogradRows() {
    }

    static boolean supports(ConvShape g) {
        int ow = g.outW();
        return ENABLED && Sgemm.SIMD && g.r() == 3 && g.dilH() == 1 && g.strideH() == 1 && g.strideW() == 1
                && g.cPerGroup() * g.s() <= SgemmDriver.KC
                && (ow % NR == 0 || ow == VL && g.outH() % 4 == 0);
    }

    /** Per-thread buffers, grown on demand and reused. */
    private static final class Workspace {
        float[] rows = new float[0];
        final float[][] tiles = new float[4][MR * NR];
        float[] zeros = new float[0];
        long zeroedFor = -1;

        float[] zeros(int size) {
            return zeros.length >= size ? zeros : (zeros = new float[size]);
        }

        float[] rows(int size, long call) {
            if (rows.length < size) {
                rows = new float[size];
            } else if (zeroedFor != call) { // the junk columns must be zero; interiors are rewritten per image
                Arrays.fill(rows, 0, size, 0f);
            }
            zeroedFor = call;
            return rows;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    private static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();

    /** y = conv2d(x, w) + bias (bias nullable), for a layer that {@link #supports} says this path takes. */
    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int s = g.s();
        int cs = cg * s;
        int kgPad = SgemmDriver.roundUp(kg, MR);
        int oh = g.outH();
        int ow = g.outW();
        int p = oh * ow;
        int hw = g.h() * g.w();
        int th = (oh + 1) / 2; // transformed rows: one per pair of output rows
        int wp = g.w() + 2 * g.padW();
        int channel = th * wp; // one channel's transformed rows
        int block = cg * channel; // the four blocks u0..u3 follow each other
        int size = 4 * block + NR;
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
        int second = rowPairs ? wp : VL;
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
            float[] u = ws.rows(size, call);
            transformRows(g, x, xOff + (b * g.c() + gi * cg) * hw, th, wp, ws.zeros(g.w()), u, block);
            float[][] a = packed[gi];
            float[][] t = ws.tiles;
            int yo = yOff + (b * g.k() + gi * kg) * p;
            for (int ty = 0; ty < th; ty += rowStep) {
                for (int ox = 0; ox < ow; ox += NR) {
                    int q = ty * wp + ox;
                    for (int ir = 0; ir < kgPad; ir += MR) {
                        int ai = ir * cs;
                        int mr = Math.min(MR, kg - ir);
                        for (int i = 0; i < 4; i++) {
                            SgemmKernel.kernelIndexed(cs, a[i], ai, u, i * block + q, second, offs, 0, t[i]);
                        }
                        int dst = yo + ir * p + 2 * ty * ow + ox;
                        boolean lastOdd = 2 * ty + 1 >= oh; // odd height: the tile's second row is past the end
                        storeRows(t, mr, bias, biasOff + gi * kg + ir, y, dst, p, lo0, lo1, hi0, hi1, lastOdd);
                    }
                }
            }
        });
    }

    /**
     * The transformed rows of one image's channels of one group: u[i*block + (ci*th + ty)*wp + padW + j] =
     * u_i of column j at transformed row ty (the input rows 2ty - padH .. 2ty - padH + 3, zero outside:
     * those are read from zeros, a zero-filled array, so that no vector depends on a branch, which
     * C2 (JDK 17) would compile into an allocation per vector).
     */
    private static void transformRows(ConvShape g, float[] x, int xOff, int th, int wp, float[] zeros, float[] u,
            int block) {
        int h = g.h();
        int w = g.w();
        int whole = w / VL * VL;
        for (int ci = 0; ci < g.cPerGroup(); ci++) {
            for (int ty = 0; ty < th; ty++) {
                int iy = 2 * ty - g.padH();
                float[] x0 = iy >= 0 && iy < h ? x : zeros;
                float[] x1 = iy + 1 >= 0 && iy + 1 < h ? x : zeros;
                float[] x2 = iy + 2 >= 0 && iy + 2 < h ? x : zeros;
                float[] x3 = iy + 3 >= 0 && iy + 3 < h ? x : zeros;
                int r0 = x0 == x ? xOff + (ci * h + iy) * w : 0;
                int r1 = x1 == x ? xOff + (ci * h + iy + 1) * w : 0;
                int r2 = x2 == x ? xOff + (ci * h + iy + 2) * w : 0;
                int r3 = x3 == x ? xOff + (ci * h + iy + 3) * w : 0;
                int d = (ci * th + ty) * wp + g.padW();
                int j = 0;
                for (; j < whole; j += VL) {
                    FloatVector d0 = FloatVector.fromArray(S, x0, r0 + j);
                    FloatVector d1 = FloatVector.fromArray(S, x1, r1 + j);
                    FloatVector d2 = FloatVector.fromArray(S, x2, r2 + j);
                    FloatVector d3 = FloatVector.fromArray(S, x3, r3 + j);
                    d0.sub(d2).intoArray(u, d + j);
                    d1.add(d2).intoArray(u, block + d + j);
                    d2.sub(d1).intoArray(u, 2 * block + d + j);
                    d1.sub(d3).intoArray(u, 3 * block + d + j);
                }
                for (; j < w; j++) {
                    float d0 = x0[r0 + j];
                    float d1 = x1[r1 + j];
                    float d2 = x2[r2 + j];
                    float d3 = x3[r3 + j];
                    u[d + j] = d0 - d2;
                    u[block + d + j] = d1 + d2;
                    u[2 * block + d + j] = d2 - d1;
                    u[3 * block + d + j] = d1 - d3;
                }
            }
        }
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
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int s = g.s();
        int cs = cg * s;
        float[][] v = new float[4][kg * cs];
        for (int ko = 0; ko < kg; ko++) {
            for (int ci = 0; ci < cg; ci++) {
                int src = wOff + ((gi * kg + ko) * cg + ci) * 3 * s;
                for (int tx = 0; tx < s; tx++) {
                    float w0 = w[src + tx];
                    float w1 = w[src + s + tx];
                    float w2 = w[src + 2 * s + tx];
                    int d = ko * cs + ci * s + tx;
                    v[0][d] = w0;
                    v[1][d] = 0.5f * (w0 + w1 + w2);
                    v[2][d] = 0.5f * (w0 - w1 + w2);
                    v[3][d] = w2;
                }
            }
        }
        float[][] packed = new float[4][SgemmDriver.roundUp(kg, MR) * cs];
        for (int i = 0; i < 4; i++) {
            SgemmDriver.matrixA(false, v[i], 0, cs).pack(0, kg, 0, cs, packed[i]);
        }
        return packed;
    }
}
