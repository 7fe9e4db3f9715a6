package peekaboo.autograd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import peekaboo.ops.F;
import peekaboo.ops.Indexing;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** GradMode.noGrad: nothing is recorded inside; closing restores the previous mode; enableGrad nests. */
class NoGradTest {
    @Test
    void opsInsideNoGradRecordNothing() {
        Tensor x = Tensor.of(new double[] {1, -2, 3, 4}, 2, 2).requiresGrad(true);
        try (var s = GradMode.noGrad()) {
            assertFalse(GradMode.isEnabled());
            Tensor[] results = {
                x.add(x), x.mul(2), x.exp(), x.relu(), x.sum(), x.mean(0), x.max(), x.t(), x.reshape(4), x.matmul(x),
                x.clone(), Tensor.cat(0, x, x), Tensor.where(x.gt(0), x, x.neg()), x.to(DType.F32), F.linear(x, x, null),
                Indexing.gather(x, 1, Tensor.of(new long[] {0, 0}, 2, 1)), x.narrow(0, 0, 1), x.expand(3, 2, 2)
            };
            for (Tensor r : results) {
                assertNull(r.gradFn());
                assertFalse(r.requiresGrad());
            }
        }
        assertTrue(GradMode.isEnabled());
        assertTrue(x.mul(2).requiresGrad());
    }

    @Test
    void scopesNestAndRestore() {
        try (var outer = GradMode.noGrad()) {
            try (var inner = GradMode.enableGrad()) {
                assertTrue(GradMode.isEnabled());
                assertTrue(Tensor.of(new double[] {1}, 1).requiresGrad(true).mul(2).requiresGrad());
            }
            assertFalse(GradMode.isEnabled());
            try (var again = GradMode.noGrad()) {
                assertFalse(GradMode.isEnabled());
            }
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
    }

    @Test
    void backwardAfterNoGradUsesOnlyTheRecordedPart() {
        Tensor x = Tensor.of(new double[] {2}, 1).requiresGrad(true);
        Tensor constant;
        try (var s = GradMode.noGrad()) {
            constant = x.mul(x);
        }
        x.mul(constant).sum().backward();
        // d(x * c)/dx with c treated as a constant 4
        assertTrue(Math.abs(x.grad().item() - 4) < 1e-15);
    }
}
