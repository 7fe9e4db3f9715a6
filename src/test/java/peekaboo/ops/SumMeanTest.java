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

/** sum and mean over all elements and along dimensions, with and without keepDim. */
class SumMeanTest {
    private static final Tensor X = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);

    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(0, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(0, 3, 3); }

    @Test
    void sumAllAndAlongDims() {
        assertTensor(X.sum(), DType.F64, shape(), 21);
        assertTensor(X.sum(0), DType.F64, shape(3), 5, 7, 9);
        assertTensor(X.sum(1), DType.F64, shape(2), 6, 15);
        assertTensor(X.sum(-1), DType.F64, shape(2), 6, 15);
        assertTensor(X.sum(new int[] {1}, true), DType.F64, shape(2, 1), 6, 15);
        assertTensor(X.sum(new int[] {0}, true), DType.F64, shape(1, 3), 5, 7, 9);
        assertTensor(X.sum(new int[] {0, 1}, false), DType.F64, shape(), 21);
        assertTensor(X.sum(new int[] {1, 0}, true), DType.F64, shape(1, 1), 21);
        Tensor cube = Tensor.arange(0, 24, 1).to(DType.F64).reshape(2, 3, 4);
        // sum over dims 0 and 2: for j, sum_i sum_k (12 i + 4 j + k) = 2*(4*4j+6) + 12*4
        assertTensor(cube.sum(new int[] {0, 2}, false), DType.F64, shape(3), 60, 92, 124);
    }

    @Test
    void zeroDimensionalInputAcceptsDimZero() {
        Tensor s = Tensor.scalar(DType.F64, 2.5);
        assertTensor(s.sum(0), DType.F64, shape(), 2.5);
        assertTensor(s.sum(new int[] {-1}, true), DType.F64, shape(), 2.5);
        assertTensor(s.mean(0), DType.F64, shape(), 2.5);
        assertThrows(IllegalArgumentException.class, () -> s.sum(1));
    }

    @Test
    void sumOfNonContiguousInput() {
        assertTensor(X.t().sum(0), DType.F64, shape(2), 6, 15);
        assertTensor(X.t().sum(1), DType.F64, shape(3), 5, 7, 9);
        assertTensor(X.slice(1, 0, 3, 2).sum(1), DType.F64, shape(2), 4, 10);
        assertTensor(Tensor.of(new double[] {1, 2}, 2, 1).expand(2, 5).sum(1), DType.F64, shape(2), 5, 10);
    }

    @Test
    void integerAndBoolSumsAreInt64() {
        assertTensor(Tensor.of(new long[] {1, 2, 3}, 3).sum(), DType.I64, shape(), 6);
        assertTensor(Tensor.of(new boolean[] {true, false, true, true}, 2, 2).sum(1), DType.I64, shape(2), 1, 2);
        assertTensor(Tensor.of(new float[] {0.5f, 0.25f}, 2).sum(), DType.F32, shape(), 0.75);
    }

    @Test
    void meanAllAndAlongDims() {
        assertTensor(X.mean(), DType.F64, shape(), 3.5);
        assertTensor(X.mean(0), DType.F64, shape(3), 2.5, 3.5, 4.5);
        assertTensor(X.mean(new int[] {1}, true), DType.F64, shape(2, 1), 2, 5);
        assertTensor(X.mean(new int[] {0, 1}, true), DType.F64, shape(1, 1), 3.5);
    }

    @Test
    void meanOfIntegersAndRepeatedDimsAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new long[] {1, 2}, 2).mean());
        assertTrue(e.getMessage().contains("int64"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> X.sum(new int[] {1, -1}, false));
        assertThrows(IllegalArgumentException.class, () -> X.sum(2));
    }

    @Test
    void handGradients() {
        Tensor x = X.detach().requiresGrad(true);
        x.sum(0).mul(Tensor.of(new double[] {1, 2, 3}, 3)).sum().backward();
        assertTensor(x.grad(), DType.F64, shape(2, 3), 1, 2, 3, 1, 2, 3);
        Tensor y = X.detach().requiresGrad(true);
        y.mean(new int[] {1}, true).mul(Tensor.of(new double[] {3, 6}, 2, 1)).sum().backward();
        assertTensor(y.grad(), DType.F64, shape(2, 3), 1, 1, 1, 2, 2, 2);
    }

    /** A random subset of the dimensions of a rank-n shape (possibly empty, which means all). */
    static int[] randomDims(int rank, long seed) {
        Random r = new Random(seed);
        int[] d = new int[rank];
        int n = 0;
        for (int i = 0; i < rank; i++) if (r.nextBoolean()) d[n++] = r.nextBoolean() ? i : i - rank;
        return java.util.Arrays.copyOf(d, n);
    }

    /** Sum over dims by explicit index arithmetic (output in kept-shape order). */
    static double[] naiveSum(double[] x, int[] shape, int[] dims) {
        boolean[] reduced = new boolean[shape.length];
        if (dims.length == 0) java.util.Arrays.fill(reduced, true);
        for (int d : dims) reduced[Shape.dim(d, shape.length)] = true;
        int[] kept = shape.clone();
        for (int i = 0; i < shape.length; i++) if (reduced[i]) kept[i] = 1;
        int[] keptStrides = Shape.contiguousStrides(kept);
        double[] out = new double[Shape.numel(kept)];
        int[] coord = new int[shape.length];
        for (int i = 0; i < x.length; i++) {
            int o = 0;
            for (int d = 0; d < shape.length; d++) if (!reduced[d]) o += coord[d] * keptStrides[d];
            out[o] += x[i];
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++coord[d] < shape[d]) break;
                coord[d] = 0;
            }
        }
        return out;
    }

    @Property(tries = 50, seed = "190")
    void sumAndMeanAgreeWithIndexArithmetic(@ForAll("shapes") int[] s, @ForAll long seed, @ForAll boolean keepDim) {
        Tensor x = TensorGen.randn(seed, s);
        int[] dims = randomDims(s.length, seed);
        double[] expected = naiveSum(x.toDoubleArray(), s, dims);
        Tensor sum = x.sum(dims, keepDim);
        TensorGen.assertClose(expected, sum.toDoubleArray(), 1e-12, 1e-12, "sum over " + java.util.Arrays.toString(dims));
        int count = x.numel() / Math.max(1, expected.length);
        double[] mean = expected.clone();
        for (int i = 0; i < mean.length; i++) mean[i] /= count;
        TensorGen.assertClose(mean, x.mean(dims, keepDim).toDoubleArray(), 1e-12, 1e-12, "mean");
        // the result shape: reduced dims dropped, or kept as 1
        int reducedCount = dims.length == 0 ? s.length : dims.length;
        int expectedRank = keepDim ? s.length : s.length - reducedCount;
        if (sum.dim() != expectedRank) throw new AssertionError("rank " + sum.dim() + ", expected " + expectedRank);
        // the same sum of a non-contiguous copy of the data
        Tensor nc = TestTensors.reverseDims(TestTensors.reverseDims(x).clone());
        TensorGen.assertClose(expected, nc.sum(dims, keepDim).toDoubleArray(), 1e-12, 1e-12, "sum of a permuted view");
    }

    @Property(tries = 40, seed = "191")
    void firstDerivatives(@ForAll("shapes") int[] s, @ForAll long seed, @ForAll boolean keepDim) {
        int[] dims = randomDims(s.length, seed);
        GradCheck.check(in -> in[0].sum(dims, keepDim), TensorGen.randn(seed, s));
        GradCheck.check(in -> in[0].mean(dims, keepDim), TensorGen.randn(seed + 1, s));
        GradCheck.check(in -> TestTensors.reverseDims(in[0]).sum(dims, keepDim), TensorGen.randn(seed + 2, TestTensors.reversed(s)));
        int[] p = TestTensors.broadcastPartner(s, seed);
        GradCheck.check(in -> in[0].expand(s).mean(dims, keepDim), TensorGen.randn(seed + 3, p));
    }

    @Property(tries = 30, seed = "192")
    void secondDerivatives(@ForAll("smallShapes") int[] s, @ForAll long seed, @ForAll boolean keepDim) {
        int[] dims = randomDims(s.length, seed);
        GradCheck.checkSecondOrder(in -> in[0].mul(in[0]).sum(dims, keepDim), TensorGen.randn(seed, s));
        GradCheck.checkSecondOrder(in -> in[0].mean(dims, keepDim).exp().mul(in[0].sum()), TensorGen.randn(seed + 1, s));
    }
}
