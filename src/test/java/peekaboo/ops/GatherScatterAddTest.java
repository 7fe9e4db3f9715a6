package peekaboo.ops;

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
import peekaboo.testing.TestTensors;

/** gather and scatterAdd along a dimension: values, bounds checks, and derivatives of both orders. */
class GatherScatterAddTest {
    private static final Tensor X = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);

    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(1, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(1, 3, 3); }

    private static Tensor idx(int[] shape, long... v) { return Tensor.of(v, shape); }

    @Test
    void gatherHandCases() {
        assertTensor(Indexing.gather(X, 1, idx(shape(2, 2), 2, 0, 1, 1)), DType.F64, shape(2, 2), 3, 1, 5, 5);
        assertTensor(Indexing.gather(X, 0, idx(shape(1, 3), 1, 0, 1)), DType.F64, shape(1, 3), 4, 2, 6);
        assertTensor(Indexing.gather(X, -1, idx(shape(1, 1), 2)), DType.F64, shape(1, 1), 3);
        assertTensor(Indexing.gather(X.t(), 0, idx(shape(1, 2), 2, 0)), DType.F64, shape(1, 2), 3, 4);
    }

    @Test
    void scatterAddHandCasesAccumulateDuplicates() {
        Tensor src = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor out = Indexing.scatterAdd(Tensor.zeros(DType.F64, 2, 3), 1, idx(shape(2, 3), 0, 0, 2, 1, 1, 1), src);
        assertTensor(out, DType.F64, shape(2, 3), 3, 0, 3, 0, 15, 0);
        Tensor base = Tensor.ones(DType.F64, 3, 2);
        assertTensor(Indexing.scatterAdd(base, 0, idx(shape(1, 2), 2, 2), Tensor.of(new double[] {5, 7}, 1, 2)), DType.F64, shape(3, 2),
                1, 1, 1, 1, 6, 8);
        assertTensor(base, DType.F64, shape(3, 2), 1, 1, 1, 1, 1, 1);
    }

    @Test
    void badIndicesAreErrors() {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Indexing.gather(X, 1, idx(shape(2, 1), 0, 3)));
        assertTrue(e.getMessage().contains("3"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Indexing.gather(X, 0, idx(shape(1, 1), -1)));
        assertThrows(IllegalArgumentException.class, () -> Indexing.gather(X, 1, Tensor.of(new double[] {0}, 1, 1)));
        assertThrows(IllegalArgumentException.class, () -> Indexing.gather(X, 1, idx(shape(2), 0, 1)));
        assertThrows(IllegalArgumentException.class, () -> Indexing.gather(X, 1, idx(shape(3, 1), 0, 0, 0)));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Indexing.scatterAdd(Tensor.zeros(DType.F64, 2, 2), 1, idx(shape(1, 1), 2), Tensor.ones(DType.F64, 1, 1)));
        assertThrows(IllegalArgumentException.class,
                () -> Indexing.scatterAdd(Tensor.zeros(DType.F64, 2, 2), 1, idx(shape(1, 2), 0, 1), Tensor.ones(DType.F64, 2, 1)));
    }

    @Test
    void scatterAddIndexLargerThanBaseOutsideTheDimensionIsAnError() {
        // as torch.scatter_add: index may not exceed the base in the other dimensions (else writes land in the wrong rows)
        Tensor base = Tensor.zeros(DType.F64, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Indexing.scatterAdd(base, 0, idx(shape(1, 3), 0, 0, 0), Tensor.ones(DType.F64, 1, 3)));
        assertTrue(e.getMessage().contains("[1, 3]") && e.getMessage().contains("[2, 2]"), e.getMessage());
        assertTensor(base, DType.F64, shape(2, 2), 0, 0, 0, 0);
    }

    @Test
    void handGradients() {
        Tensor x = X.detach().requiresGrad(true);
        Indexing.gather(x, 1, idx(shape(2, 2), 2, 0, 1, 1)).mul(Tensor.of(new double[] {1, 2, 3, 4}, 2, 2)).sum().backward();
        assertTensor(x.grad(), DType.F64, shape(2, 3), 2, 0, 1, 0, 7, 0);
        Tensor base = Tensor.zeros(DType.F64, 2, 3).requiresGrad(true), src = X.detach().requiresGrad(true);
        Indexing.scatterAdd(base, 1, idx(shape(2, 3), 0, 0, 2, 1, 1, 1), src).mul(Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3))
                .sum().backward();
        assertTensor(base.grad(), DType.F64, shape(2, 3), 1, 2, 3, 4, 5, 6);
        assertTensor(src.grad(), DType.F64, shape(2, 3), 1, 1, 3, 5, 5, 5);
    }

    /** An index tensor for dim d of shape s: each dimension at most s's, values in [0, s[d]). */
    static Tensor randomIndex(int[] s, int d, long seed) {
        Random r = new Random(seed);
        int[] is = s.clone();
        for (int i = 0; i < s.length; i++) is[i] = i == d ? 1 + r.nextInt(4) : 1 + r.nextInt(s[i]);
        long[] v = new long[Shape.numel(is)];
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(s[d]);
        return Tensor.of(v, is);
    }

    @Property(tries = 50, seed = "157")
    void gatherAgreesWithIndexArithmeticAndScatterAddIsItsAdjoint(@ForAll("shapes") int[] s, @ForAll long seed) {
        int d = (int) Math.floorMod(seed, (long) s.length);
        Tensor x = TensorGen.randn(seed, s), index = randomIndex(s, d, seed);
        Tensor g = Indexing.gather(x, d, index);
        double[] xv = x.toDoubleArray(), gv = g.toDoubleArray();
        long[] iv = index.toLongArray();
        int[] is = index.shape(), xStrides = Shape.contiguousStrides(s);
        int[] coord = new int[is.length];
        for (int i = 0; i < gv.length; i++) {
            int src = 0;
            for (int k = 0; k < is.length; k++) src += (k == d ? (int) iv[i] : coord[k]) * xStrides[k];
            if (gv[i] != xv[src]) throw new AssertionError("gather element " + i);
            for (int k = is.length - 1; k >= 0; k--) {
                if (++coord[k] < is[k]) break;
                coord[k] = 0;
            }
        }
        // <gather(x), y> = <x, scatterAdd(0, y)>
        Tensor y = TensorGen.randn(seed + 1, is);
        double lhs = g.mul(y).sum().item(), rhs = x.mul(Indexing.scatterAdd(Tensor.zerosLike(x), d, index, y)).sum().item();
        if (Math.abs(lhs - rhs) > 1e-10 * (1 + Math.abs(lhs))) throw new AssertionError(lhs + " vs " + rhs);
    }

    @Property(tries = 40, seed = "158")
    void firstDerivatives(@ForAll("shapes") int[] s, @ForAll long seed) {
        int d = (int) Math.floorMod(seed, (long) s.length);
        Tensor index = randomIndex(s, d, seed);
        GradCheck.check(in -> Indexing.gather(in[0], d, index), TensorGen.randn(seed, s));
        GradCheck.check(in -> Indexing.gather(TestTensors.reverseDims(in[0]), d, index), TensorGen.randn(seed + 1, TestTensors.reversed(s)));
        GradCheck.check(in -> Indexing.scatterAdd(in[0], d, index, in[1]), TensorGen.randn(seed + 2, s), TensorGen.randn(seed + 3, index.shape()));
    }

    @Property(tries = 30, seed = "159")
    void secondDerivatives(@ForAll("smallShapes") int[] s, @ForAll long seed) {
        int d = (int) Math.floorMod(seed, (long) s.length);
        Tensor index = randomIndex(s, d, seed);
        GradCheck.checkSecondOrder(in -> Indexing.gather(in[0], d, index).pow(2), TensorGen.randn(seed, s));
        GradCheck.checkSecondOrder(in -> Indexing.scatterAdd(in[0], d, index, in[1].exp()).mul(in[0]),
                TensorGen.randn(seed + 2, s), TensorGen.randn(seed + 3, index.shape()));
    }
}
