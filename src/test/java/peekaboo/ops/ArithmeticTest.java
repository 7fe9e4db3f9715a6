package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;
import peekaboo.testing.TestTensors;

/** add, sub, mul, div, neg, pow (tensor and scalar exponent) and the scalar variants: values and derivatives. */
class ArithmeticTest {
    private static final Tensor A = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
    private static final Tensor B = Tensor.of(new double[] {10, 20, 30}, 3);

    enum Op {
        ADD, SUB, MUL, DIV, POW;

        Tensor apply(Tensor a, Tensor b) {
            return switch (this) {
                case ADD -> a.add(b);
                case SUB -> a.sub(b);
                case MUL -> a.mul(b);
                case DIV -> a.div(b);
                case POW -> a.pow(b);
            };
        }

        /** Operands where the op is smooth: positive bases for pow, divisors away from 0. */
        Tensor left(long seed, int[] shape) { return this == POW ? TestTensors.positive(seed, shape) : TensorGen.randn(seed, shape); }

        Tensor right(long seed, int[] shape) {
            return switch (this) {
                case DIV -> TestTensors.awayFromZero(seed, 0.5, 2, shape);
                case POW -> TensorGen.uniform(seed, -2, 2, shape);
                default -> TensorGen.randn(seed, shape);
            };
        }
    }

    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(0, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(0, 3, 3); }

    // ------------------------------------------------------------------ hand-computed values

    @Test
    void binaryOpsBroadcastARowOverRows() {
        assertTensor(A.add(B), DType.F64, shape(2, 3), 11, 22, 33, 14, 25, 36);
        assertTensor(A.sub(B), DType.F64, shape(2, 3), -9, -18, -27, -6, -15, -24);
        assertTensor(B.sub(A), DType.F64, shape(2, 3), 9, 18, 27, 6, 15, 24);
        assertTensor(A.mul(B), DType.F64, shape(2, 3), 10, 40, 90, 40, 100, 180);
        assertTensor(A.div(B), DType.F64, shape(2, 3), 0.1, 0.1, 0.1, 0.4, 0.25, 0.2);
        assertTensor(B.div(A), DType.F64, shape(2, 3), 10, 10, 10, 2.5, 4, 5);
    }

    @Test
    void broadcastColumnAgainstRowGivesOuterShape() {
        Tensor col = Tensor.of(new double[] {1, 2}, 2, 1);
        Tensor row = Tensor.of(new double[] {10, 20, 30}, 1, 3);
        assertTensor(col.add(row), DType.F64, shape(2, 3), 11, 21, 31, 12, 22, 32);
        assertTensor(col.mul(row), DType.F64, shape(2, 3), 10, 20, 30, 20, 40, 60);
        assertTensor(Tensor.scalar(DType.F64, 2).mul(col), DType.F64, shape(2, 1), 2, 4);
    }

    @Test
    void negAndPow() {
        assertTensor(A.neg(), DType.F64, shape(2, 3), -1, -2, -3, -4, -5, -6);
        assertTensor(A.pow(2), DType.F64, shape(2, 3), 1, 4, 9, 16, 25, 36);
        assertTensor(A.pow(0.5), DType.F64, shape(2, 3), 1, Math.sqrt(2), Math.sqrt(3), 2, Math.sqrt(5), Math.sqrt(6));
        assertTensor(A.pow(-1), DType.F64, shape(2, 3), 1, 0.5, 1.0 / 3, 0.25, 0.2, 1.0 / 6);
        assertTensor(A.pow(0), DType.F64, shape(2, 3), 1, 1, 1, 1, 1, 1);
        assertTensor(Tensor.of(new double[] {-2, 3}, 2).pow(3), DType.F64, shape(2), -8, 27);
        Tensor e = Tensor.of(new double[] {2, 3, 0.5}, 3);
        assertTensor(A.pow(e), DType.F64, shape(2, 3), 1, 8, Math.sqrt(3), 16, 125, Math.sqrt(6));
    }

    @Test
    void scalarVariants() {
        Tensor x = Tensor.of(new double[] {1, 2, 4, -8}, 4);
        assertTensor(x.add(2.5), DType.F64, shape(4), 3.5, 4.5, 6.5, -5.5);
        assertTensor(x.sub(1), DType.F64, shape(4), 0, 1, 3, -9);
        assertTensor(x.mul(-2), DType.F64, shape(4), -2, -4, -8, 16);
        assertTensor(x.div(4), DType.F64, shape(4), 0.25, 0.5, 1, -2);
        assertTensor(x.rdiv(8), DType.F64, shape(4), 8, 4, 2, -1);
    }

    @Test
    void float32ScalarOpsStayFloat32() {
        Tensor x = Tensor.of(new float[] {1.5f, -2f}, 2);
        assertTensor(x.mul(2).add(1), DType.F32, shape(2), 4, -3);
        assertTensor(x.pow(2), DType.F32, shape(2), 2.25, 4);
    }

    @Test
    void handGradientsSumOverBroadcastDimensions() {
        Tensor a = A.detach().requiresGrad(true), b = B.detach().requiresGrad(true);
        a.mul(b).sum().backward();
        assertTensor(a.grad(), DType.F64, shape(2, 3), 10, 20, 30, 10, 20, 30);
        assertTensor(b.grad(), DType.F64, shape(3), 5, 7, 9);

        Tensor c = A.detach().requiresGrad(true), d = B.detach().requiresGrad(true);
        c.div(d).sum().backward();
        assertTensor(c.grad(), DType.F64, shape(2, 3), 0.1, 0.05, 1.0 / 30, 0.1, 0.05, 1.0 / 30);
        // d/dd (a/d) = -a/d^2, summed over the two rows
        assertTensor(d.grad(), DType.F64, shape(3), -5.0 / 100, -7.0 / 400, -9.0 / 900);

        Tensor e = A.detach().requiresGrad(true), f = Tensor.of(new double[] {2}, 1).requiresGrad(true);
        e.pow(f).sum().backward();
        assertTensor(e.grad(), DType.F64, shape(2, 3), 2, 4, 6, 8, 10, 12);
        double lnSum = 0;
        for (int i = 1; i <= 6; i++) lnSum += i * i * Math.log(i);
        assertTensor(f.grad(), DType.F64, shape(1), lnSum);
    }

