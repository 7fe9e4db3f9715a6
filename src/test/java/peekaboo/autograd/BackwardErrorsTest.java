package peekaboo.autograd;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** Misuse of backward is reported clearly: non-scalar roots, freed graphs, mismatched gradients, non-float leaves. */
class BackwardErrorsTest {
    private static Tensor leaf(double... v) { return Tensor.of(v, v.length).requiresGrad(true); }

    @Test
    void nonScalarWithoutGradientNamesTheShape() {
        Tensor y = leaf(1, 2, 3, 4, 5, 6).reshape(2, 3).mul(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void oneElementNonScalarGetsTheImplicitGradient() {
        Tensor x = leaf(3);
        x.mul(x).reshape(1, 1).backward();
        assertTensor(x.grad(), DType.F64, shape(1), 6);
    }

    @Test
    void explicitGradientOfTheWrongShapeOrDtype() {
        Tensor y = leaf(1, 2).mul(2);
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(DType.F64, 3)));
        assertTrue(s.getMessage().contains("[3]") && s.getMessage().contains("[2]"), s.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(DType.F32, 2)));
        assertTrue(d.getMessage().contains("float32") && d.getMessage().contains("float64"), d.getMessage());
    }

    @Test
    void backwardOfATensorWithoutGraph() {
        Tensor y = Tensor.of(new double[] {1, 2}, 2).sum();
        assertThrows(IllegalStateException.class, y::backward);
    }

    @Test
    void secondBackwardThroughAFreedGraphFails() {
        Tensor x = leaf(1, 2);
        Tensor y = x.exp().sum();
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Tensor x = leaf(0, 1);
        Tensor y = x.exp().sum();
        y.backward(Tensor.scalar(DType.F64, 1), true, false);
        assertDoesNotThrow(() -> y.backward());
        assertTensor(x.grad(), DType.F64, shape(2), 2, 2 * Math.E);
    }

    @Test
    void onlyFloatingLeavesCanRequireGrad() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new long[] {1}, 1).requiresGrad(true));
        assertTrue(e.getMessage().contains("int64"), e.getMessage());
        Tensor y = leaf(1).mul(2);
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
    }

    @Test
    void broadcastFailureNamesBothShapes() {
        Tensor a = leaf(1, 2, 3), b = Tensor.zeros(DType.F64, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.mul(b));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[2, 2]"), e.getMessage());
    }

    @Test
    void setGradOfTheWrongShape() {
        Tensor x = leaf(1, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.setGrad(Tensor.zeros(DType.F64, 3)));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[2]"), e.getMessage());
    }
}
