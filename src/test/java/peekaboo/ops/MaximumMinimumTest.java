package peekaboo.ops;

import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

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

/** Elementwise maximum and minimum: values, NaN propagation, tie-splitting and derivatives. */
class MaximumMinimumTest {
    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(0, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(0, 3, 3); }

    private static Tensor v(double... values) { return Tensor.of(values, values.length); }

    @Test
    void valuesWithBroadcast() {
        assertTensor(v(1, 5, 3).maximum(v(4, 2, 3)), DType.F64, shape(3), 4, 5, 3);
        assertTensor(v(1, 5, 3).minimum(v(4, 2, 3)), DType.F64, shape(3), 1, 2, 3);
        Tensor col = Tensor.of(new double[] {0, 10}, 2, 1);
        assertTensor(col.maximum(v(-1, 5, 20)), DType.F64, shape(2, 3), 0, 5, 20, 10, 10, 20);
        assertTensor(col.minimum(v(-1, 5, 20)), DType.F64, shape(2, 3), -1, 0, 0, -1, 5, 10);
    }

    @Test
    void nanPropagatesFromEitherSide() {
        assertTensor(v(Double.NaN, 1, 2).maximum(v(0, Double.NaN, 1)), DType.F64, shape(3), Double.NaN, Double.NaN, 2);
        assertTensor(v(Double.NaN, 1, 2).minimum(v(0, Double.NaN, 1)), DType.F64, shape(3), Double.NaN, Double.NaN, 1);
    }

    @Test
    void mixedDtypesPromote() {
        Tensor a = Tensor.of(new float[] {1.5f, -1f}, 2);
        assertTensor(a.maximum(v(1, 0)), DType.F64, shape(2), 1.5, 0);
    }

    @Test
    void gradientGoesToTheLargerAndSplitsTies() {
        Tensor a = v(1, 5, 3).requiresGrad(true), b = v(4, 2, 3).requiresGrad(true);
        a.maximum(b).mul(v(1, 2, 4)).sum().backward();
        assertTensor(a.grad(), DType.F64, shape(3), 0, 2, 2);
        assertTensor(b.grad(), DType.F64, shape(3), 1, 0, 2);

        Tensor c = v(1, 5, 3).requiresGrad(true), d = v(4, 2, 3).requiresGrad(true);
        c.minimum(d).mul(v(1, 2, 4)).sum().backward();
        assertTensor(c.grad(), DType.F64, shape(3), 1, 0, 2);
        assertTensor(d.grad(), DType.F64, shape(3), 0, 2, 2);
    }

    @Test
    void broadcastGradientIsSummed() {
        Tensor col = Tensor.of(new double[] {0, 10}, 2, 1).requiresGrad(true);
        Tensor row = v(-1, 5, 20).requiresGrad(true);
        col.maximum(row).sum().backward();
        assertTensor(col.grad(), DType.F64, shape(2, 1), 1, 2);
        assertTensor(row.grad(), DType.F64, shape(3), 0, 1, 2);
    }

    /** Two tensors whose elements are all pairwise at least 0.1 apart (no ties under finite differences). */
    private static Tensor[] separated(long seed, int[] sa, int[] sb) {
        int na = Shape.numel(sa), nb = Shape.numel(sb);
        Tensor all = TestTensors.distinct(seed, 0.1, na + nb);
        return new Tensor[] {all.narrow(0, 0, na).reshape(sa).clone(), all.narrow(0, na, nb).reshape(sb).clone()};
    }

    @Property(tries = 40, seed = "173")
    void firstDerivativesWithBroadcastAndNonContiguous(@ForAll("shapes") int[] s, @ForAll long seed, @ForAll boolean max) {
        int[] p = TestTensors.broadcastPartner(s, seed);
        Tensor[] ab = separated(seed, s, p);
        GradCheck.check(in -> max ? in[0].maximum(in[1]) : in[0].minimum(in[1]), ab[0], ab[1]);
        GradCheck.check(in -> max ? in[1].maximum(in[0]) : in[1].minimum(in[0]), ab[0], ab[1]);
        Tensor[] cd = separated(seed + 1, TestTensors.reversed(s), s);
        GradCheck.check(in -> max ? TestTensors.reverseDims(in[0]).maximum(in[1]) : TestTensors.reverseDims(in[0]).minimum(in[1]),
                cd[0], cd[1]);
    }

    @Property(tries = 30, seed = "174")
    void secondDerivatives(@ForAll("smallShapes") int[] s, @ForAll long seed) {
        Tensor[] ab = separated(seed, s, TestTensors.broadcastPartner(s, seed));
        GradCheck.checkSecondOrder(in -> in[0].maximum(in[1]).mul(in[0].minimum(in[1])), ab[0], ab[1]);
    }
}
