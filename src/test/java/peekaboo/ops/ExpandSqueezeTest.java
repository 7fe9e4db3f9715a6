package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;
import peekaboo.testing.TestTensors;

/** expand (zero-stride broadcast views), squeeze and unsqueeze. */
class ExpandSqueezeTest {
    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(0, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(0, 3, 3); }

    @Test
    void expandRepeatsWithoutCopying() {
        Tensor col = Tensor.of(new double[] {1, 2}, 2, 1);
        Tensor e = col.expand(3, 2, 4);
        assertTensor(e.select(0, 2), DType.F64, shape(2, 4), 1, 1, 1, 1, 2, 2, 2, 2);
        assertArrayEquals(shape(0, 1, 0), e.strides());
        assertSame(col.storage(), e.storage());
        assertTensor(col.expand(-1, 3), DType.F64, shape(2, 3), 1, 1, 1, 2, 2, 2);
        assertTensor(Tensor.scalar(DType.F64, 5).expand(2), DType.F64, shape(2), 5, 5);
        assertSame(col, col.expand(2, 1));
    }

    @Test
    void expandErrors() {
        Tensor col = Tensor.of(new double[] {1, 2}, 2, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> col.expand(3, 4));
        assertTrue(e.getMessage().contains("[2, 1]") && e.getMessage().contains("[3, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> col.expand(4));
        assertThrows(IllegalArgumentException.class, () -> col.expand(-1, 2, 3));
    }

    @Test
    void squeezeAndUnsqueeze() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 1, 3, 1);
        assertTensor(x.squeeze(), DType.F64, shape(3), 1, 2, 3);
        assertTensor(x.squeeze(0), DType.F64, shape(3, 1), 1, 2, 3);
        assertTensor(x.squeeze(-1), DType.F64, shape(1, 3), 1, 2, 3);
        assertSame(x, x.squeeze(1), "squeezing a dimension of size > 1 is a no-op");
        assertTensor(x.squeeze().unsqueeze(0), DType.F64, shape(1, 3), 1, 2, 3);
        assertTensor(x.squeeze().unsqueeze(1), DType.F64, shape(3, 1), 1, 2, 3);
        assertTensor(x.squeeze().unsqueeze(-1), DType.F64, shape(3, 1), 1, 2, 3);
        assertTensor(Tensor.scalar(DType.F64, 4).unsqueeze(0), DType.F64, shape(1), 4);
        assertTensor(Tensor.of(new double[] {4}, 1, 1).squeeze(), DType.F64, shape(), 4);
        assertThrows(IllegalArgumentException.class, () -> x.unsqueeze(4));
        assertThrows(IllegalArgumentException.class, () -> x.squeeze(3));
    }

    @Test
    void unsqueezeOfATransposeStaysAView() {
        Tensor m = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).t();
        Tensor u = m.unsqueeze(1);
        assertSame(m.storage(), u.storage());
        assertTensor(u, DType.F64, shape(3, 1, 2), 1, 4, 2, 5, 3, 6);
        assertTensor(u.squeeze(1), DType.F64, shape(3, 2), 1, 4, 2, 5, 3, 6);
    }

    @Test
    void expandGradientSumsOverRepeats() {
        Tensor col = Tensor.of(new double[] {1, 2}, 2, 1).requiresGrad(true);
        col.expand(3, 2, 4).sum().backward();
        assertTensor(col.grad(), DType.F64, shape(2, 1), 12, 12);
    }

    @Property(tries = 40, seed = "151")
    void derivatives(@ForAll("shapes") int[] s, @ForAll long seed) {
        int[] p = TestTensors.broadcastPartner(s, seed);
        GradCheck.check(in -> in[0].expand(s), TensorGen.randn(seed, p));
        GradCheck.check(in -> TestTensors.reverseDims(in[0].expand(s)).mul(in[0].sum()), TensorGen.randn(seed + 1, p));
        int d = (int) Math.floorMod(seed, (long) s.length + 1);
        GradCheck.check(in -> in[0].unsqueeze(d).squeeze(), TensorGen.randn(seed + 2, s));
    }

    @Property(tries = 30, seed = "152")
    void secondDerivatives(@ForAll("smallShapes") int[] s, @ForAll long seed) {
        int[] p = TestTensors.broadcastPartner(s, seed);
        int d = (int) Math.floorMod(seed, (long) p.length + 1);
        GradCheck.checkSecondOrder(in -> in[0].expand(s).mul(in[0].unsqueeze(d).squeeze(d).expand(s)).tanh(), TensorGen.randn(seed, p));
    }
}