    @Test
    void powTensorExponentGradientAtZeroBaseIsZero() {
        // PyTorch: d(a^b)/db = a^b ln a, taken as 0 where a == 0 (and b > 0)
        Tensor a = Tensor.of(new double[] {0, 2}, 2).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {2, 3}, 2).requiresGrad(true);
        a.pow(b).sum().backward();
        assertTensor(b.grad(), DType.F64, shape(2), 0, 8 * Math.log(2));
        assertTensor(a.grad(), DType.F64, shape(2), 0, 12);
    }

    @Test
    void incompatibleShapesNameBothShapes() {
        Tensor a = Tensor.zeros(DType.F64, 2, 3), b = Tensor.zeros(DType.F64, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void resultOfOpsOnRequiresGradRecordsNode() {
        Tensor a = A.detach().requiresGrad(true);
        Tensor y = a.mul(B).add(1).neg();
        assertTrue(y.requiresGrad());
        assertEquals("neg", y.gradFn().name());
    }

    // ------------------------------------------------------------------ first derivatives

    @Property(tries = 40, seed = "121")
    void sameShapeGradients(@ForAll Op op, @ForAll("shapes") int[] s, @ForAll long seed) {
        GradCheck.check(in -> op.apply(in[0], in[1]), op.left(seed, s), op.right(seed + 1, s));
    }

    @Property(tries = 40, seed = "122")
    void broadcastGradients(@ForAll Op op, @ForAll("shapes") int[] s, @ForAll long seed) {
        int[] p = TestTensors.broadcastPartner(s, seed);
        GradCheck.check(in -> op.apply(in[0], in[1]), op.left(seed, s), op.right(seed + 1, p));
        GradCheck.check(in -> op.apply(in[0], in[1]), op.left(seed + 2, p), op.right(seed + 3, s));
    }

    @Property(tries = 30, seed = "123")
    void nonContiguousGradients(@ForAll Op op, @ForAll("shapes") int[] s, @ForAll long seed) {
        // the left operand is stored with reversed dimensions and permuted back; the right one is expanded from a partner shape
        int[] p = TestTensors.broadcastPartner(s, seed);
        GradCheck.check(in -> op.apply(TestTensors.reverseDims(in[0]), in[1].expand(s)),
                op.left(seed, TestTensors.reversed(s)), op.right(seed + 1, p));
    }

    @Property(tries = 40, seed = "124")
    void unaryAndScalarGradients(@ForAll("shapes") int[] s, @ForAll long seed,
                                 @ForAll @DoubleRange(min = -3, max = 3) double c) {
        Tensor x = TensorGen.randn(seed, s);
        double nz = Math.abs(c) < 0.1 ? 0.5 : c;
        GradCheck.check(in -> in[0].neg(), x);
        GradCheck.check(in -> in[0].add(c), x);
        GradCheck.check(in -> in[0].sub(c), x);
        GradCheck.check(in -> in[0].mul(c), x);
        GradCheck.check(in -> in[0].div(nz), x);
        GradCheck.check(in -> in[0].rdiv(c), TestTensors.awayFromZero(seed, 0.5, 2, s));
    }

    @Property(tries = 40, seed = "125")
    void powScalarGradients(@ForAll("shapes") int[] s, @ForAll long seed,
                            @ForAll @DoubleRange(min = -2.5, max = 3.5) double p) {
        GradCheck.check(in -> in[0].pow(p), TestTensors.positive(seed, s));
        // integer exponents are smooth for bases of either sign
        double k = Math.rint(p);
        GradCheck.check(in -> in[0].pow(k), TestTensors.awayFromZero(seed, 0.5, 2, s));
    }

    // ------------------------------------------------------------------ second derivatives

    @Property(tries = 30, seed = "126")
    void secondOrder(@ForAll Op op, @ForAll("smallShapes") int[] s, @ForAll long seed) {
        int[] p = TestTensors.broadcastPartner(s, seed);
        GradCheck.checkSecondOrder(in -> op.apply(in[0], in[1]), op.left(seed, s), op.right(seed + 1, p));
        // the same tensor on both sides (x*x, x/x, x^x) exercises accumulation of two paths
        Tensor x = op.left(seed + 2, s);
        if (op != Op.DIV && op != Op.SUB) GradCheck.checkSecondOrder(in -> op.apply(in[0], in[0]), x);
    }

    @Property(tries = 30, seed = "127")
    void secondOrderOfScalarVariants(@ForAll("smallShapes") int[] s, @ForAll long seed,
                                     @ForAll @DoubleRange(min = -2.5, max = 3.5) double p) {
        Tensor x = TestTensors.positive(seed, s);
        GradCheck.checkSecondOrder(in -> in[0].pow(p), x);
        GradCheck.checkSecondOrder(in -> in[0].rdiv(p).mul(in[0].add(p)), x);
        GradCheck.checkSecondOrder(in -> in[0].mul(in[0]).div(3).sub(p).neg(), x);
    }
}
