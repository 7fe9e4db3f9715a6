package peekaboo.ops;

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

/** abs, sign, exp, log, sqrt, rsqrt, reciprocal, relu, sigmoid, tanh, clamp: values and derivatives. */
class UnaryFunctionsTest {
    private static final double CLAMP_LO = -0.5, CLAMP_HI = 0.75;

    enum Fn {
        ABS, SIGN, EXP, LOG, SQRT, RSQRT, RECIPROCAL, RELU, SIGMOID, TANH, CLAMP, CLAMP_MIN_ONLY, CLAMP_MAX_ONLY;

        Tensor apply(Tensor x) {
            return switch (this) {
                case ABS -> x.abs();
                case SIGN -> x.sign();
                case EXP -> x.exp();
                case LOG -> x.log();
                case SQRT -> x.sqrt();
                case RSQRT -> x.rsqrt();
                case RECIPROCAL -> x.reciprocal();
                case RELU -> x.relu();
                case SIGMOID -> x.sigmoid();
                case TANH -> x.tanh();
                case CLAMP -> x.clamp(CLAMP_LO, CLAMP_HI);
                case CLAMP_MIN_ONLY -> x.clamp(CLAMP_LO, Double.NaN);
                case CLAMP_MAX_ONLY -> x.clamp(Double.NaN, CLAMP_HI);
            };
        }

        /** Inputs where the function is smooth under finite differences (away from 0 and from the clamp bounds). */
        Tensor input(long seed, int[] shape) {
            return switch (this) {
                case LOG, SQRT, RSQRT -> TestTensors.positive(seed, shape);
                case ABS, SIGN, RECIPROCAL, RELU -> TestTensors.awayFromZero(seed, 0.2, 2, shape);
                case EXP, SIGMOID, TANH -> TensorGen.randn(seed, shape);
                case CLAMP, CLAMP_MIN_ONLY, CLAMP_MAX_ONLY -> awayFromBounds(seed, shape);
            };
        }
    }

