package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;
import peekaboo.testing.TestTensors;

/** max/min over all elements and along a dimension (values and first-extreme indices), argmax/argmin, NaN. */
class MaxMinReductionTest {
    private static final Tensor X = Tensor.of(new double[] {1, 5, 5, 7, 2, 7}, 2, 3);

    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(1, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(1, 3, 3); }

    @Test
    void overAllElements() {
        assertTensor(X.max(), DType.F64, shape(), 7);
        assertTensor(X.min(), DType.F64, shape(), 1);
        assertTensor(Tensor.scalar(DType.F64, -3).max(), DType.F64, shape(), -3);
        assertTensor(X.argmax(), DType.I64, shape(), 3);
    }

    @Test
    void alongADimensionWithFirstExtremeIndex() {
        Reductions.ValuesIndices r = X.max(1, false);
        assertTensor(r.values(), DType.F64, shape(2), 5, 7);
        assertTensor(r.indices(), DType.I64, shape(2), 1, 0);
        Reductions.ValuesIndices c = X.max(0, true);
        assertTensor(c.values(), DType.F64, shape(1, 3), 7, 5, 7);
        assertTensor(c.indices(), DType.I64, shape(1, 3), 1, 0, 1);
        Reductions.ValuesIndices m = X.min(-1, true);
        assertTensor(m.values(), DType.F64, shape(2, 1), 1, 2);
        assertTensor(m.indices(), DType.I64, shape(2, 1), 0, 1);
        assertTensor(X.argmax(1, false), DType.I64, shape(2), 1, 0);
        assertTensor(X.argmin(0, false), DType.I64, shape(3), 0, 1, 0);
        assertTensor(Tensor.of(new double[] {4, 4, 4}, 3).argmin(0, false), DType.I64, shape(), 0);
    }

    @Test
    void zeroDimensionalInputGivesZeroDimensionalResults() {
        Tensor s = Tensor.scalar(DType.F64, -4);
        for (boolean keepDim : new boolean[] {false, true}) {
            Reductions.ValuesIndices r = s.max(0, keepDim);
            assertTensor(r.values(), DType.F64, shape(), -4);
            assertTensor(r.indices(), DType.I64, shape(), 0);
            assertTensor(s.min(-1, keepDim).values(), DType.F64, shape(), -4);
        }
    }

    @Test
    void nonContiguousAndIntegerInputs() {
        Reductions.ValuesIndices r = X.t().max(1, false);
        assertTensor(r.values(), DType.F64, shape(3), 7, 5, 7);
        assertTensor(r.indices(), DType.I64, shape(3), 1, 0, 1);
        Tensor ints = Tensor.of(new long[] {3, -9, 8, 8}, 4);
        assertTensor(ints.max(), DType.I64, shape(), 8);
        assertTensor(ints.argmax(0, false), DType.I64, shape(), 2);
        assertTensor(ints.min(), DType.I64, shape(), -9);
    }

    @Test
    void nanIsTheExtremeAndItsFirstIndexIsReported() {
        Tensor n = Tensor.of(new double[] {1, Double.NaN, 3, Double.NaN, Double.NaN, 0}, 2, 3);
        assertTensor(n.max(), DType.F64, shape(), Double.NaN);
        assertTensor(n.min(), DType.F64, shape(), Double.NaN);
        Reductions.ValuesIndices r = n.max(1, false);
        assertTensor(r.values(), DType.F64, shape(2), Double.NaN, Double.NaN);
        assertTensor(r.indices(), DType.I64, shape(2), 1, 0);
        Reductions.ValuesIndices m = n.min(0, false);
        assertTensor(m.values(), DType.F64, shape(3), Double.NaN, Double.NaN, 0);
        assertTensor(m.indices(), DType.I64, shape(3), 1, 0, 1);
    }

