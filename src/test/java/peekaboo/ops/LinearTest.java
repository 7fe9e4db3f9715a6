package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;

/** F.linear(x, weight, bias) = x weightᵀ + bias, with and without bias. */
class LinearTest {
    private static final Tensor W = Tensor.of(new double[] {1, 0, -1, 2, 1, 0}, 2, 3);

    @Test
    void handCases() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertTensor(F.linear(x, W, null), DType.F64, shape(2, 2), -2, 4, -2, 13);
        assertTensor(F.linear(x, W, Tensor.of(new double[] {10, 20}, 2)), DType.F64, shape(2, 2), 8, 24, 8, 33);
        assertTensor(F.linear(Tensor.of(new double[] {1, 2, 3}, 3), W, null), DType.F64, shape(2), -2, 4);
        assertTensor(F.linear(x.reshape(2, 1, 3), W, null), DType.F64, shape(2, 1, 2), -2, 4, -2, 13);
    }

    @Test
    void mismatchedWeightIsAnErrorNamingBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> F.linear(Tensor.zeros(DType.F64, 4, 2), W, null));
        assertTrue(e.getMessage().contains("[4, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.linear(Tensor.zeros(DType.F64, 4, 3), W.reshape(6), null));
    }

    @Test
    void handGradients() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Tensor w = W.detach().requiresGrad(true), b = Tensor.of(new double[] {10, 20}, 2).requiresGrad(true);
        F.linear(x, w, b).sum().backward();
        assertTensor(b.grad(), DType.F64, shape(2), 2, 2);
        assertTensor(w.grad(), DType.F64, shape(2, 3), 5, 7, 9, 5, 7, 9);
        assertTensor(x.grad(), DType.F64, shape(2, 3), 3, 1, -1, 3, 1, -1);
    }

    @Property(tries = 40, seed = "161")
    void derivativesWithAndWithoutBias(@ForAll long seed, @ForAll boolean withBias) {
        Random r = new Random(seed);
        int[] lead = new int[r.nextInt(3)];
        for (int i = 0; i < lead.length; i++) lead[i] = 1 + r.nextInt(3);
        int in = 1 + r.nextInt(4), out = 1 + r.nextInt(4);
        int[] xs = java.util.Arrays.copyOf(lead, lead.length + 1);
        xs[lead.length] = in;
        Tensor x = TensorGen.randn(seed, xs), w = TensorGen.randn(seed + 1, out, in), b = TensorGen.randn(seed + 2, out);
        if (withBias) {
            GradCheck.check(t -> F.linear(t[0], t[1], t[2]), x, w, b);
            GradCheck.checkSecondOrder(t -> F.linear(t[0], t[1], t[2]).tanh(), x, w, b);
            // a transposed weight view
            GradCheck.check(t -> F.linear(t[0], t[1].t(), t[2]), x, TensorGen.randn(seed + 3, in, out), b);
        } else {
            GradCheck.check(t -> F.linear(t[0], t[1], null), x, w);
            GradCheck.checkSecondOrder(t -> F.linear(t[0], t[1], null).pow(2), x, w);
        }
    }
}
