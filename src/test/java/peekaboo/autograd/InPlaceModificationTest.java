package peekaboo.autograd;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** In-place writes and the graph: refused while recording, detected at backward when a saved tensor changed. */
class InPlaceModificationTest {
    private static Tensor leaf(double... v) { return Tensor.of(v, v.length).requiresGrad(true); }

    @Test
    void inPlaceOnATensorThatRequiresGradIsRefusedOutsideNoGrad() {
        Tensor x = leaf(1, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.fillInPlace(0));
        assertTrue(e.getMessage().contains("noGrad"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> x.mul(2).copyFrom(Tensor.zeros(DType.F64, 2)));
        assertThrows(IllegalStateException.class, () -> x.narrow(0, 0, 1).fillInPlace(3));
    }

    @Test
    void modifyingASavedLeafIsReportedAtBackward() {
        Tensor x = leaf(1, 2);
        Tensor y = x.mul(x).sum();
        try (var s = GradMode.noGrad()) {
            x.copyFrom(Tensor.of(new double[] {5, 5}, 2));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("mul") && e.getMessage().contains("in place"), e.getMessage());
    }

    @Test
    void modifyingASavedConstantThroughAViewIsReported() {
        Tensor x = leaf(1, 2, 3);
        Tensor c = Tensor.of(new double[] {4, 5, 6}, 3);
        Tensor y = x.mul(c).sum();
        c.narrow(0, 1, 1).fillInPlace(0); // c does not require grad: allowed, but the product saved it
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void modifyingASavedOutputIsReported() {
        Tensor x = leaf(0, 1);
        Tensor e = x.exp();
        Tensor y = e.sum();
        try (var s = GradMode.noGrad()) {
            e.fillInPlace(1);
        }
        assertThrows(IllegalStateException.class, y::backward);
    }

    @Test
    void modifyingATensorNoNodeSavedIsFine() {
        Tensor x = leaf(1, 2);
        Tensor c = Tensor.of(new double[] {3, 4}, 2);
        Tensor y = x.add(c).sum(); // add saves nothing
        c.fillInPlace(100);
        y.backward();
        assertTensor(x.grad(), DType.F64, shape(2), 1, 1);
    }
}
