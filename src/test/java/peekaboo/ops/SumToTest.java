package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertSame;
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
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;
import peekaboo.testing.TestTensors;

/** sumTo: the adjoint of expand, summing broadcast dimensions away. */
class SumToTest {
    private static final Tensor X = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);

    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(0, 4, 4); }

    @Test
    void handCases() {
        assertTensor(X.sumTo(shape(3)), DType.F64, shape(3), 5, 7, 9);
        assertTensor(X.sumTo(shape(1, 3)), DType.F64, shape(1, 3), 5, 7, 9);
        assertTensor(X.sumTo(shape(2, 1)), DType.F64, shape(2, 1), 6, 15);
        assertTensor(X.sumTo(shape(1)), DType.F64, shape(1), 21);
        assertTensor(X.sumTo(shape()), DType.F64, shape(), 21);
        assertSame(X, X.sumTo(shape(2, 3)));
    }

    @Test
    void shapesNotBroadcastFromAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> X.sumTo(shape(2)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> X.sumTo(shape(1, 2, 3, 1)));
    }

    @Property(tries = 50, seed = "193")
    void sumToOfExpandMultipliesByTheBroadcastFactor(@ForAll("shapes") int[] s, @ForAll long seed) {
        int[] p = TestTensors.broadcastPartner(s, seed);
        Tensor x = TensorGen.randn(seed, p);
        Tensor back = x.expand(s).sumTo(p);
        double factor = (double) Shape.numel(s) / Shape.numel(p);
        TestTensors.assertValues(back, p, 1e-12, x.mul(factor).toDoubleArray());
        // and the adjoint identity <expand(x), y> = <x, sumTo(y)>
        Tensor y = TensorGen.randn(seed + 1, s);
        double lhs = x.expand(s).mul(y).sum().item(), rhs = x.mul(y.sumTo(p)).sum().item();
        if (Math.abs(lhs - rhs) > 1e-10 * (1 + Math.abs(lhs))) throw new AssertionError(lhs + " vs " + rhs);
    }

    @Property(tries = 40, seed = "194")
    void derivatives(@ForAll("shapes") int[] s, @ForAll long seed) {
        int[] p = TestTensors.broadcastPartner(s, seed);
        GradCheck.check(in -> in[0].sumTo(p), TensorGen.randn(seed, s));
        GradCheck.check(in -> TestTensors.reverseDims(in[0]).sumTo(p), TensorGen.randn(seed + 1, TestTensors.reversed(s)));
        if (Shape.numel(s) <= 27) GradCheck.checkSecondOrder(in -> in[0].mul(in[0]).sumTo(p), TensorGen.randn(seed + 2, s));
    }
}
