package peekaboo.ops;

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
import peekaboo.testing.TestTensors;

/** narrow, slice with step and select: windows onto a dimension as views. */
class SliceSelectTest {
    private static final Tensor R = Tensor.arange(0, 10, 1).to(DType.F64);
    private static final Tensor M = Tensor.arange(0, 12, 1).to(DType.F64).reshape(3, 4);

    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(1, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(1, 3, 3); }

    @Test
    void sliceWithStepLikePython() {
        assertTensor(R.slice(0, 1, 8, 3), DType.F64, shape(3), 1, 4, 7);
        assertTensor(R.slice(0, 0, 10, 2), DType.F64, shape(5), 0, 2, 4, 6, 8);
        assertTensor(R.slice(0, -3, 100, 1), DType.F64, shape(3), 7, 8, 9);
        assertTensor(R.slice(0, 2, -5, 2), DType.F64, shape(2), 2, 4);
        assertTensor(R.slice(0, 8, 3, 1), DType.F64, shape(0));
        assertTensor(M.slice(1, 1, 4, 2), DType.F64, shape(3, 2), 1, 3, 5, 7, 9, 11);
        assertSame(M.storage(), M.slice(1, 1, 4, 2).storage());
        assertThrows(IllegalArgumentException.class, () -> R.slice(0, 0, 5, 0));
    }

    @Test
    void narrowAndSelect() {
        assertTensor(M.narrow(0, 1, 2), DType.F64, shape(2, 4), 4, 5, 6, 7, 8, 9, 10, 11);
        assertTensor(M.narrow(1, -2, 2), DType.F64, shape(3, 2), 2, 3, 6, 7, 10, 11);
        assertTensor(M.select(0, 2), DType.F64, shape(4), 8, 9, 10, 11);
        assertTensor(M.select(1, 1), DType.F64, shape(3), 1, 5, 9);
        assertTensor(M.select(-1, 3), DType.F64, shape(3), 3, 7, 11);
        assertTensor(R.select(0, 4), DType.F64, shape(), 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> M.narrow(1, 3, 2));
        assertTrue(e.getMessage().contains("[3, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> M.select(0, 3));
        assertThrows(IllegalArgumentException.class, () -> M.narrow(2, 0, 1));
    }

    @Test
    void slicesOfSlicesAndOfTransposes() {
        assertTensor(M.t().slice(0, 0, 4, 2).slice(1, 1, 3, 1), DType.F64, shape(2, 2), 4, 8, 6, 10);
        assertTensor(R.slice(0, 1, 10, 2).slice(0, 1, 5, 2), DType.F64, shape(2), 3, 7);
    }

    @Test
    void gradientScattersBackIntoZeros() {
        Tensor x = R.detach().requiresGrad(true);
        x.slice(0, 1, 8, 3).mul(Tensor.of(new double[] {1, 2, 3}, 3)).sum().backward();
        assertTensor(x.grad(), DType.F64, shape(10), 0, 1, 0, 0, 2, 0, 0, 3, 0, 0);
        Tensor y = M.detach().requiresGrad(true);
        y.select(1, 2).sum().backward();
        assertTensor(y.grad(), DType.F64, shape(3, 4), 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0);
    }

    /** A random slice (dim, start, end, step) valid for the shape. */
    static int[] randomSlice(int[] s, long seed) {
        Random r = new Random(seed);
        int dim = r.nextInt(s.length), size = s[dim];
        int start = r.nextInt(size), end = start + 1 + r.nextInt(size - start), step = 1 + r.nextInt(3);
        return new int[] {dim, start, end, step};
    }

    @Property(tries = 50, seed = "186")
    void sliceAgreesWithIndexArithmetic(@ForAll("shapes") int[] s, @ForAll long seed) {
        Tensor x = TensorGen.randn(seed, s);
        int[] sl = randomSlice(s, seed);
        int dim = sl[0], start = sl[1], end = sl[2], step = sl[3];
        Tensor y = x.slice(dim, start, end, step);
        int len = (end - start + step - 1) / step;
        if (y.size(dim) != len) throw new AssertionError("length " + y.size(dim) + ", expected " + len);
        double[] xv = x.toDoubleArray(), yv = y.toDoubleArray();
        int[] ys = y.shape(), xStrides = Shape.contiguousStrides(s);
        int[] coord = new int[ys.length];
        for (int i = 0; i < yv.length; i++) {
            int src = 0;
            for (int d = 0; d < ys.length; d++) src += (d == dim ? start + coord[d] * step : coord[d]) * xStrides[d];
            if (yv[i] != xv[src]) throw new AssertionError("element " + i + " of slice " + java.util.Arrays.toString(sl));
            for (int d = ys.length - 1; d >= 0; d--) {
                if (++coord[d] < ys[d]) break;
                coord[d] = 0;
            }
        }
        // select(dim, i) is narrow(dim, i, 1) without the dimension
        int i = start;
        TensorGen.assertClose(x.narrow(dim, i, 1).toDoubleArray(), x.select(dim, i).toDoubleArray(), 0, 0, "select");
    }

    @Property(tries = 40, seed = "187")
    void derivatives(@ForAll("shapes") int[] s, @ForAll long seed) {
        int[] sl = randomSlice(s, seed);
        GradCheck.check(in -> in[0].slice(sl[0], sl[1], sl[2], sl[3]), TensorGen.randn(seed, s));
        GradCheck.check(in -> in[0].narrow(sl[0], sl[1], 1).mul(in[0].select(sl[0], sl[1]).unsqueeze(sl[0])), TensorGen.randn(seed + 1, s));
        // a slice of a non-contiguous view
        int[] r = TestTensors.reversed(s);
        GradCheck.check(in -> TestTensors.reverseDims(in[0]).slice(sl[0], sl[1], sl[2], sl[3]), TensorGen.randn(seed + 2, r));
    }

    @Property(tries = 30, seed = "188")
    void secondDerivatives(@ForAll("smallShapes") int[] s, @ForAll long seed) {
        int[] sl = randomSlice(s, seed);
        GradCheck.checkSecondOrder(in -> in[0].slice(sl[0], sl[1], sl[2], sl[3]).pow(3).mul(in[0].select(sl[0], sl[1]).sum()),
                TensorGen.randn(seed, s));
    }
}