    /** Uniform in [-1.5, 1.5] with every value at least 0.05 from both clamp bounds. */
    static Tensor awayFromBounds(long seed, int[] shape) {
        Random r = new Random(seed);
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            double x = -1.5 + 3 * r.nextDouble();
            if (Math.abs(x - CLAMP_LO) < 0.05) x -= 0.1;
            if (Math.abs(x - CLAMP_HI) < 0.05) x += 0.1;
            v[i] = x;
        }
        return Tensor.of(v, shape);
    }

    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(0, 4, 4); }

    @Provide Arbitrary<int[]> smallShapes() { return TensorGen.shapes(0, 3, 3); }

    @Provide Arbitrary<Fn> smoothSecondOrder() {
        return net.jqwik.api.Arbitraries.of(Fn.EXP, Fn.LOG, Fn.TANH, Fn.SIGMOID, Fn.RELU, Fn.SQRT, Fn.RSQRT, Fn.RECIPROCAL, Fn.ABS, Fn.CLAMP);
    }

    // ------------------------------------------------------------------ hand-computed values

    private static Tensor v(double... values) { return Tensor.of(values, values.length); }

    @Test
    void absSignNegativeZeroPositive() {
        assertTensor(v(-2, 0, 3.5).abs(), DType.F64, shape(3), 2, 0, 3.5);
        assertTensor(v(-2, 0, 3.5).sign(), DType.F64, shape(3), -1, 0, 1);
        assertTensor(Tensor.of(new long[] {-3, 0, 7}, 3).abs(), DType.I64, shape(3), 3, 0, 7);
    }

    @Test
    void expLogSqrtRsqrtReciprocal() {
        assertTensor(v(0, 1, -1).exp(), DType.F64, shape(3), 1, Math.E, 1 / Math.E);
        assertTensor(v(1, Math.E, 0.5).log(), DType.F64, shape(3), 0, 1, -Math.log(2));
        assertTensor(v(4, 2, 0).sqrt(), DType.F64, shape(3), 2, Math.sqrt(2), 0);
        assertTensor(v(4, 0.25).rsqrt(), DType.F64, shape(2), 0.5, 2);
        assertTensor(v(2, -4, 0.5).reciprocal(), DType.F64, shape(3), 0.5, -0.25, 2);
        assertTensor(v(0, -1).log(), DType.F64, shape(2), Double.NEGATIVE_INFINITY, Double.NaN);
    }

    @Test
    void reluSigmoidTanh() {
        assertTensor(v(-1, 0, 2).relu(), DType.F64, shape(3), 0, 0, 2);
        assertTensor(v(0, Math.log(3), -Math.log(3)).sigmoid(), DType.F64, shape(3), 0.5, 0.75, 0.25);
        // no overflow to NaN at the tails
        assertTensor(v(-800, 800).sigmoid(), DType.F64, shape(2), 0, 1);
        assertTensor(v(0, Math.log(2), -Math.log(2)).tanh(), DType.F64, shape(3), 0, 0.6, -0.6);
        assertTensor(Tensor.of(new float[] {-1f, 3f}, 2).relu(), DType.F32, shape(2), 0, 3);
    }

    @Test
    void clampBothOneOrNoBoundAndNaN() {
        Tensor x = v(-3, -0.5, 0, 2, 5, Double.NaN);
        assertTensor(x.clamp(-1, 2), DType.F64, shape(6), -1, -0.5, 0, 2, 2, Double.NaN);
        assertTensor(x.clamp(-1, Double.NaN), DType.F64, shape(6), -1, -0.5, 0, 2, 5, Double.NaN);
        assertTensor(x.clamp(Double.NaN, 1), DType.F64, shape(6), -3, -0.5, 0, 1, 1, Double.NaN);
    }

    @Test
    void integerInputsOfTranscendentalFunctionsGiveFloat32() {
        assertTensor(Tensor.of(new long[] {0, 4}, 2).sqrt(), DType.F32, shape(2), 0, 2);
        assertTensor(Tensor.of(new long[] {0}, 1).exp(), DType.F32, shape(1), 1);
    }

    @Test
    void handGradientsIncludingConventionsAtKinks() {
        // PyTorch conventions: relu'(0) = 0, abs'(0) = 0, sign' = 0, clamp passes the gradient at the bounds
        Tensor x = v(-1, 0, 2).requiresGrad(true);
        x.relu().sum().backward();
        assertTensor(x.grad(), DType.F64, shape(3), 0, 0, 1);

        Tensor y = v(-1, 0, 2).requiresGrad(true);
        y.abs().sum().backward();
        assertTensor(y.grad(), DType.F64, shape(3), -1, 0, 1);

        Tensor z = v(-1, 0, 2).requiresGrad(true);
        z.sign().mul(3).sum().backward();
        assertTensor(z.grad(), DType.F64, shape(3), 0, 0, 0);

        Tensor c = v(-3, -1, 0, 2, 5).requiresGrad(true);
        c.clamp(-1, 2).sum().backward();
        assertTensor(c.grad(), DType.F64, shape(5), 0, 1, 1, 1, 0);

        Tensor s = v(0, Math.log(3)).requiresGrad(true);
        s.sigmoid().sum().backward();
        assertTensor(s.grad(), DType.F64, shape(2), 0.25, 0.75 * 0.25);

        Tensor t = v(0, Math.log(2)).requiresGrad(true);
        t.tanh().sum().backward();
        assertTensor(t.grad(), DType.F64, shape(2), 1, 1 - 0.36);

        Tensor r = v(4, 0.25).requiresGrad(true);
        r.rsqrt().sum().backward();
        assertTensor(r.grad(), DType.F64, shape(2), -0.5 / 8, -0.5 * 8);

        Tensor q = v(4, 0.25).requiresGrad(true);
        q.sqrt().add(q.log()).add(q.reciprocal()).add(q.exp()).sum().backward();
        assertTensor(q.grad(), DType.F64, shape(2), 0.25 + 0.25 - 1.0 / 16 + Math.exp(4), 1 + 4 - 16 + Math.exp(0.25));
    }

    @Test
    void signTimesXDifferentiatesLikeAbs() {
        // sign contributes no gradient, so d(sign(x) x)/dx = sign(x)
        GradCheck.check(in -> in[0].sign().mul(in[0]), TestTensors.awayFromZero(3, 0.5, 1, 2, 2));
    }

    // ------------------------------------------------------------------ first derivatives

    @Property(tries = 50, seed = "195")
    void firstDerivatives(@ForAll Fn fn, @ForAll("shapes") int[] s, @ForAll long seed) {
        GradCheck.check(in -> fn.apply(in[0]), fn.input(seed, s));
    }

    @Property(tries = 40, seed = "196")
    void firstDerivativesOfNonContiguousInputs(@ForAll Fn fn, @ForAll("shapes") int[] s, @ForAll long seed) {
        // a reversed-dimension view, and a strided slice of a larger tensor
        GradCheck.check(in -> fn.apply(TestTensors.reverseDims(in[0])), fn.input(seed, TestTensors.reversed(s)));
        if (s.length > 0) {
            int[] big = s.clone();
            big[0] = 2 * s[0];
            GradCheck.check(in -> fn.apply(in[0].slice(0, 1, big[0], 2)), fn.input(seed + 1, big));
        }
    }

    @Property(tries = 30, seed = "197")
    void firstDerivativesOfExpandedInputs(@ForAll Fn fn, @ForAll("shapes") int[] s, @ForAll long seed) {
        int[] p = TestTensors.broadcastPartner(s, seed);
        GradCheck.check(in -> fn.apply(in[0].expand(s)), fn.input(seed, p));
    }

    // ------------------------------------------------------------------ second derivatives

    @Property(tries = 40, seed = "198")
    void secondDerivatives(@ForAll("smoothSecondOrder") Fn fn, @ForAll("smallShapes") int[] s, @ForAll long seed) {
        GradCheck.checkSecondOrder(in -> fn.apply(in[0]), fn.input(seed, s));
        // composed with a product so that the Hessian has off-diagonal terms
        GradCheck.checkSecondOrder(in -> fn.apply(in[0]).mul(in[0].sum()), fn.input(seed, s));
    }
}
