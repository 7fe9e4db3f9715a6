package peekaboo.autograd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;
import peekaboo.testing.TensorGen;

/** Autograd.grad (torch.autograd.grad): leaves and non-leaves, allowUnused, createGraph for Hessian-vector products. */
class GradFunctionTest {
    private static Tensor leaf(double... v) { return Tensor.of(v, v.length).requiresGrad(true); }

    private static Tensor[] grad(Tensor out, boolean createGraph, boolean allowUnused, Tensor... inputs) {
        return Autograd.grad(new Tensor[] {out}, null, inputs, createGraph, createGraph, allowUnused);
    }

    @Test
    void gradientsOfLeavesWithoutTouchingGradFields() {
        Tensor x = leaf(1, 2), y = leaf(3, 4);
        Tensor[] g = grad(x.mul(y).sum(), false, false, x, y);
        assertTensor(g[0], DType.F64, shape(2), 3, 4);
        assertTensor(g[1], DType.F64, shape(2), 1, 2);
        assertNull(x.grad());
        assertNull(y.grad());
    }

    @Test
    void gradientsWithRespectToNonLeaves() {
        Tensor x = leaf(1, 2);
        Tensor h = x.mul(3);
        Tensor out = h.mul(h).sum();
        Tensor[] g = Autograd.grad(new Tensor[] {out}, null, new Tensor[] {h, x}, true, false, false);
        assertTensor(g[0], DType.F64, shape(2), 6, 12);
        assertTensor(g[1], DType.F64, shape(2), 18, 36);
        // a non-leaf that is itself the output
        assertTensor(grad(out, false, false, out)[0], DType.F64, shape(), 1);
    }

    @Test
    void unusedInputs() {
        Tensor x = leaf(1), unused = leaf(5);
        Tensor out = x.mul(2).sum();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Autograd.grad(new Tensor[] {out}, null, new Tensor[] {x, unused}, true, false, false));
        assertTrue(e.getMessage().contains("allowUnused"), e.getMessage());
        Tensor[] g = grad(out, false, true, x, unused);
        assertTensor(g[0], DType.F64, shape(1), 2);
        assertNull(g[1]);
    }

    @Test
    void weightedNonScalarOutputs() {
        Tensor x = leaf(1, 2);
        Tensor y = x.mul(x);
        Tensor[] g = Autograd.grad(new Tensor[] {y, x.sum()}, new Tensor[] {Tensor.of(new double[] {10, 100}, 2), null},
                new Tensor[] {x}, false, false, false);
        assertTensor(g[0], DType.F64, shape(2), 21, 401);
    }

    @Test
    void createGraphGivesSecondAndThirdDerivatives() {
        Tensor x = leaf(2, -1);
        Tensor[] g1 = grad(x.pow(4).sum(), true, false, x);
        assertTensor(g1[0], DType.F64, shape(2), 32, -4);
        assertTrue(g1[0].requiresGrad());
        Tensor[] g2 = grad(g1[0].sum(), true, false, x);
        assertTensor(g2[0], DType.F64, shape(2), 48, 12);
        Tensor[] g3 = grad(g2[0].sum(), false, false, x);
        assertTensor(g3[0], DType.F64, shape(2), 48, -24);
        assertFalse(g3[0].requiresGrad());
    }

    @Property(tries = 30, seed = "100")
    void hessianVectorProductOfAQuadraticForm(@ForAll long seed) {
        // f(x) = x^T A x has Hessian A + A^T: the HVP through createGraph must equal (A + A^T) v
        Tensor a = TensorGen.randn(seed, 4, 4), v = TensorGen.randn(seed + 1, 4);
        Tensor x = TensorGen.randn(seed + 2, 4).requiresGrad(true);
        Tensor f = x.matmul(a).matmul(x);
        Tensor g = grad(f, true, false, x)[0];
        Tensor hv = grad(g.mul(v).sum(), false, false, x)[0];
        Tensor expected = a.add(a.t()).matmul(v);
        TensorGen.assertClose(expected.toDoubleArray(), hv.toDoubleArray(), 1e-12, 1e-12, "Hessian-vector product");
    }
}