    @Test
    void emptyTensorHasNoMaximum() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.F64, 0).max());
    }

    @Test
    void gradientGoesToTheFirstExtremeElement() {
        Tensor x = X.detach().requiresGrad(true);
        x.max().backward();
        assertTensor(x.grad(), DType.F64, shape(2, 3), 0, 0, 0, 1, 0, 0);
        Tensor y = X.detach().requiresGrad(true);
        y.max(1, false).values().mul(Tensor.of(new double[] {2, 3}, 2)).sum().backward();
        assertTensor(y.grad(), DType.F64, shape(2, 3), 0, 2, 0, 3, 0, 0);
        Tensor z = X.detach().requiresGrad(true);
        z.min(0, true).values().sum().backward();
        assertTensor(z.grad(), DType.F64, shape(2, 3), 1, 0, 1, 0, 1, 0);
    }

    /** Max or min along dim by a plain loop: the first extreme element wins. */
    static double[][] naive(double[] x, int[] s, int dim, boolean max) {
        int outer = 1, inner = 1, n = s[dim];
        for (int i = 0; i < dim; i++) outer *= s[i];
        for (int i = dim + 1; i < s.length; i++) inner *= s[i];
        double[] v = new double[outer * inner], idx = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int best = 0;
                for (int k = 1; k < n; k++) {
                    double c = x[(o * n + k) * inner + in], b = x[(o * n + best) * inner + in];
                    if (max ? c > b : c < b) best = k;
                }
                v[o * inner + in] = x[(o * n + best) * inner + in];
                idx[o * inner + in] = best;
            }
        }
        return new double[][] {v, idx};
    }

    @Property(tries = 50, seed = "170")
    void agreesWithALoopIncludingTies(@ForAll("shapes") int[] s, @ForAll long seed, @ForAll boolean max, @ForAll boolean keepDim) {
        // integers in [-2, 2]: many ties, so the first-index rule is exercised
        Tensor x = TensorGen.uniform(seed, -2.5, 2.5, s).round();
        int dim = (int) Math.floorMod(seed, (long) s.length);
        double[][] expected = naive(x.toDoubleArray(), s, dim, max);
        Reductions.ValuesIndices r = max ? x.max(dim, keepDim) : x.min(dim, keepDim);
        TensorGen.assertClose(expected[0], r.values().toDoubleArray(), 0, 0, "values along " + dim);
        TensorGen.assertClose(expected[1], r.indices().toDoubleArray(), 0, 0, "indices along " + dim);
        if (r.values().dim() != (keepDim ? s.length : s.length - 1)) throw new AssertionError("rank " + r.values().dim());
        // the same through a permuted (non-contiguous) view
        Tensor nc = TestTensors.reverseDims(TestTensors.reverseDims(x).clone());
        Reductions.ValuesIndices rn = max ? nc.max(dim, keepDim) : nc.min(dim, keepDim);
        TensorGen.assertClose(expected[1], rn.indices().toDoubleArray(), 0, 0, "indices of a permuted view");
        double all = max ? x.max().item() : x.min().item();
        double ref = max ? java.util.Arrays.stream(x.toDoubleArray()).max().getAsDouble() : java.util.Arrays.stream(x.toDoubleArray()).min().getAsDouble();
        if (all != ref) throw new AssertionError("over all elements: " + all + ", expected " + ref);
    }

    @Property(tries = 40, seed = "171")
    void firstDerivatives(@ForAll("shapes") int[] s, @ForAll long seed, @ForAll boolean keepDim) {
        int dim = (int) Math.floorMod(seed, (long) s.length);
        Tensor x = TestTensors.distinct(seed, 0.1, s);
        GradCheck.check(in -> in[0].max(dim, keepDim).values(), x);
        GradCheck.check(in -> in[0].min(dim, keepDim).values(), x);
        GradCheck.check(in -> in[0].max().add(in[0].min()), x);
        GradCheck.check(in -> TestTensors.reverseDims(in[0]).max(dim, keepDim).values(), TestTensors.distinct(seed + 1, 0.1, TestTensors.reversed(s)));
    }

    @Property(tries = 30, seed = "172")
    void secondDerivatives(@ForAll("smallShapes") int[] s, @ForAll long seed) {
        int dim = (int) Math.floorMod(seed, (long) s.length);
        Tensor x = TestTensors.distinct(seed, 0.1, s);
        GradCheck.checkSecondOrder(in -> in[0].max(dim, false).values().mul(in[0].min(dim, false).values()), x);
        if (Shape.numel(s) > 0) GradCheck.checkSecondOrder(in -> in[0].max().mul(in[0]), x);
    }
}
