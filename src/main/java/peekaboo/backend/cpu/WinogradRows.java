package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.S;
import static peekaboo.backend.cpu.SgemmKernel.VL;

import jdk.incubator.vector.FloatVector;
import peekaboo.backend.ConvShape;

/**
 * The transforms of Winograd's F(2, 3) along the rows of a convolution with three kernel rows (Lavin and
 * Gray, "Fast algorithms for convolutional neural networks", 2016), shared by {@link Conv2dWinogradRows}
 * and {@link Conv2dWinogradChunks}. With the input rows d0..d3 under a pair of output rows and one column of
 * kernel taps w0, w1, w2:
 * <pre>
 *   u0 = d0 - d2       u1 = d1 + d2       u2 = d2 - d1       u3 = d1 - d3        (input rows, {@link #inputRows})
 *   v0 = w0            v1 = (w0+w1+w2)/2  v2 = (w0-w1+w2)/2  v3 = w2             (kernel rows, {@link #kernelRows})
 *   m_i = the sum over channels and column taps of v_i u_i                      (four convolutions)
 *   y0 = m0 + m1 + m2                        y1 = m1 - m2 - m3                   (output rows)
 * </pre>
 * (expand to check: y0 = w0 d0 + w1 d1 + w2 d2, y1 = w0 d1 + w1 d2 + w2 d3). The weight gradient is the
 * transpose: with the output-gradient rows dy0, dy1 of the pair, a = (dy0, dy0 + dy1, dy0 - dy1, -dy1)
 * ({@link #dyRows}), m_i = the sum over images, rows and columns of a_i u_i (shifted by the column tap), and
 * the kernel rows' gradients are m0 + (m1 + m2)/2, (m1 - m2)/2 and (m1 + m2)/2 + m3 ({@link #weightGradRows}).
 */
final class WinogradRows {

    private WinogradRows() {
    }

    /**
     * The transformed rows of one image's channels of one group: u_i[ui + (ci*th + ty)*wp + padW + j] = u_i of
     * column j at transformed row ty (from the input rows 2ty - padH .. 2ty - padH + 3, zero outside), for
     * u_0..u_3 in u at u0..u3 (padding columns: see below). Rows outside the image are read from zeros, a
     * zero-filled array, so that no vector depends on a branch (C2 on JDK 17 compiled that into an allocation
     * per vector).
     */
    static void inputRows(ConvShape g, float[] x, int xOff, int th, int wp, float[] zeros, float[] u, int u0,
            int u1, int u2, int u3) {
        inputRows(g, x, xOff, th, wp, zeros, u, u0, u, u1, u, u2, u, u3);
    }

    /**
     * {@link #inputRows} into four arrays. The padding columns stay as they are (callers zero their buffers
     * once per call): writing them for every row, scalars between the vector stores, took a quarter of the
     * transform's time; only rows shorter than a vector, stored a vector at a time, zero them again.
     */
    static void inputRows(ConvShape g, float[] x, int xOff, int th, int wp, float[] zeros, float[] v0, int u0,
            float[] v1, int u1, float[] v2, int u2, float[] v3, int u3) {
        int h = g.h();
        int w = g.w();
        int padW = g.padW();
        int end = g.cPerGroup() * th * wp; // one u_i of the image
        for (int ci = 0; ci < g.cPerGroup(); ci++) {
            for (int ty = 0; ty < th; ty++) {
                int iy = 2 * ty - g.padH();
                int d = (ci * th + ty) * wp + padW;
                if (w >= VL && iy >= 0 && iy + 3 < h) { // all four rows inside the image: no selection per row
                    int r0 = xOff + (ci * h + iy) * w;
                    row(w, x, r0, x, r0 + w, x, r0 + 2 * w, x, r0 + 3 * w, v0, u0 + d, v1, u1 + d, v2, u2 + d,
                            v3, u3 + d);
                    continue;
                }
                float[] x0 = source(x, zeros, iy, h);
                float[] x1 = source(x, zeros, iy + 1, h);
                float[] x2 = source(x, zeros, iy + 2, h);
                float[] x3 = source(x, zeros, iy + 3, h);
                int r0 = start(xOff, ci, iy, h, w);
                int r1 = start(xOff, ci, iy + 1, h, w);
                int r2 = start(xOff, ci, iy + 2, h, w);
                int r3 = start(xOff, ci, iy + 3, h, w);
                if (w >= VL) {
                    row(w, x0, r0, x1, r1, x2, r2, x3, r3, v0, u0 + d, v1, u1 + d, v2, u2 + d, v3, u3 + d);
                } else {
                    if (d + VL <= end && Math.max(Math.max(r0, r1), Math.max(r2, r3)) + VL <= x.length) {
                        shortRow(x0, r0, x1, r1, x2, r2, x3, r3, v0, u0 + d, v1, u1 + d, v2, u2 + d, v3, u3 + d);
                    } else {
                        row(w, x0, r0, x1, r1, x2, r2, x3, r3, v0, u0 + d, v1, u1 + d, v2, u2 + d, v3, u3 + d);
                    }
                    // the row before may have stored over this row's padding (see shortRow)
                    for (int j = -padW; j < 0; j++) {
                        v0[u0 + d + j] = v1[u1 + d + j] = v2[u2 + d + j] = v3[u3 + d + j] = 0f;
                    }
                    for (int j = w; j < wp - padW; j++) {
                        v0[u0 + d + j] = v1[u1 + d + j] = v2[u2 + d + j] = v3[u3 + d + j] = 0f;
                    }
                }
            }
        }
    }

