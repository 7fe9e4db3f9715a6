package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
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

/** permute, transpose and t(): strided views with permuted dimensions. */
class PermuteTransposeTest {
    private static final Tensor X = Tensor.of(new double[] {0, 1, 2, 3, 4, 5}, 2, 3);

    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(0, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(0, 3, 3); }

    @Test
    void transposeOfAMatrix() {
        Tensor t = X.t();
        assertTensor(t, DType.F64, shape(3, 2), 0, 3, 1, 4, 2, 5);
        assertFalse(t.isContiguous());
        assertSame(X.storage(), t.storage());
        assertTensor(X.transpose(-1, 0), DType.F64, shape(3, 2), 0, 3, 1, 4, 2, 5);
        assertTensor(t.t(), DType.F64, shape(2, 3), 0, 1, 2, 3, 4, 5);
        assertTrue(t.t().isContiguous());
    }

    @Test
    void permuteOfA3dTensor() {
        Tensor c = Tensor.arange(0, 24, 1).to(DType.F64).reshape(2, 3, 4);
        Tensor p = c.permute(2, 0, 1);
        assertTensor(p.select(0, 1), DType.F64, shape(2, 3), 1, 5, 9, 13, 17, 21);
        assertTensor(c.permute(-1, 1, 0).select(1, 2).select(0, 3), DType.F64, shape(2), 11, 23);
        assertTensor(c.transpose(0, 2).contiguous().reshape(-1).narrow(0, 0, 4), DType.F64, shape(4), 0, 12, 4, 16);
    }

    @Test
    void errors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).t());
        assertTrue(e.getMessage().contains("[2, 3, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> X.permute(0, 0));
        assertThrows(IllegalArgumentException.class, () -> X.permute(0));
        assertThrows(IllegalArgumentException.class, () -> X.transpose(0, 2));
    }

    @Test
    void gradientIsTransposedBack() {
        Tensor x = X.detach().requiresGrad(true);
        x.t().mul(Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2)).sum().backward();
        assertTensor(x.grad(), DType.F64, shape(2, 3), 1, 3, 5, 2, 4, 6);
    }

    static int[] randomPermutation(int n, long seed) {
        Random r = new Random(seed);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    @Property(tries = 50, seed = "175")
    void permuteMovesEveryElementByIndexArithmetic(@ForAll("shapes") int[] s, @ForAll long seed) {
        Tensor x = TensorGen.randn(seed, s);
        int[] perm = randomPermutation(s.length, seed);
        Tensor p = x.permute(perm);
        double[] xv = x.toDoubleArray(), pv = p.toDoubleArray();
        int[] ps = p.shape(), xStrides = Shape.contiguousStrides(s);
        int[] coord = new int[ps.length];
        for (int i = 0; i < pv.length; i++) {
            int src = 0;
            for (int d = 0; d < ps.length; d++) src += coord[d] * xStrides[perm[d]];
            if (pv[i] != xv[src]) throw new AssertionError("element " + i + " of permute " + java.util.Arrays.toString(perm));
            for (int d = ps.length - 1; d >= 0; d--) {
                if (++coord[d] < ps[d]) break;
                coord[d] = 0;
            }
        }
        // a permutation followed by its inverse is the identity
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        TensorGen.assertClose(xv, p.permute(inv).toDoubleArray(), 0, 0, "inverse permutation");
    }

    @Property(tries = 40, seed = "176")
    void derivatives(@ForAll("shapes") int[] s, @ForAll long seed) {
        int[] perm = randomPermutation(s.length, seed);
        GradCheck.check(in -> in[0].permute(perm), TensorGen.randn(seed, s));
        if (s.length >= 2) GradCheck.check(in -> in[0].transpose(0, -1).exp(), TensorGen.randn(seed + 1, s));
    }

    @Property(tries = 30, seed = "177")
    void secondDerivatives(@ForAll("smallShapes") int[] s, @ForAll long seed) {
        int[] perm = randomPermutation(s.length, seed);
        GradCheck.checkSecondOrder(in -> in[0].permute(perm).mul(in[0].permute(perm)), TensorGen.randn(seed, s));
    }
}
