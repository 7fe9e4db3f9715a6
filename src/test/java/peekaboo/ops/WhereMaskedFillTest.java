package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
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

/** where(cond, a, b) and maskedFill: selection with broadcasting of all three operands, and derivatives. */
class WhereMaskedFillTest {
    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(0, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(0, 3, 3); }

    private static Tensor v(double... values) { return Tensor.of(values, values.length); }

    private static Tensor mask(boolean... m) { return Tensor.of(m, m.length); }

    static Tensor randomMask(long seed, int[] shape) {
        Random r = new Random(seed);
        boolean[] m = new boolean[Shape.numel(shape)];
        for (int i = 0; i < m.length; i++) m[i] = r.nextBoolean();
        return Tensor.of(m, shape);
    }

    @Test
    void selectsElementwise() {
        assertTensor(Tensor.where(mask(true, false, true), v(1, 2, 3), v(10, 20, 30)), DType.F64, shape(3), 1, 20, 3);
    }

    @Test
    void broadcastsConditionAndOperands() {
        Tensor cond = Tensor.of(new boolean[] {true, false}, 2, 1);
        assertTensor(Tensor.where(cond, v(1, 2, 3), Tensor.scalar(DType.F64, -1)), DType.F64, shape(2, 3), 1, 2, 3, -1, -1, -1);
        // float32 and float64 operands promote
        assertTensor(Tensor.where(mask(false, true), Tensor.of(new float[] {1.5f, 2.5f}, 2), v(7, 8)), DType.F64, shape(2), 7, 2.5);
    }

    @Test
    void conditionFromComparison() {
        Tensor x = v(-2, 3, -1, 4);
        assertTensor(Tensor.where(x.gt(0), x, x.mul(0.5)), DType.F64, shape(4), -1, 3, -0.5, 4);
    }

    @Test
    void maskedFillReplacesMaskedElements() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertTensor(x.maskedFill(mask(true, false, true), 0), DType.F64, shape(2, 3), 0, 2, 0, 0, 5, 0);
        assertTensor(Tensor.of(new float[] {1, 2}, 2).maskedFill(mask(false, true), Double.NEGATIVE_INFINITY), DType.F32, shape(2),
                1, Double.NEGATIVE_INFINITY);
        // out of place: the input is unchanged
        assertTensor(x, DType.F64, shape(2, 3), 1, 2, 3, 4, 5, 6);
    }

    @Test
    void gradientsFollowTheCondition() {
        Tensor a = v(1, 2, 3).requiresGrad(true), b = Tensor.of(new double[] {10, 20}, 2, 1).requiresGrad(true);
        Tensor.where(mask(true, false, true), a, b).mul(v(1, 2, 3)).sum().backward();
        assertTensor(a.grad(), DType.F64, shape(3), 2, 0, 6);
        assertTensor(b.grad(), DType.F64, shape(2, 1), 2, 2);

        Tensor x = v(1, 2, 3).requiresGrad(true);
        x.maskedFill(mask(false, true, false), 9).mul(x).sum().backward();
        assertTensor(x.grad(), DType.F64, shape(3), 2, 9, 6);
    }

    @Test
    void conditionAloneRecordsNoNode() {
        Tensor a = v(1, 2), b = v(3, 4);
        assertFalse(Tensor.where(mask(true, false), a, b).requiresGrad());
    }

    @Property(tries = 40, seed = "202")
    void firstDerivativesWithBroadcastAndNonContiguous(@ForAll("shapes") int[] s, @ForAll long seed) {
        int[] p = TestTensors.broadcastPartner(s, seed);
        int[] pc = TestTensors.broadcastPartner(s, seed + 7);
        Tensor cond = randomMask(seed, pc);
        GradCheck.check(in -> Tensor.where(cond, in[0], in[1]), TensorGen.randn(seed, s), TensorGen.randn(seed + 1, p));
        GradCheck.check(in -> Tensor.where(cond, in[1], TestTensors.reverseDims(in[0])),
                TensorGen.randn(seed + 2, TestTensors.reversed(s)), TensorGen.randn(seed + 3, p));
        Tensor full = randomMask(seed + 1, s);
        GradCheck.check(in -> in[0].maskedFill(full, 2.5).mul(in[0]), TensorGen.randn(seed + 4, s));
    }

    @Property(tries = 30, seed = "203")
    void secondDerivatives(@ForAll("smallShapes") int[] s, @ForAll long seed) {
        Tensor cond = randomMask(seed, s);
        GradCheck.checkSecondOrder(in -> Tensor.where(cond, in[0].mul(in[1]), in[1].exp()),
                TensorGen.randn(seed, s), TensorGen.randn(seed + 1, TestTensors.broadcastPartner(s, seed)));
    }
}