    /** The array input row iy is read from: x, or zeros for a row of the padding. */
    private static float[] source(float[] x, float[] zeros, int iy, int h) {
        return iy >= 0 && iy < h ? x : zeros;
    }

    /** Where input row iy of channel ci starts in its {@link #source}. */
    private static int start(int xOff, int ci, int iy, int h, int w) {
        return iy >= 0 && iy < h ? xOff + (ci * h + iy) * w : 0;
    }

    /** u_0..u_3 of one row of w columns from the input rows d0..d3 (see the class comment). */
    private static void row(int w, float[] x0, int r0, float[] x1, int r1, float[] x2, int r2, float[] x3,
            int r3, float[] v0, int d0, float[] v1, int d1, float[] v2, int d2, float[] v3, int d3) {
        int whole = w / VL * VL;
        int j = 0;
        for (; j < whole; j += VL) {
            FloatVector e0 = FloatVector.fromArray(S, x0, r0 + j);
            FloatVector e1 = FloatVector.fromArray(S, x1, r1 + j);
            FloatVector e2 = FloatVector.fromArray(S, x2, r2 + j);
            FloatVector e3 = FloatVector.fromArray(S, x3, r3 + j);
            e0.sub(e2).intoArray(v0, d0 + j);
            e1.add(e2).intoArray(v1, d1 + j);
            e2.sub(e1).intoArray(v2, d2 + j);
            e1.sub(e3).intoArray(v3, d3 + j);
        }
        for (; j < w; j++) {
            float e0 = x0[r0 + j];
            float e1 = x1[r1 + j];
            float e2 = x2[r2 + j];
            float e3 = x3[r3 + j];
            v0[d0 + j] = e0 - e2;
            v1[d1 + j] = e1 + e2;
            v2[d2 + j] = e2 - e1;
            v3[d3 + j] = e1 - e3;
        }
    }

    /**
     * One row shorter than a vector (see {@link #inputRows}): a vector loaded at input row iy holds that row in
     * its first w lanes and the next rows after it, so with A, B, C, D loaded at rows iy .. iy+3 the first w
     * lanes of A - C, B + C, C - B and B - D are u_0 .. u_3. Each is stored whole, the lanes past the row
     * landing on later rows of the same u_i (written after it: rows go in increasing order) and on padding
     * columns (the caller zeroes each row's after its store). The caller keeps the store inside the image's
     * u_i (the next u_i, or the next image, may be written already) and the loads inside x.
     */
    private static void shortRow(float[] x0, int r0, float[] x1, int r1, float[] x2, int r2, float[] x3, int r3,
            float[] v0, int d0, float[] v1, int d1, float[] v2, int d2, float[] v3, int d3) {
        FloatVector a = FloatVector.fromArray(S, x0, r0);
        FloatVector b = FloatVector.fromArray(S, x1, r1);
        FloatVector c = FloatVector.fromArray(S, x2, r2);
        FloatVector e = FloatVector.fromArray(S, x3, r3);
        a.sub(c).intoArray(v0, d0);
        b.add(c).intoArray(v1, d1);
        c.sub(b).intoArray(v2, d2);
        b.sub(e).intoArray(v3, d3);
    }

