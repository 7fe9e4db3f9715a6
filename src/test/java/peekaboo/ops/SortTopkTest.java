package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** sort along the last dimension (stable, ascending and descending) and topk. */
class SortTopkTest {
    private static final Tensor X = Tensor.of(new double[] {3, 1, 2, 1, 5, 3}, 2, 3);

    @Test
    void sortIsStableInBothDirections() {
        Tensor x = Tensor.of(new double[] {2, 1, 2, 0, 1}, 5);
        Reductions.ValuesIndices up = Sorting.sort(x, false);
        assertTensor(up.values(), DType.F64, shape(5), 0, 1, 1, 2, 2);
        assertTensor(up.indices(), DType.I64, shape(5), 3, 1, 4, 0, 2);
        Reductions.ValuesIndices down = Sorting.sort(x, true);
        assertTensor(down.values(), DType.F64, shape(5), 2, 2, 1, 1, 0);
        assertTensor(down.indices(), DType.I64, shape(5), 0, 2, 1, 4, 3);
    }

    @Test
    void sortRowsOfAMatrixAndOfATranspose() {
        Reductions.ValuesIndices r = Sorting.sort(X, false);
        assertTensor(r.values(), DType.F64, shape(2, 3), 1, 2, 3, 1, 3, 5);
        assertTensor(r.indices(), DType.I64, shape(2, 3), 1, 2, 0, 0, 2, 1);
        Reductions.ValuesIndices t = Sorting.sort(X.t(), true);
        assertTensor(t.values(), DType.F64, shape(3, 2), 3, 1, 5, 1, 3, 2);
        assertTensor(t.indices(), DType.I64, shape(3, 2), 0, 1, 1, 0, 1, 0);
        assertTensor(Sorting.sort(Tensor.of(new float[] {2.5f, -1f}, 2), false).values(), DType.F32, shape(2), -1, 2.5);
    }

    @Test
    void nanSortsLastAscendingAndFirstDescending() {
        Tensor x = Tensor.of(new double[] {1, Double.NaN, 0}, 3);
        assertTensor(Sorting.sort(x, false).values(), DType.F64, shape(3), 0, 1, Double.NaN);
        assertTensor(Sorting.sort(x, true).values(), DType.F64, shape(3), Double.NaN, 1, 0);
    }

    @Test
    void sortOfATensorThatRequiresGradIsRefused() {
        assertThrows(UnsupportedOperationException.class, () -> Sorting.sort(X.detach().requiresGrad(true), false));
    }

    @Test
    void topkLargestAndSmallest() {
        Reductions.ValuesIndices t = Sorting.topk(X, 2, true);
        assertTensor(t.values(), DType.F64, shape(2, 2), 3, 2, 5, 3);
        assertTensor(t.indices(), DType.I64, shape(2, 2), 0, 2, 1, 2);
        Reductions.ValuesIndices s = Sorting.topk(X, 1, false);
        assertTensor(s.values(), DType.F64, shape(2, 1), 1, 1);
        assertTensor(s.indices(), DType.I64, shape(2, 1), 1, 0);
        assertTensor(Sorting.topk(X, 0, true).values(), DType.F64, shape(2, 0));
        assertTensor(Sorting.topk(X, 3, true).values(), DType.F64, shape(2, 3), 3, 2, 1, 5, 3, 1);
        assertThrows(IllegalArgumentException.class, () -> Sorting.topk(X, 4, true));
        assertThrows(IllegalArgumentException.class, () -> Sorting.topk(X, -1, true));
    }

    @Property(tries = 50, seed = "189")
    void agreesWithAStableJavaSort(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int n,
                                   @ForAll @IntRange(min = 1, max = 4) int rows, @ForAll boolean descending) {
        Random r = new Random(seed);
        double[] v = new double[rows * n];
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(Math.max(1, n / 2));
        Reductions.ValuesIndices s = Sorting.sort(Tensor.of(v, rows, n), descending);
        double[] sv = s.values().toDoubleArray();
        long[] si = s.indices().toLongArray();
        for (int row = 0; row < rows; row++) {
            final int base = row * n;
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            Comparator<Integer> byValue = Comparator.comparingDouble(i -> v[base + i]);
            Arrays.sort(order, descending ? byValue.reversed() : byValue); // Arrays.sort of objects is stable
            for (int i = 0; i < n; i++) {
                if (si[base + i] != order[i] || sv[base + i] != v[base + order[i]]) {
                    throw new AssertionError("row " + row + " position " + i + ": index " + si[base + i] + ", expected " + order[i]);
                }
            }
        }
        int k = 1 + r.nextInt(n);
        Reductions.ValuesIndices t = Sorting.topk(Tensor.of(v, rows, n), k, descending);
        assertTensor(t.values(), DType.F64, shape(rows, k), s.values().narrow(1, 0, k).toDoubleArray());
    }
}
