package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.MR;
import static peekaboo.backend.cpu.SgemmKernel.NR;
import static peekaboo.backend.cpu.SgemmKernel.S;
import static peekaboo.backend.cpu.SgemmKernel.VL;

import jdk.incubator.vector.FloatVector;
import peekaboo.backend.ConvShape;

/**
 * The two input transforms of {@link Conv2dWinograd2d#weightGrad}, in vectors of channels. Each image is first
 * copied channel-last (all channels of a pixel side by side, padded with zero channels), so that one vector
 * holds a pixel of VL channels and a transformed tile is a handful of vector sums, stored straight into the
 * GEMM panels, where the channels of a tile lie side by side too (for dy's MR-row panels, a vector holds the
 * MR channels of {@link #TILES_PER_VECTOR} tiles). Transforming each channel on its own in scalar code took
 * 2/3 of that weight gradient's time (PaB step profile, ResNet-20's 64->64 8x8 layers).
 */
final class Winograd2dGradientTiles {

    private Winograd2dGradientTiles() {
    }

    /**
     * The calling thread's buffers, kept from call to call: a call transforms a chunk of one or two images, and
     * allocating them each time zeroed ~140 KB per chunk (2 threads, medians of 60 calls, Zen 5: ResNet-20's
     * 32->32 16x16 weight gradient 2.00 -> 1.70 ms, quantised 2.25 -> 1.83; 64->64 8x8 1.30 -> 1.22, quantised
     * 1.36 -> 1.26). The zero parts (the border and padding channels of the channel-last image, the padding
     * channels and extra tile slots of e) are never written, so a buffer stays valid while the layer's shape
     * does; another shape zeroes it again.
     */
    private static final class Workspace {
        float[] quantized = new float[0];
        /** The zero-bordered channel-last image of inputTiles, for one shape (c, h, w). */
        final ShapedBuffer image = new ShapedBuffer();
        /** The tile buffer e of gradientTiles, zero where never written, for one shape (k, oh, ow). */
        final ShapedBuffer e = new ShapedBuffer();

