package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;
import peekaboo.testing.TestTensors;

/** matmul (1-D, 2-D, batched with broadcasting, transposed operands) and bmm against a plain triple loop in double. */
class MatmulTest {
    private static final Tensor A = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
    private static final Tensor B = Tensor.of(new double[] {7, 8, 9, 10, 11, 12}, 3, 2);

    @Test
    void handCases() {
        assertTensor(A.matmul(B), DType.F64, shape(2, 2), 58, 64, 139, 154);
        assertTensor(B.t().matmul(A.t()), DType.F64, shape(2, 2), 58, 139, 64, 154);
        Tensor v = Tensor.of(new double[] {1, 0, -1}, 3);
        assertTensor(A.matmul(v), DType.F64, shape(2), -2, -2);
        assertTensor(Tensor.of(new double[] {1, -1}, 2).matmul(A), DType.F64, shape(3), -3, -3, -3);
        assertTensor(v.matmul(Tensor.of(new double[] {2, 5, 3}, 3)), DType.F64, shape(), -1);
        Tensor batch = Tensor.stack(0, A, A.neg());
        assertTensor(batch.matmul(B), DType.F64, shape(2, 2, 2), 58, 64, 139, 154, -58, -64, -139, -154);
        assertTensor(LinearAlgebra.bmm(batch, Tensor.stack(0, B, B)), DType.F64, shape(2, 2, 2), 58, 64, 139, 154, -58, -64, -139, -154);
        assertTensor(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).matmul(Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2)),
                DType.F32, shape(2, 2), 58, 64, 139, 154);
    }

    @Test
    void errorsNameTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> A.matmul(A));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> A.matmul(Tensor.scalar(DType.F64, 1)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.F64, 2, 2, 3).matmul(Tensor.zeros(DType.F64, 3, 3, 2)));
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> A.matmul(B.to(DType.F32)));
        assertTrue(d.getMessage().contains("float32") && d.getMessage().contains("float64"), d.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.bmm(A, B));
        assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.bmm(Tensor.zeros(DType.F64, 2, 2, 3), Tensor.zeros(DType.F64, 1, 3, 2)));
    }

    @Test
    void handGradients() {
        Tensor a = A.detach().requiresGrad(true), b = B.detach().requiresGrad(true);
        a.matmul(b).sum().backward();
        // dA = 1 Bᵀ: row sums of B; dB = Aᵀ 1: column sums of A
        assertTensor(a.grad(), DType.F64, shape(2, 3), 15, 19, 23, 15, 19, 23);
        assertTensor(b.grad(), DType.F64, shape(3, 2), 5, 5, 7, 7, 9, 9);
    }

    /** Plain matmul in double with PyTorch's 1-D and batch broadcasting rules. */
    static double[] naive(double[] a, int[] sa, double[] b, int[] sb, int[] outShape) {
        int[] a2 = sa.length == 1 ? new int[] {1, sa[0]} : sa, b2 = sb.length == 1 ? new int[] {sb[0], 1} : sb;
        int m = a2[a2.length - 2], k = a2[a2.length - 1], n = b2[b2.length - 1];
        int[] batchA = Arrays.copyOf(a2, a2.length - 2), batchB = Arrays.copyOf(b2, b2.length - 2);
        int[] batch = Shape.broadcast(batchA, batchB);
        int bn = Shape.numel(batch);
        double[] out = new double[bn * m * n];
        int[] coord = new int[batch.length];
        for (int t = 0; t < bn; t++) {
            int ao = flat(coord, batchA, batch) * m * k, bo = flat(coord, batchB, batch) * k * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += a[ao + i * k + p] * b[bo + p * n + j];
                    out[t * m * n + i * n + j] = s;
                }
            }
            for (int d = batch.length - 1; d >= 0; d--) {
                if (++coord[d] < batch[d]) break;
                coord[d] = 0;
            }
        }
        if (Shape.numel(outShape) != out.length) throw new AssertionError("output shape " + Shape.str(outShape));
        return out;
    }

    /** Flat batch index into a (possibly lower-rank, size-1-broadcast) batch shape. */
    private static int flat(int[] coord, int[] own, int[] batch) {
        int lead = batch.length - own.length, f = 0;
        for (int d = 0; d < own.length; d++) f = f * own[d] + (own[d] == 1 ? 0 : coord[d + lead]);
        return f;
    }

    /** Random operand shapes: 1-D, 2-D or batched with broadcast batch dimensions. */
    static int[][] randomShapes(long seed) {
        Random r = new Random(seed);
        int m = 1 + r.nextInt(4), k = 1 + r.nextInt(4), n = 1 + r.nextInt(4);
        int[] batch = new int[r.nextInt(3)];
        for (int i = 0; i < batch.length; i++) batch[i] = 1 + r.nextInt(3);
        int[] pa = TestTensors.broadcastPartner(batch, seed), pb = TestTensors.broadcastPartner(batch, seed + 1);
        if (r.nextBoolean()) pa = batch;
        else pb = batch;
        int[] sa = r.nextInt(5) == 0 ? new int[] {k} : concat(pa, m, k);
        int[] sb = r.nextInt(5) == 0 ? new int[] {k} : concat(pb, k, n);
        return new int[][] {sa, sb};
    }

    static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    /** x stored with its last two dimensions swapped, returned as a transposed (non-contiguous) view of the same values. */
    static Tensor transposedStorage(Tensor x) {
        if (x.dim() < 2) return x;
        return x.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    @Property(tries = 60, seed = "166")
    void agreesWithTripleLoop(@ForAll long seed, @ForAll boolean transposeA, @ForAll boolean transposeB) {
        int[][] s = randomShapes(seed);
        Tensor a = TensorGen.randn(seed, s[0]), b = TensorGen.randn(seed + 1, s[1]);
        Tensor ta = transposeA ? transposedStorage(a) : a, tb = transposeB ? transposedStorage(b) : b;
        Tensor c = ta.matmul(tb);
        double[] expected = naive(a.toDoubleArray(), s[0], b.toDoubleArray(), s[1], c.shape());
        TensorGen.assertClose(expected, c.toDoubleArray(), 1e-12, 1e-12, "matmul " + Shape.str(s[0]) + " x " + Shape.str(s[1]));
        Tensor c32 = ta.to(DType.F32).matmul(tb.to(DType.F32));
        TensorGen.assertClose(expected, c32.toDoubleArray(), 1e-5, 1e-5, "float32 matmul");
    }

    @Test
    void largerProductsAgreeWithTripleLoop() {
        // sizes beyond any kernel blocking, with transposed and sliced (strided) operands
        for (int[] mkn : new int[][] {{33, 65, 17}, {64, 64, 64}, {1, 129, 70}, {70, 1, 3}}) {
            Tensor a = TensorGen.randn(mkn[0] * 7L, mkn[0], mkn[1]), b = TensorGen.randn(mkn[2] * 11L, mkn[1], mkn[2]);
            double[] expected = naive(a.toDoubleArray(), a.shape(), b.toDoubleArray(), b.shape(), new int[] {mkn[0], mkn[2]});
            TensorGen.assertClose(expected, a.matmul(b).toDoubleArray(), 1e-11, 1e-11, "f64 " + Arrays.toString(mkn));
            TensorGen.assertClose(expected, transposedStorage(a).matmul(transposedStorage(b)).toDoubleArray(), 1e-11, 1e-11, "f64 transposed");
            TensorGen.assertClose(expected, a.to(DType.F32).matmul(transposedStorage(b).to(DType.F32)).toDoubleArray(), 1e-4, 1e-4, "f32");
            Tensor wide = Tensor.cat(1, b, b);
            TensorGen.assertClose(expected, a.matmul(wide.narrow(1, 0, mkn[2])).toDoubleArray(), 1e-11, 1e-11, "narrowed columns");
        }
        Tensor a = TensorGen.randn(5, 6, 8);
        Tensor strided = Tensor.stack(2, a, a.neg()).select(2, 0); // a with column stride 2
        TensorGen.assertClose(naive(a.toDoubleArray(), a.shape(), a.t().contiguous().toDoubleArray(), new int[] {8, 6}, new int[] {6, 6}),
                strided.matmul(a.t()).toDoubleArray(), 1e-12, 1e-12, "column-strided operand");
    }

    @Property(tries = 40, seed = "167")
    void firstDerivatives(@ForAll long seed, @ForAll boolean transposeA) {
        int[][] s = randomShapes(seed);
        Tensor a = TensorGen.randn(seed, s[0]), b = TensorGen.randn(seed + 1, s[1]);
        GradCheck.check(in -> in[0].matmul(in[1]), a, b);
        if (transposeA && s[0].length >= 2) {
            int[] st = s[0].clone();
            st[st.length - 1] = s[0][st.length - 2];
            st[st.length - 2] = s[0][st.length - 1];
            GradCheck.check(in -> in[0].transpose(-1, -2).matmul(in[1]), TensorGen.randn(seed + 2, st), b);
        }
    }

    @Property(tries = 30, seed = "168")
    void secondDerivatives(@ForAll long seed) {
        int[][] s = randomShapes(seed);
        GradCheck.checkSecondOrder(in -> in[0].matmul(in[1]), TensorGen.randn(seed, s[0]), TensorGen.randn(seed + 1, s[1]));
        GradCheck.checkSecondOrder(in -> in[0].tanh().matmul(in[1]).pow(2), TensorGen.randn(seed + 2, s[0]), TensorGen.randn(seed + 3, s[1]));
    }

    @Property(tries = 30, seed = "169")
    void bmmDerivatives(@ForAll long seed) {
        Random r = new Random(seed);
        int bt = 1 + r.nextInt(3), m = 1 + r.nextInt(3), k = 1 + r.nextInt(3), n = 1 + r.nextInt(3);
        Tensor a = TensorGen.randn(seed, bt, m, k), b = TensorGen.randn(seed + 1, bt, n, k);
        GradCheck.check(in -> LinearAlgebra.bmm(in[0], in[1].transpose(1, 2)), a, b);
        GradCheck.checkSecondOrder(in -> LinearAlgebra.bmm(in[0], in[1].transpose(1, 2)), a, b);
    }
}
