package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;
import peekaboo.testing.TestTensors;

/** cat and stack: copies of several tensors along a dimension; the gradient is narrowed back. */
class CatStackTest {
    private static final Tensor A = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
    private static final Tensor B = Tensor.of(new double[] {5, 6}, 1, 2);

    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(1, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(1, 3, 3); }

    @Test
    void catAlongEachDimension() {
        assertTensor(Tensor.cat(0, A, B), DType.F64, shape(3, 2), 1, 2, 3, 4, 5, 6);
        assertTensor(Tensor.cat(1, A, B.t().expand(2, 1)), DType.F64, shape(2, 3), 1, 2, 5, 3, 4, 6);
        assertTensor(Tensor.cat(-1, A.t(), A), DType.F64, shape(2, 4), 1, 3, 1, 2, 2, 4, 3, 4);
        assertTensor(Tensor.cat(0, A), DType.F64, shape(2, 2), 1, 2, 3, 4);
        assertTensor(Tensor.cat(0, Tensor.of(new float[] {1.5f}, 1), Tensor.of(new double[] {2}, 1)), DType.F64, shape(2), 1.5, 2);
    }

    @Test
    void stackAddsADimension() {
        assertTensor(Tensor.stack(0, A, A.t()), DType.F64, shape(2, 2, 2), 1, 2, 3, 4, 1, 3, 2, 4);
        assertTensor(Tensor.stack(2, A, A.neg()), DType.F64, shape(2, 2, 2), 1, -1, 2, -2, 3, -3, 4, -4);
        assertTensor(Tensor.stack(0, Tensor.scalar(DType.F64, 1), Tensor.scalar(DType.F64, 2)), DType.F64, shape(2), 1, 2);
    }

    @Test
    void errorsNameTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(1, A, B));
        assertTrue(e.getMessage().contains("[2, 2]") && e.getMessage().contains("[1, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0, A, Tensor.zeros(DType.F64, 2)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.stack(0, A, B));
        assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0));
    }

    @Test
    void gradientIsSplitBack() {
        Tensor a = A.detach().requiresGrad(true), b = B.detach().requiresGrad(true);
        Tensor.cat(0, a, b).mul(Tensor.of(new double[] {1, 2, 3}, 3, 1)).sum().backward();
        assertTensor(a.grad(), DType.F64, shape(2, 2), 1, 1, 2, 2);
        assertTensor(b.grad(), DType.F64, shape(1, 2), 3, 3);
    }

    @Property(tries = 40, seed = "139")
    void catAgreesWithNarrowAndIsDifferentiable(@ForAll("shapes") int[] s, @ForAll long seed) {
        int d = (int) Math.floorMod(seed, (long) s.length);
        int[] s2 = s.clone();
        s2[d] = 1 + (int) Math.floorMod(seed >> 8, 3L);
        Tensor a = TensorGen.randn(seed, s), b = TensorGen.randn(seed + 1, s2);
        Tensor c = Tensor.cat(d, a, b);
        TensorGen.assertClose(a.toDoubleArray(), c.narrow(d, 0, s[d]).toDoubleArray(), 0, 0, "first part");
        TensorGen.assertClose(b.toDoubleArray(), c.narrow(d, s[d], s2[d]).toDoubleArray(), 0, 0, "second part");
        GradCheck.check(in -> Tensor.cat(d, in[0], in[1], in[0]), a, b);
        GradCheck.check(in -> Tensor.stack(d, in[0], TestTensors.reverseDims(in[1])), a, TensorGen.randn(seed + 2, TestTensors.reversed(s)));
    }

    @Property(tries = 30, seed = "140")
    void secondDerivatives(@ForAll("smallShapes") int[] s, @ForAll long seed) {
        int d = (int) Math.floorMod(seed, (long) s.length);
        GradCheck.checkSecondOrder(in -> Tensor.cat(d, in[0].mul(in[1]), in[1].exp()), TensorGen.randn(seed, s), TensorGen.randn(seed + 1, s));
        GradCheck.checkSecondOrder(in -> Tensor.stack(0, in[0], in[1]).pow(2).sum(0), TensorGen.randn(seed + 2, s), TensorGen.randn(seed + 3, s));
    }
}
