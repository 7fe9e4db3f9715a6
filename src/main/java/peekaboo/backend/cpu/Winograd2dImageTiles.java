package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The forward input transform (and output write-back) of {@link Conv2dWinograd2d} for 8x8 images on 16-lane vectors: an 8x8 image has
 * 4x4 = 16 tiles, so one vector holds one position xi of all of its tiles, which is exactly the 16 floats that
 * position's GEMM reads for the image (V_xi[ci][tiles], the image's tiles side by side).
 *
 * <p>Lane l = 4*ty + tx is tile (ty, tx), whose 4x4 input patch d starts at row 2*ty, column 2*tx of the zero-padded
 * 10x10 image P. Patch entry (i, j) of all tiles, P[2*ty + i][2*tx + j], is one plain vector load from a phase copy
 * of P: with i = 2*a + pr and j = 2*b + pc it is E[ty + a][tx + b] for the 5x5 phase plane E[m][n] = P[2m + pr][2n + pc];
 * kept with rows 4 floats long as two copies, columns 0..3 and 1..4 (one per b), the 16 lanes are 16 consecutive
 * floats from row a. Then V = B^T d B is the scalar transform's sums in the same order (the rows d0 - d2, d1 + d2,
 * d2 - d1, d1 - d3 first, then the same along each row), so the same bits. Scalar, the transform took about half of
 * the path's time on ResNet-20's 64->64 8x8 layer (JFR, one thread, session 25: 4.45 ms a forward, 2.8-2.9 ms with
 * this one); gathers from the padded image in place of the phase copies ran slower than the scalar code (5.0 ms).
 * The tiles' vectors are stored as half an NR-column panel of the GEMM ({@link Conv2dWinograd2d}).
 *
 * <p>The way back ({@link #untile}): the output transform's four vectors (each tile's four outputs, a vector of 16
 * tiles per position) are one 8x8 output image, written two rows a vector by four rearranges and three blends
 * instead of 64 scalar stores (ResNet-20's 64->64 8x8 forward and input gradient 0.89-0.97 of the time, two builds
 * side by side, session 25).
 */
final class Winograd2dImageTiles {
    private static final VectorSpecies<Float> S = SgemmKernel.S;

    /** The image side this transform takes, and its tiles (one vector). */
    static final int SIDE = 8;
    static final int TILES = 16;

    /** Whether it runs here: a vector must hold the 16 tiles of one image. */
    static final boolean AVAILABLE = Sgemm.SIMD && SgemmKernel.VL == 16;

    /** Floats of one phase copy: rows m = 0..4 of 4 floats. */
    private static final int COPY = 20;
    /** Where a pixel that a copy does not hold goes: one float past the eight copies, never read. */
    private static final int NOWHERE = 8 * COPY;
    /** Floats of the phase buffer {@link #transform} takes. */
    static final int BUFFER = NOWHERE + 1;

    /** FIRST[p] and SECOND[p]: the two places of pixel p = 8*r + c of the image in the phase buffer. */
    private static final int[] FIRST = new int[SIDE * SIDE];
    private static final int[] SECOND = new int[SIDE * SIDE];

    static {
        for (int r = 0; r < SIDE; r++) {
            for (int c = 0; c < SIDE; c++) {
                int m = (r + 1) / 2, pr = (r + 1) % 2, n = (c + 1) / 2, pc = (c + 1) % 2;
                FIRST[SIDE * r + c] = n <= 3 ? copy(pr, pc, 0) + 4 * m + n : NOWHERE;
                SECOND[SIDE * r + c] = n >= 1 ? copy(pr, pc, 1) + 4 * m + n - 1 : NOWHERE;
            }
        }
    }

    /** Where the copy of phase (pr, pc) with columns from b starts. */
    private static int copy(int pr, int pc, int b) {
        return ((pr * 2 + pc) * 2 + b) * COPY;
    }

    private Winograd2dImageTiles() {
    }

    /**
     * v[xi*plane + o + tile] = position xi of V = B^T d B for the 16 tiles of the 8x8 image at x[src ..], tiles
     * numbered row by row. e is the caller's phase buffer of {@link #BUFFER} floats, zero where no pixel goes (the
     * padding): zero it once, then pass it to every call.
     */
    static void transform(float[] x, int src, float[] e, float[] v, int o, int plane) {
        for (int p = 0; p < SIDE * SIDE; p++) {
            float value = x[src + p];
            e[FIRST[p]] = value;
            e[SECOND[p]] = value;
        }
        // B^T d: for each column j of the patch, its rows combined (qij: combination i of column j)
        FloatVector d00 = at(e, 0, 0), d10 = at(e, 1, 0), d20 = at(e, 2, 0), d30 = at(e, 3, 0);
        FloatVector q00 = d00.sub(d20), q10 = d10.add(d20), q20 = d20.sub(d10), q30 = d10.sub(d30);
        FloatVector d01 = at(e, 0, 1), d11 = at(e, 1, 1), d21 = at(e, 2, 1), d31 = at(e, 3, 1);
        FloatVector q01 = d01.sub(d21), q11 = d11.add(d21), q21 = d21.sub(d11), q31 = d11.sub(d31);
        FloatVector d02 = at(e, 0, 2), d12 = at(e, 1, 2), d22 = at(e, 2, 2), d32 = at(e, 3, 2);
        FloatVector q02 = d02.sub(d22), q12 = d12.add(d22), q22 = d22.sub(d12), q32 = d12.sub(d32);
        FloatVector d03 = at(e, 0, 3), d13 = at(e, 1, 3), d23 = at(e, 2, 3), d33 = at(e, 3, 3);
        FloatVector q03 = d03.sub(d23), q13 = d13.add(d23), q23 = d23.sub(d13), q33 = d13.sub(d33);
        // then times B: each combination's four columns combined the same way, to positions 4i .. 4i + 3
        row(v, o, plane, 0, q00, q01, q02, q03);
        row(v, o, plane, 4, q10, q11, q12, q13);
        row(v, o, plane, 8, q20, q21, q22, q23);
        row(v, o, plane, 12, q30, q31, q32, q33);
    }

    /**
     * OUT_LANES[ty]: for lane j of output rows 2*ty and 2*ty + 1 (j / 8 the row, j % 8 the column), the tile that
     * holds it: 4*ty + (j % 8) / 2. OUT_CORNER[2*a + b]: the lanes at row a, column parity b of a tile.
     */
    private static final VectorShuffle<Float>[] OUT_LANES = shuffles();
    private static final VectorMask<Float>[] OUT_CORNER = corners();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] shuffles() {
        VectorShuffle<Float>[] lanes = new VectorShuffle[4];
        for (int ty = 0; ty < 4; ty++) {
            int[] source = new int[TILES];
            for (int j = 0; j < TILES; j++) {
                source[j] = 4 * ty + (j % SIDE) / 2;
            }
            lanes[ty] = AVAILABLE ? VectorShuffle.fromArray(S, source, 0) : null;
        }
        return lanes;
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] corners() {
        VectorMask<Float>[] masks = new VectorMask[4];
        for (int corner = 0; corner < 4; corner++) {
            boolean[] set = new boolean[TILES];
            for (int j = 0; j < TILES; j++) {
                set[j] = 2 * (j / SIDE) + j % 2 == corner;
            }
            masks[corner] = AVAILABLE ? VectorMask.fromArray(S, set, 0) : null;
        }
        return masks;
    }

    /**
     * Writes one 8x8 output image from its 16 tiles' four outputs: y00[l], y01[l], y10[l], y11[l] at row 2*ty + a,
     * column 2*tx + b of tile l = 4*ty + tx, to y[dst .. dst + 64) row by row (two rows a vector).
     */
    static void untile(FloatVector y00, FloatVector y01, FloatVector y10, FloatVector y11, float[] y, int dst) {
        for (int ty = 0; ty < 4; ty++) {
            VectorShuffle<Float> lanes = OUT_LANES[ty];
            y00.rearrange(lanes)
                    .blend(y01.rearrange(lanes), OUT_CORNER[1])
                    .blend(y10.rearrange(lanes), OUT_CORNER[2])
                    .blend(y11.rearrange(lanes), OUT_CORNER[3])
                    .intoArray(y, dst + 2 * SIDE * ty);
        }
    }

    /** Patch entry (i, j) of all 16 tiles: rows from i / 2 of the phase copy (i % 2, j % 2, j / 2). */
    private static FloatVector at(float[] e, int i, int j) {
        return FloatVector.fromArray(S, e, copy(i % 2, j % 2, j / 2) + 4 * (i / 2));
    }

    /** Row (r0, r1, r2, r3) of B^T d times B, to positions xi0 .. xi0 + 3 (as Conv2dWinograd2d's scalar inputRow). */
    private static void row(float[] v, int o, int plane, int xi0, FloatVector r0, FloatVector r1, FloatVector r2,
            FloatVector r3) {
        r0.sub(r2).intoArray(v, xi0 * plane + o);
        r1.add(r2).intoArray(v, (xi0 + 1) * plane + o);
        r2.sub(r1).intoArray(v, (xi0 + 2) * plane + o);
        r1.sub(r3).intoArray(v, (xi0 + 3) * plane + o);
    }
}