    /** Group gi's weights transformed along the kernel rows: v_0..v_3 as [k/groups, (c/groups)*s] matrices. */
    static float[][] kernelRows(ConvShape g, float[] w, int wOff, int gi) {
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
        return v;
    }

    /**
     * a[aOff + i*kg*dyRow + ko*dyRow + ty*wp + ox] = a_i (see the class comment) of dy[ko] at transformed row
     * ty, column ox (dy's second row of the pair is zero past an odd height).
     */
    static void dyRows(float[] dy, int dyOff, int kg, int oh, int ow, int th, int wp, float[] zeros,
            float[] a, int aOff, int dyRow) {
        int whole = ow / VL * VL;
        int plane = kg * dyRow;
        for (int ko = 0; ko < kg; ko++) {
            for (int ty = 0; ty < th; ty++) {
                int r0 = dyOff + (ko * oh + 2 * ty) * ow;
                boolean second = 2 * ty + 1 < oh;
                float[] y1 = second ? dy : zeros;
                int r1 = second ? r0 + ow : 0;
                int d = aOff + ko * dyRow + ty * wp;
                int j = 0;
                // rows shorter than a vector, back to back (wp == ow): a vector at row 2ty holds it and the rows
                // after it; stored whole, its extra lanes land on the next rows, which are written after it (the
                // plane's last rows are stored by scalars, so nothing past the plane is touched)
                if (ow < VL && wp == ow && (th - ty) * ow >= VL && r1 + VL <= y1.length && r0 + VL <= dy.length) {
                    FloatVector e0 = FloatVector.fromArray(S, dy, r0);
                    FloatVector e1 = FloatVector.fromArray(S, y1, r1);
                    e0.intoArray(a, d);
                    e0.add(e1).intoArray(a, plane + d);
                    e0.sub(e1).intoArray(a, 2 * plane + d);
                    e1.neg().intoArray(a, 3 * plane + d);
                    continue;
                }
                for (; j < whole; j += VL) {
                    FloatVector e0 = FloatVector.fromArray(S, dy, r0 + j);
                    FloatVector e1 = FloatVector.fromArray(S, y1, r1 + j);
                    e0.intoArray(a, d + j);
                    e0.add(e1).intoArray(a, plane + d + j);
                    e0.sub(e1).intoArray(a, 2 * plane + d + j);
                    e1.neg().intoArray(a, 3 * plane + d + j);
                }
                for (; j < ow; j++) {
                    float e0 = dy[r0 + j];
                    float e1 = y1[r1 + j];
                    a[d + j] = e0;
                    a[plane + d + j] = e0 + e1;
                    a[2 * plane + d + j] = e0 - e1;
                    a[3 * plane + d + j] = -e1;
                }
            }
        }
    }

    /** out[ko][ci][r][tx] (r = 0..2) from m_0..m_3 at m[mOff + i*size + ko*cg*s + ci*s + tx] (the class comment). */
    static void weightGradRows(float[] m, int mOff, int size, int cg, int s, float[] out, int outOff) {
        int kg = size / (cg * s);
        for (int ko = 0; ko < kg; ko++) {
            for (int ci = 0; ci < cg; ci++) {
                for (int tx = 0; tx < s; tx++) {
                    int j = mOff + (ko * cg + ci) * s + tx;
                    float m0 = m[j];
                    float m1 = m[j + size];
                    float m2 = m[j + 2 * size];
                    float m3 = m[j + 3 * size];
                    int o = outOff + ((ko * cg + ci) * 3) * s + tx;
                    out[o] = m0 + 0.5f * (m1 + m2);
                    out[o + s] = 0.5f * (m1 - m2);
                    out[o + 2 * s] = 0.5f * (m1 + m2) + m3;
                }
            }
        }
    }
}
