package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A sparse weight matrix, row by row (CSR), for PaB's pruned convolutions: after pruning most conv
 * weights are exactly zero (70% at the paper's density 0.3), and a conv whose weight is mostly zeros
 * multiplies only the non-zeros.
 *
 * <p>Row i's non-zeros are {@code value[e]} for e in [start[i], start[i+1]), each with the offset
 * {@code offset[e]} of the operand row it multiplies. {@link #rowTile} is the kernel: one output row
 * segment of {@link #TILE} floats, kept in eight vector registers, accumulates value[e] times the operand
 * at offset[e] for every non-zero: one vector load per FMA. On Zen 5 (two FMAs a cycle) the loads set the
 * pace: alone, operands in L1, it runs at ~1.2 FMAs a cycle at any alignment (61% of peak; with the
 * taps of ResNet-20's 8x8 stage ~37%). Eight registers rather than four: four chains of 4-cycle FMAs
 * capped it at one FMA a cycle, and the loop's fixed work (the value, the offset, the bounds check) is
 * shared by twice the FMAs; one core, a 12-image stack of the 64->64 8x8 layer at 17%: 67 -> 100 GFLOP/s
 * on the non-zeros (sweeping the stack tile by tile, all output rows per tile, see
 * {@link Conv2dSparseStacked}).
 *
 * <p>Used by the direct conv (stride 1, maps of 16x16 and up): at 70% zeros, one core, ResNet-20's
 * 32->32 16x16 layer forward 1.75x and input gradient 1.5x faster than the dense kernel. And by the
 * patch-matrix path's forward (and so its stride-1 input gradient): at SynFlow's 17% density in
 * ResNet-20's 8x8 layers, one core, 1.35x (6.6 against 8.9 ms); there the kernel runs at only ~13% of
 * peak on the non-zeros, its operand rows scattered over a 150 KB column panel. And by
 * {@link Conv2dSparseStacked} for pruned "same" convs on 8- to 15-wide maps, over stacks of images that
 * share their padding (64->64 8x8 at 17%, batch 128, 2 threads: 1.9 against 2.6-2.8 ms a pass).
 */
final class SparseRows {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();
    /** Floats per output tile of {@link #rowTile}. */
    static final int TILE = 8 * VL;
    /**
     * Density (fraction of non-zero weights) up to which each conv path takes its sparse kernel, measured
     * against its own dense kernel (2 threads, each path in its own JVM, median of 30-60 calls):
     * <ul>
     * <li>direct, maps 16x16 and up: on Zen 4 sparse 2.8 against 3.6 ms at 30% (32->32 16x16, batch 128),
     * 3.6 against 3.2 ms at 45%. On Zen 5 the dense Winograd kernels gained twice the FMA rate and the
     * sparse kernel did not (it is load-bound): 32->32 16x16 sparse 0.86 / 1.14 / 1.34 / 1.52 ms at
     * 10 / 15 / 20 / 25%, dense 1.25-1.33 ms; 16->16 32x32 1.36 / 1.51 / 1.66 / 1.78 ms, dense
     * 1.77-1.85 ms (session 16, ConvLayersTimer, medians of 40 calls). So 20%;
     * -Dpeekaboo.sparse.maxDensity overrides it;
     * <li>direct on maps 8 to 15 wide: 2.8 against 3.6 ms (dense patch path) at 20%, 4.3 at 30%;
     * <li>patch matrix: it writes the patch rows out first, which pays only on small strided layers at
     * low density (32->64 stride 2: 2.6 against 3.2 ms at 17%, 3.3 at 33%) and loses wherever the rows
     * outgrow the cache (ResNet-18's 256->512 stride 2 at batch 32: 16 against 8.2 ms at 17%).
     * </ul>
     */
    static final double DIRECT_MAX_DENSITY = Double.parseDouble(System.getProperty("peekaboo.sparse.maxDensity", "0.2"));
    static final double SMALL_MAP_MAX_DENSITY = 0.25;
    static final double PATCH_MAX_DENSITY = 0.2;
    /** The patch path's sparse kernel runs only while its written rows stay within this many floats. */
    static final long PATCH_MAX_FLOATS = 384 * 1024;

    final int[] start;
    final int[] offset;
    final float[] value;

    private SparseRows(int[] start, int[] offset, float[] value) {
        this.start = start;
        this.offset = offset;
        this.value = value;
    }

    /** The fraction of the n weights at w[off..] that are non-zero (1 without SIMD: the sparse kernels need it). */
    static double density(float[] w, int off, int n) {
        if (!Sgemm.SIMD || n == 0) {
            return 1;
        }
        return (double) nonZeros(w, off, n) / n;
    }

    /** The number of non-zeros among w[off .. off + n): a mask count per vector (a branch per weight mispredicts). */
    private static int nonZeros(float[] w, int off, int n) {
        int count = 0, i = 0;
        for (int bound = F.loopBound(n); i < bound; i += VL) {
            count += FloatVector.fromArray(F, w, off + i).compare(VectorOperators.NE, 0f).trueCount();
        }
        for (; i < n; i++) {
            if (w[off + i] != 0f) {
                count++;
            }
        }
        return count;
    }

    /** Maps a column index of the dense matrix to the offset of the operand row it multiplies. */
    interface ColumnOffsets {
        int of(int column);
    }

    /** The non-zeros of the dense rows x cols matrix m[off + i*rowStride + j*colStride]. */
    static SparseRows of(float[] m, int off, int rows, int cols, int rowStride, int colStride, ColumnOffsets offsets) {
        int[] start = new int[rows + 1];
        for (int i = 0; i < rows; i++) {
            int rowStart = off + i * rowStride, count = 0;
            if (colStride == 1) {
                count = nonZeros(m, rowStart, cols);
            } else {
                for (int j = 0; j < cols; j++) {
                    if (m[rowStart + j * colStride] != 0f) {
                        count++;
                    }
                }
            }
            start[i + 1] = start[i] + count;
        }
        int[] columnOffset = new int[cols];
        for (int j = 0; j < cols; j++) {
            columnOffset[j] = offsets.of(j);
        }
        int[] offset = new int[start[rows]];
        float[] value = new float[start[rows]];
        for (int i = 0, e = 0; i < rows; i++) {
            for (int j = 0, at = off + i * rowStride; j < cols; j++, at += colStride) {
                float v = m[at];
                if (v != 0f) {
                    offset[e] = columnOffset[j];
                    value[e++] = v;
                }
            }
        }
        return new SparseRows(start, offset, value);
    }

    /**
     * out[o .. o + TILE) = sum over row i's non-zeros e of value[e] * b[base + offset[e] .. + TILE).
     * b must hold TILE floats at every such position.
     */
    void rowTile(int i, float[] b, int base, float[] out, int o) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (int e = start[i], end = start[i + 1]; e < end; e++) {
            FloatVector v = FloatVector.broadcast(F, value[e]);
            int p = base + offset[e];
            s0 = FloatVector.fromArray(F, b, p).fma(v, s0);
            s1 = FloatVector.fromArray(F, b, p + VL).fma(v, s1);
            s2 = FloatVector.fromArray(F, b, p + 2 * VL).fma(v, s2);
            s3 = FloatVector.fromArray(F, b, p + 3 * VL).fma(v, s3);
            s4 = FloatVector.fromArray(F, b, p + 4 * VL).fma(v, s4);
            s5 = FloatVector.fromArray(F, b, p + 5 * VL).fma(v, s5);
            s6 = FloatVector.fromArray(F, b, p + 6 * VL).fma(v, s6);
            s7 = FloatVector.fromArray(F, b, p + 7 * VL).fma(v, s7);
        }
        s0.intoArray(out, o);
        s1.intoArray(out, o + VL);
        s2.intoArray(out, o + 2 * VL);
        s3.intoArray(out, o + 3 * VL);
        s4.intoArray(out, o + 4 * VL);
        s5.intoArray(out, o + 5 * VL);
        s6.intoArray(out, o + 6 * VL);
        s7.intoArray(out, o + 7 * VL);
    }
}
