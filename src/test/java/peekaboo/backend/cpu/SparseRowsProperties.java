package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/** SparseRows.of and density against a plain walk over the dense matrix, row-major or strided by columns. */
class SparseRowsProperties {
    @Property(tries = 80, seed = "65")
    void holdsExactlyTheNonZerosInOrder(@ForAll @IntRange(min = 1, max = 12) int rows, @ForAll @IntRange(min = 1, max = 90) int cols,
            @ForAll boolean transposed, @ForAll @DoubleRange(min = 0, max = 1) double density, @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int off = rnd.nextInt(5);
        float[] m = new float[off + rows * cols];
        for (int i = off; i < m.length; i++) m[i] = rnd.nextDouble() < density ? (float) rnd.nextGaussian() : 0f;
        // transposed: the matrix is stored column by column, so a row's entries are rows apart
        int rowStride = transposed ? 1 : cols, colStride = transposed ? rows : 1;
        SparseRows s = SparseRows.of(m, off, rows, cols, rowStride, colStride, j -> 3 * j + 1);
        int e = 0, nonZero = 0;
        for (int i = 0; i < rows; i++) {
            assertEquals(e, s.start[i], "start of row " + i);
            for (int j = 0; j < cols; j++) {
                float v = m[off + i * rowStride + j * colStride];
                if (v == 0f) continue;
                assertEquals(3 * j + 1, s.offset[e], "offset of row " + i + ", column " + j);
                assertEquals(v, s.value[e++], "value of row " + i + ", column " + j);
                nonZero++;
            }
        }
        assertEquals(e, s.start[rows]);
        assertEquals((double) nonZero / (rows * cols), SparseRows.density(m, off, rows * cols), 0.0, "density");
    }
}
