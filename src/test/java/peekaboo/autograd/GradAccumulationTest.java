package peekaboo.autograd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** Leaf gradients accumulate over backward calls, zeroGrad clears them, and they are independent plain tensors. */
class GradAccumulationTest {
    private static Tensor leaf(double... v) { return Tensor.of(v, v.length).requiresGrad(true); }

    @Test
    void twoBackwardCallsAccumulate() {
        Tensor x = leaf(1, 2);
        x.mul(x).sum().backward();
        assertTensor(x.grad(), DType.F64, shape(2), 2, 4);
        x.mul(3).sum().backward();
        assertTensor(x.grad(), DType.F64, shape(2), 5, 7);
    }

    @Test
    void zeroGradClearsAndTheNextBackwardStartsFresh() {
        Tensor x = leaf(1, 2);
        x.exp().sum().backward();
        x.zeroGrad();
        assertNull(x.grad());
        x.mul(2).sum().backward();
        assertTensor(x.grad(), DType.F64, shape(2), 2, 2);
    }

    @Test
    void aLeafUsedTwiceGetsTheSumOfBothPaths() {
        Tensor x = leaf(2);
        x.mul(3).add(x.mul(x)).sum().backward();
        assertTensor(x.grad(), DType.F64, shape(1), 7);
    }

    @Test
    void gradientsAreDetachedContiguousAndOnlyOnLeaves() {
        Tensor x = leaf(1, 2, 3, 4, 5, 6).reshape(2, 3);
        Tensor w = Tensor.of(new double[] {1, 2}, 2, 1).requiresGrad(true);
        Tensor y = x.t().matmul(w);
        y.sum().backward();
        assertNull(x.grad(), "a non-leaf gets no grad");
        assertTrue(w.grad().isContiguous());
        assertFalse(w.grad().requiresGrad());
        assertTensor(w.grad(), DType.F64, shape(2, 1), 6, 15);
    }

    @Test
    void leavesDoNotShareGradientStorage() {
        // an optimiser may scale or clear one parameter's grad in place; no other grad, nor the seed, may change with it
        Tensor a = leaf(1, 2), b = leaf(3, 4), c = Tensor.of(new double[] {5, 6}, 2);
        a.add(b).mul(c).sum().backward();
        assertNotSame(a.grad().storage(), b.grad().storage());
        try (var s = GradMode.noGrad()) {
            a.grad().fillInPlace(0);
        }
        assertTensor(b.grad(), DType.F64, shape(2), 5, 6);

        Tensor p = leaf(1, 2), q = leaf(3, 4);
        Tensor seed = Tensor.of(new double[] {7, 8}, 2);
        p.add(q).backward(seed);
        assertNotSame(seed.storage(), p.grad().storage());
        p.grad().mulInPlace(0);
        q.grad().mulInPlace(2);
        assertTensor(seed, DType.F64, shape(2), 7, 8);
        assertTensor(p.grad(), DType.F64, shape(2), 0, 0);
        assertTensor(q.grad(), DType.F64, shape(2), 14, 16);
    }

    @Test
    void createGraphKeepsTheGradientDifferentiable() {
        Tensor x = leaf(2);
        x.pow(3).sum().backward(Tensor.scalar(DType.F64, 1), true, true);
        assertTrue(x.grad().requiresGrad());
        Tensor g = x.grad();
        x.zeroGrad();
        g.sum().backward();
        assertTensor(x.grad(), DType.F64, shape(1), 12);
    }
}