        /** A float buffer of at least n values, contents undefined. */
        float[] quantized(int n) {
            if (quantized.length < n) {
                quantized = new float[n];
            }
            return quantized;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /**
     * V = B^T d B for every tile of the images [b0, b1) of x (Q(x) when q is not null), as NR-column panels over
     * the tile slots: v[xi*plane + (ci / NR)*NR*cols + slot*NR + ci % NR], slots counted from image first; the
     * channels from c up to a multiple of NR and the extra slots (see {@link #slots}) get zeros.
     */
    static void inputTiles(ConvShape g, float[] x, int xOff, PabKernels.Quantizing q, int first, int b0, int b1,
            float[] v, int plane, int cols) {
        int c = g.c();
        int h = g.h();
        int w = g.w();
        int hw = h * w;
        int wp = w + 2;
        int cPad = SgemmDriver.roundUp(c, NR);
        int tw = w / 2;
        int tiles = h / 2 * tw;
        int slots = slots(g);
        Workspace ws = WORKSPACE.get();
        float[] quantized = q == null ? null : ws.quantized(c * hw);
        float[] t = ws.image.get((h + 2) * wp * cPad, ShapedBuffer.key(c, h, w)); // channel-last, zero border and zero channels
        for (int b = b0; b < b1; b++) {
            // image b: read in place, or Q(x) copied out whole first (the quantiser runs in vectors)
            float[] from = q == null ? x : quantized;
            int src = q == null ? xOff + b * c * hw : 0;
            if (q != null) {
                q.copy(x, xOff + b * c * hw, quantized, 0, c * hw);
            }
            for (int ci = 0; ci < c; ci++) {
                for (int py = 0; py < h; py++) {
                    int to = ((py + 1) * wp + 1) * cPad + ci;
                    int row = src + ci * hw + py * w;
                    for (int px = 0; px < w; px++) {
                        t[to + px * cPad] = from[row + px];
                    }
                }
            }
            for (int ty = 0; ty < h / 2; ty++) {
                for (int tx = 0; tx < tw; tx++) {
                    int p = (2 * ty * wp + 2 * tx) * cPad;
                    int tile = (b - first) * slots + ty * tw + tx;
                    for (int ch = 0; ch < cPad; ch += VL) {
                        int o = ch / NR * NR * cols + tile * NR + ch % NR;
                        // B^T d: rows d0 - d2 and d1 + d2, then d2 - d1 and d1 - d3 (d_i at p + ch + i * row)
                        int at = p + ch, row = wp * cPad;
                        inputTileRows(t, at, at + 2 * row, -1f, at + row, at + 2 * row, 1f, cPad, v, o, plane, 0);
                        inputTileRows(t, at + 2 * row, at + row, -1f, at + row, at + 3 * row, -1f, cPad, v, o, plane, 8);
                    }
                }
            }
            FloatVector zero = FloatVector.zero(S);
            for (int tile = (b - first) * slots + tiles; tile < (b - first + 1) * slots; tile++) { // extra slots
                for (int ch = 0; ch < cPad; ch += VL) {
                    int o = ch / NR * NR * cols + tile * NR + ch % NR;
                    for (int xi = 0; xi < 16; xi++) {
                        zero.intoArray(v, xi * plane + o);
                    }
                }
            }
        }
    }

    /**
     * Two rows of V = B^T d B for one tile's VL channels: rows d[a] + s d[b] and d[c] + u d[e] of
     * B^T d (s, u = +-1: times -1 and the sum are exact, so this is the difference where s = -1), each
     * pixel {@code pixel} apart, times B (pixels e0 - e2, e1 + e2, e2 - e1, e1 - e3), to V's positions xi0
     * .. xi0 + 7 at v[xi * plane + o].
     *
     * <p>Written out, two rows a call, on purpose: the method is past C2's size for inlining a hot method
     * (325 bytecodes), so it is always compiled on its own, and small enough for C2's node budget
     * (NodeCountInliningCutoff), so all its vector operations are intrinsified. As four calls of a per-row
     * method, C2 inlined some of them into {@link #inputTiles} until that method's budget ran out part-way
     * through one, whose stores then ran the Vector API's Java fallback (seen in one of five PaB runs:
     * {@code FloatVector.stOp} under {@code VectorSupport.store} in JFR, "failed to inline (intrinsic)" in
     * -XX:+PrintInlining; that run measured 1,075-1,107 against 1,148-1,194 images/s); as one method for the
     * whole tile, the budget ran out at its last four stores in every run.
     */
    private static void inputTileRows(float[] t, int a, int b, float s, int c, int e, float u, int pixel, float[] v,
            int o, int plane, int xi0) {
        FloatVector vs = FloatVector.broadcast(S, s), vu = FloatVector.broadcast(S, u);
        FloatVector p0 = FloatVector.fromArray(S, t, a).add(FloatVector.fromArray(S, t, b).mul(vs));
        FloatVector p1 = FloatVector.fromArray(S, t, a + pixel).add(FloatVector.fromArray(S, t, b + pixel).mul(vs));
        FloatVector p2 = FloatVector.fromArray(S, t, a + 2 * pixel).add(FloatVector.fromArray(S, t, b + 2 * pixel).mul(vs));
        FloatVector p3 = FloatVector.fromArray(S, t, a + 3 * pixel).add(FloatVector.fromArray(S, t, b + 3 * pixel).mul(vs));
        p0.sub(p2).intoArray(v, xi0 * plane + o);
        p1.add(p2).intoArray(v, (xi0 + 1) * plane + o);
        p2.sub(p1).intoArray(v, (xi0 + 2) * plane + o);
        p1.sub(p3).intoArray(v, (xi0 + 3) * plane + o);
        FloatVector q0 = FloatVector.fromArray(S, t, c).add(FloatVector.fromArray(S, t, e).mul(vu));
        FloatVector q1 = FloatVector.fromArray(S, t, c + pixel).add(FloatVector.fromArray(S, t, e + pixel).mul(vu));
        FloatVector q2 = FloatVector.fromArray(S, t, c + 2 * pixel).add(FloatVector.fromArray(S, t, e + 2 * pixel).mul(vu));
        FloatVector q3 = FloatVector.fromArray(S, t, c + 3 * pixel).add(FloatVector.fromArray(S, t, e + 3 * pixel).mul(vu));
        q0.sub(q2).intoArray(v, (xi0 + 4) * plane + o);
        q1.add(q2).intoArray(v, (xi0 + 5) * plane + o);
        q2.sub(q1).intoArray(v, (xi0 + 6) * plane + o);
        q1.sub(q3).intoArray(v, (xi0 + 7) * plane + o);
    }

    /**
     * Tile slots per image in the weight gradient's layout: the tiles rounded up to whole vectors of
     * {@link #TILES_PER_VECTOR} tiles (the extra slots hold zeros, which add nothing to the GEMMs' sums).
     */
    static int slots(ConvShape g) {
        int tiles = g.outH() / 2 * (g.outW() / 2);
        return SgemmDriver.roundUp(tiles, TILES_PER_VECTOR);
    }

    /**
     * Tiles whose MR channels of Z fill one vector. A narrower species for a single tile's MR channels would
     * be a second vector shape in the process, which makes C2 compile the GEMM kernels' stores as library
     * calls (see {@link PaddedPatches}; measured here too: the 8x32 kernel lost all 16 stores).
     */
    private static final int TILES_PER_VECTOR = VL / MR;

    /**
     * Z = A e A^T for every 2x2 tile e of the images [b0, b1) of dy (Q(dy) when q is not null), as MR-row panels
     * over the tile slots: z[xi*plane + (ko / MR)*MR*cols + slot*MR + ko % MR], slots counted from image first;
     * the channels from k up to a multiple of MR and the extra slots get zeros.
     */
    static void gradientTiles(ConvShape g, float[] dy, int dyOff, PabKernels.Quantizing q, int first, int b0, int b1,
            float[] z, int plane, int cols) {
        int k = g.k();
        int oh = g.outH();
        int ow = g.outW();
        int p2 = oh * ow;
        int kPad = SgemmDriver.roundUp(k, MR);
        int groups = kPad / MR;
        int tw = ow / 2;
        int slots = slots(g);
        Workspace ws = WORKSPACE.get();
        float[] quantized = q == null ? null : ws.quantized(k * p2);
        // e, a vector of TILES_PER_VECTOR tiles x MR channels per (tile group, position in the tile, channel group):
        // tile t, position pos, channel ko at ((t / TPV * 4 + pos) * groups + ko / MR) * VL + (t % TPV) * MR + ko % MR
        float[] e = ws.e.get(slots * 4 * kPad, ShapedBuffer.key(k, oh, ow));
        int[] pixel = new int[p2]; // where each pixel of channel 0 goes
        for (int py = 0; py < oh; py++) {
            for (int px = 0; px < ow; px++) {
                int t = py / 2 * tw + px / 2;
                int pos = py % 2 * 2 + px % 2;
                pixel[py * ow + px] = (t / TILES_PER_VECTOR * 4 + pos) * groups * VL + t % TILES_PER_VECTOR * MR;
            }
        }
        for (int b = b0; b < b1; b++) {
            float[] from = q == null ? dy : quantized; // as in inputTiles
            int src = q == null ? dyOff + b * k * p2 : 0;
            if (q != null) {
                q.copy(dy, dyOff + b * k * p2, quantized, 0, k * p2);
            }
            for (int ko = 0; ko < k; ko++) {
                int row = src + ko * p2;
                int channel = ko / MR * VL + ko % MR;
                for (int p = 0; p < p2; p++) {
                    e[pixel[p] + channel] = from[row + p];
                }
            }
            for (int t = 0; t < slots; t += TILES_PER_VECTOR) {
                int base = t / TILES_PER_VECTOR * 4 * groups * VL;
                int slot = (b - first) * slots + t;
                for (int kg = 0; kg < groups; kg++) {
                    int at = base + kg * VL;
                    int o = kg * MR * cols + slot * MR;
                    FloatVector e00 = FloatVector.fromArray(S, e, at);
                    FloatVector e01 = FloatVector.fromArray(S, e, at + groups * VL);
                    FloatVector e10 = FloatVector.fromArray(S, e, at + 2 * groups * VL);
                    FloatVector e11 = FloatVector.fromArray(S, e, at + 3 * groups * VL);
                    // A e: rows e0, e0 + e1, e0 - e1, -e1; then each row times A^T
                    gradientRow(e00, e01, z, o, plane, 0);
                    gradientRow(e00.add(e10), e01.add(e11), z, o, plane, 4);
                    gradientRow(e00.sub(e10), e01.sub(e11), z, o, plane, 8);
                    gradientRow(e10.neg(), e11.neg(), z, o, plane, 12);
                }
            }
        }
    }

    /** Row (e0, e1) of A e times A^T, to positions xi0..xi0 + 3. */
    private static void gradientRow(FloatVector e0, FloatVector e1, float[] z, int o, int plane, int xi0) {
        e0.intoArray(z, xi0 * plane + o);
        e0.add(e1).intoArray(z, (xi0 + 1) * plane + o);
        e0.sub(e1).intoArray(z, (xi0 + 2) * plane + o);
        e1.neg().intoArray(z, (xi0 + 3) * plane + o);
    }
}
