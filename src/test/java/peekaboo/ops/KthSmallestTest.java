package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** kthSmallest against Arrays.sort: random arrays with duplicates, k = 1 and k = n, a million elements. */
class KthSmallestTest {
    @Test
    void handCases() {
        Tensor x = Tensor.of(new double[] {5, -1, 3, 3, 8, 0}, 2, 3);
        double[] expected = {-1, 0, 3, 3, 5, 8};
        for (int k = 1; k <= 6; k++) assertEquals(expected[k - 1], x.kthSmallest(k), "k = " + k);
        assertEquals(0, x.t().kthSmallest(2));
        assertEquals(7, Tensor.scalar(DType.F64, 7).kthSmallest(1));
        assertEquals(2, Tensor.of(new long[] {9, 2, 4}, 3).kthSmallest(1));
    }

    @Test
    void outOfRangeKIsAnError() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2);
        assertThrows(IllegalArgumentException.class, () -> x.kthSmallest(0));
        assertThrows(IllegalArgumentException.class, () -> x.kthSmallest(3));
    }

    @Test
    void doesNotReorderTheTensor() {
        Tensor x = Tensor.of(new double[] {3, 1, 2}, 3);
        x.kthSmallest(2);
        assertEquals(Arrays.toString(new double[] {3, 1, 2}), Arrays.toString(x.toDoubleArray()));
    }

    @Test
    void nanCountsAsLargest() {
        Tensor x = Tensor.of(new double[] {Double.NaN, 1, -2}, 3);
        assertEquals(-2, x.kthSmallest(1));
        assertEquals(1, x.kthSmallest(2));
        assertEquals(Double.NaN, x.kthSmallest(3));
    }

    @Test
    void aMillionElementsWithDuplicates() {
        Random r = new Random(20240601);
        int n = 1_000_000;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt(5) == 0 ? 0.25f * r.nextInt(8) : (float) r.nextGaussian();
        Tensor x = Tensor.of(v, 1000, 1000);
        double[] sorted = new double[n];
        for (int i = 0; i < n; i++) sorted[i] = v[i];
        Arrays.sort(sorted);
        for (long k : new long[] {1, 2, n / 10, n / 2, n / 2 + 1, 9L * n / 10, n - 1, n}) {
            assertEquals(sorted[(int) k - 1], x.kthSmallest(k), "k = " + k);
        }
    }

    @Property(tries = 60, seed = "160")
    void agreesWithSorting(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int n, @ForAll boolean sortedInput) {
        Random r = new Random(seed);
        double[] v = new double[n];
        // few distinct values: many duplicates; sometimes already sorted (adversarial for naive pivots)
        int distinct = 1 + r.nextInt(n);
        for (int i = 0; i < n; i++) v[i] = r.nextInt(distinct) - distinct / 2.0;
        if (sortedInput) Arrays.sort(v);
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        Tensor x = Tensor.of(v, n);
        int[] ks = {1, n, 1 + r.nextInt(n), (n + 1) / 2};
        for (int k : ks) assertEquals(sorted[k - 1], x.kthSmallest(k), "k = " + k + " of " + n);
    }
}
