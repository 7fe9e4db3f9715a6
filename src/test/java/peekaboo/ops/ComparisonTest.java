package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;
import peekaboo.testing.TensorGen;

/** eq, ne, lt, le, gt, ge: BOOL results, broadcasting, mixed dtypes, scalar operands, no gradient. */
class ComparisonTest {
    private static final Tensor X = Tensor.of(new double[] {1, 2, 3}, 3);
    private static final Tensor Y = Tensor.of(new double[] {3, 2, 1}, 3);

    @Test
    void allSixAgainstATensor() {
        assertTensor(X.eq(Y), DType.BOOL, shape(3), 0, 1, 0);
        assertTensor(X.ne(Y), DType.BOOL, shape(3), 1, 0, 1);
        assertTensor(X.lt(Y), DType.BOOL, shape(3), 1, 0, 0);
        assertTensor(X.le(Y), DType.BOOL, shape(3), 1, 1, 0);
        assertTensor(X.gt(Y), DType.BOOL, shape(3), 0, 0, 1);
        assertTensor(X.ge(Y), DType.BOOL, shape(3), 0, 1, 1);
    }

    @Test
    void allSixAgainstAScalar() {
        assertTensor(X.eq(2), DType.BOOL, shape(3), 0, 1, 0);
        assertTensor(X.ne(2), DType.BOOL, shape(3), 1, 0, 1);
        assertTensor(X.lt(2), DType.BOOL, shape(3), 1, 0, 0);
        assertTensor(X.le(2), DType.BOOL, shape(3), 1, 1, 0);
        assertTensor(X.gt(2), DType.BOOL, shape(3), 0, 0, 1);
        assertTensor(X.ge(2), DType.BOOL, shape(3), 0, 1, 1);
    }

    @Test
    void broadcastsToTheCommonShape() {
        Tensor col = Tensor.of(new double[] {1, 3}, 2, 1);
        assertTensor(col.lt(Y), DType.BOOL, shape(2, 3), 1, 1, 0, 0, 0, 0);
    }

    @Test
    void nanComparesUnequalToEverything() {
        Tensor n = Tensor.of(new double[] {Double.NaN, 1}, 2);
        assertTensor(n.eq(n), DType.BOOL, shape(2), 0, 1);
        assertTensor(n.ne(n), DType.BOOL, shape(2), 1, 0);
        assertTensor(n.lt(Double.POSITIVE_INFINITY), DType.BOOL, shape(2), 0, 1);
        assertTensor(n.ge(Double.NEGATIVE_INFINITY), DType.BOOL, shape(2), 0, 1);
    }

    @Test
    void mixedDtypesCompareInThePromotedType() {
        // float32 0.1 widened to float64 is not float64 0.1 (as torch.tensor([0.1]) == torch.tensor([0.1], dtype=float64))
        Tensor f32 = Tensor.of(new float[] {0.1f, 0.5f}, 2);
        Tensor f64 = Tensor.of(new double[] {0.1, 0.5}, 2);
        assertTensor(f32.eq(f64), DType.BOOL, shape(2), 0, 1);
        assertTensor(f64.eq(f32), DType.BOOL, shape(2), 0, 1);
        assertTensor(f32.lt(f64), DType.BOOL, shape(2), 0, 0);
        Tensor ints = Tensor.of(new long[] {1, 2, 3}, 3);
        assertTensor(ints.eq(Tensor.of(new float[] {1f, 2.5f, 3f}, 3)), DType.BOOL, shape(3), 1, 0, 1);
        assertTensor(ints.ge(Tensor.of(new double[] {1.5, 1.5, 3.5}, 3)), DType.BOOL, shape(3), 0, 1, 0);
        // the scalar is converted to the tensor's dtype: float32 0.1 equals the scalar 0.1
        assertTensor(f32.eq(0.1), DType.BOOL, shape(2), 1, 0);
    }

    @Test
    void integerTensorsAgainstFractionalOrOutOfRangeScalars() {
        // as PyTorch: torch.tensor([1, 2, 3]) < 2.5 is [True, True, False]; the scalar is not truncated to 2
        Tensor ints = Tensor.of(new long[] {1, 2, 3}, 3);
        assertTensor(ints.lt(2.5), DType.BOOL, shape(3), 1, 1, 0);
        assertTensor(ints.gt(2.5), DType.BOOL, shape(3), 0, 0, 1);
        assertTensor(ints.eq(2.5), DType.BOOL, shape(3), 0, 0, 0);
        assertTensor(ints.eq(Double.NaN), DType.BOOL, shape(3), 0, 0, 0);
        assertTensor(ints.eq(2), DType.BOOL, shape(3), 0, 1, 0);
        Tensor bools = Tensor.of(new boolean[] {true, false}, 2);
        assertTensor(bools.gt(0.5), DType.BOOL, shape(2), 1, 0);
        assertTensor(bools.eq(2), DType.BOOL, shape(2), 0, 0);
        Tensor bytes = Tensor.ofBytes(DType.U8, new byte[] {(byte) 255, 0}, 2);
        assertTensor(bytes.eq(-1), DType.BOOL, shape(2), 0, 0);
        assertTensor(bytes.eq(255), DType.BOOL, shape(2), 1, 0);
    }

    @Test
    void resultsDoNotRequireGrad() {
        Tensor x = X.detach().requiresGrad(true);
        Tensor c = x.gt(1.5);
        assertFalse(c.requiresGrad());
        assertNull(c.gradFn());
        assertFalse(x.le(Y.detach().requiresGrad(true)).requiresGrad());
    }

    @Property(tries = 50, seed = "141")
    void agreeWithJavaComparisonsAndComplementEachOther(@ForAll long seed) {
        // values rounded to halves so that equal pairs occur
        Tensor a = TensorGen.randn(seed, 3, 4).mul(2).round().div(2);
        Tensor b = TensorGen.randn(seed + 1, 4).mul(2).round().div(2);
        double[] av = a.toDoubleArray(), bv = b.toDoubleArray();
        double[] eq = a.eq(b).toDoubleArray(), ne = a.ne(b).toDoubleArray(), lt = a.lt(b).toDoubleArray();
        double[] le = a.le(b).toDoubleArray(), gt = a.gt(b).toDoubleArray(), ge = a.ge(b).toDoubleArray();
        for (int i = 0; i < 12; i++) {
            double x = av[i], y = bv[i % 4];
            double[] expected = {x == y ? 1 : 0, x != y ? 1 : 0, x < y ? 1 : 0, x <= y ? 1 : 0, x > y ? 1 : 0, x >= y ? 1 : 0};
            double[] actual = {eq[i], ne[i], lt[i], le[i], gt[i], ge[i]};
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, "element " + i + ": " + x + " vs " + y);
        }
    }
}
