package peekaboo.autograd;

import org.junit.jupiter.api.Test;
import peekaboo.ops.F;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;

class SmokeGradTest {
    @Test
    void convGradAndGradGrad() {
        Tensor x = TensorGen.randn(1, 2, 2, 5, 5), w = TensorGen.randn(2, 3, 2, 3, 3);
        GradCheck.check(in -> F.conv2d(in[0], in[1], null, 2, 1), x, w);
        GradCheck.checkSecondOrder(in -> F.conv2d(in[0], in[1], null, 1, 1).mul(F.conv2d(in[0], in[1], null, 1, 1)), x, w);
    }
}
