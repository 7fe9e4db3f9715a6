package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import java.util.Random;
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

/** reshape, view and flatten: values in row-major order, -1 inference, the view-versus-copy rule, derivatives. */
class ReshapeViewTest {
    private static final Tensor X = Tensor.of(new double[] {0, 1, 2, 3, 4, 5}, 2, 3);

    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(0, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(0, 3, 3); }

    @Test
    void reshapeKeepsRowMajorOrderAndInfersMinusOne() {
        assertTensor(X.reshape(3, 2), DType.F64, shape(3, 2), 0, 1, 2, 3, 4, 5);
        assertTensor(X.reshape(-1), DType.F64, shape(6), 0, 1, 2, 3, 4, 5);
        assertTensor(X.reshape(1, -1, 2), DType.F64, shape(1, 3, 2), 0, 1, 2, 3, 4, 5);
        assertTensor(Tensor.of(new double[] {7}, 1, 1).reshape(), DType.F64, shape(), 7);
        assertTensor(Tensor.scalar(DType.F64, 7).reshape(1, 1), DType.F64, shape(1, 1), 7);
    }

    @Test
    void reshapeOfATransposeCopiesInLogicalOrder() {
        Tensor t = X.t();
        Tensor r = t.reshape(6);
        assertTensor(r, DType.F64, shape(6), 0, 3, 1, 4, 2, 5);
        assertNotSame(X.storage(), r.storage(), "a transposed tensor cannot be flattened without a copy");
    }

    @Test
    void reshapeOfContiguousIsAView() {
        Tensor r = X.reshape(3, 2);
        assertSame(X.storage(), r.storage());
        assertSame(X.storage(), X.view(-1).storage());
        // splitting a dimension of a transposed tensor is still a view
        Tensor t = Tensor.arange(0, 12, 1).to(DType.F64).reshape(3, 4).t();
        Tensor v = t.view(2, 2, 3);
        assertSame(t.storage(), v.storage());
        assertTensor(v, DType.F64, shape(2, 2, 3), 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
    }

    @Test
    void viewOfIncompatibleStridesFailsNamingReshape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> X.t().view(6));
        assertTrue(e.getMessage().contains("reshape") && e.getMessage().contains("[3, 2]"), e.getMessage());
    }

    @Test
    void badShapesAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> X.reshape(4, 2));
        assertThrows(IllegalArgumentException.class, () -> X.reshape(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> X.reshape(4, -1));
        assertThrows(IllegalArgumentException.class, () -> X.view(-2, -3));
    }

    @Test
    void flatten() {
        Tensor c = Tensor.arange(0, 24, 1).to(DType.F64).reshape(2, 3, 4);
        assertTensor(c.flatten(1, 2), DType.F64, shape(2, 12), java.util.stream.IntStream.range(0, 24).asDoubleStream().toArray());
        assertTensor(c.flatten(0, 1).sum(1), DType.F64, shape(6), 6, 22, 38, 54, 70, 86);
        assertTensor(c.flatten(), DType.F64, shape(24), java.util.stream.IntStream.range(0, 24).asDoubleStream().toArray());
        assertTensor(Tensor.scalar(DType.F64, 7).flatten(), DType.F64, shape(1), 7);
        assertThrows(IllegalArgumentException.class, () -> c.flatten(2, 1));
    }

    /** A random shape with the same number of elements (a permutation of prime factors, with 1s and one -1). */
    static int[] regroup(int[] s, long seed) {
        Random r = new Random(seed);
        java.util.List<Integer> factors = new java.util.ArrayList<>();
        for (int d : s) {
            int x = d;
            for (int p = 2; x > 1; p++) while (x % p == 0) { factors.add(p); x /= p; }
        }
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (int f : factors) {
            if (!out.isEmpty() && r.nextBoolean()) out.set(out.size() - 1, out.get(out.size() - 1) * f);
            else out.add(f);
        }
        if (r.nextInt(3) == 0) out.add(r.nextInt(out.size() + 1), 1);
        int[] shape = out.stream().mapToInt(Integer::intValue).toArray();
        if (shape.length > 0 && r.nextBoolean()) shape[r.nextInt(shape.length)] = -1;
        return shape;
    }

    @Property(tries = 50, seed = "183")
    void reshapePreservesRowMajorValuesAndViewsWhenContiguous(@ForAll("shapes") int[] s, @ForAll long seed) {
        Tensor x = TensorGen.randn(seed, s);
        int[] target = regroup(s, seed);
        Tensor r = x.reshape(target);
        if (Shape.numel(r.shape()) != x.numel()) throw new AssertionError("element count");
        TensorGen.assertClose(x.toDoubleArray(), r.toDoubleArray(), 0, 0, "reshape to " + Shape.str(target));
        assertSame(x.storage(), r.storage(), "reshape of a contiguous tensor must be a view");
        // from a non-contiguous arrangement of the same values: reshape agrees with reshape of a contiguous copy
        Tensor nc = TestTensors.reverseDims(TestTensors.reverseDims(x).clone());
        TensorGen.assertClose(x.toDoubleArray(), nc.reshape(target).toDoubleArray(), 0, 0, "reshape of a permuted view");
        // view either agrees or refuses with IllegalArgumentException, never gives other values
        try {
            Tensor v = nc.view(target);
            TensorGen.assertClose(x.toDoubleArray(), v.toDoubleArray(), 0, 0, "view of a permuted view");
            assertSame(nc.storage(), v.storage());
        } catch (IllegalArgumentException refused) {
            assertTrue(refused.getMessage().contains("reshape"), refused.getMessage());
        }
    }

    @Property(tries = 40, seed = "184")
    void derivatives(@ForAll("shapes") int[] s, @ForAll long seed) {
        int[] target = regroup(s, seed);
        GradCheck.check(in -> in[0].reshape(target), TensorGen.randn(seed, s));
        GradCheck.check(in -> TestTensors.reverseDims(in[0]).reshape(target), TensorGen.randn(seed + 1, TestTensors.reversed(s)));
        GradCheck.check(in -> in[0].view(target).mul(in[0].reshape(target)), TensorGen.randn(seed + 2, s));
        GradCheck.check(in -> in[0].flatten(), TensorGen.randn(seed + 3, s));
    }

    @Property(tries = 30, seed = "185")
    void secondDerivatives(@ForAll("smallShapes") int[] s, @ForAll long seed) {
        int[] target = regroup(s, seed);
        GradCheck.checkSecondOrder(in -> {
            Tensor y = TestTensors.reverseDims(in[0]).reshape(target);
            return y.mul(y.exp());
        }, TensorGen.randn(seed, TestTensors.reversed(s)));
    }
}
