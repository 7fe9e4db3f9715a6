package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;

/**
 * The fused ReLU kernels: relu(a + b) as one op (residual blocks) and the ReLU's one-pass backward
 * g * step(z). Both must equal the composed ops bit for bit, special values included.
 */
class FusedReluProperties {

    /** Values with ties at 0, signed zeros, infinities and NaN mixed into Gaussians. */
    private static float[] awkward(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] special = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE};
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextInt(6) == 0 ? special[rnd.nextInt(special.length)] : (float) (rnd.nextGaussian() * 2);
        }
        return v;
    }

    @Property(tries = 40, seed = "153")
    void addReluEqualsReluOfSumBitForBit(@ForAll @IntRange(min = 1, max = 5000) int n, @ForAll long seed) {
        Tensor a = Tensor.of(awkward(seed, n), n), b = Tensor.of(awkward(seed + 1, n), n);
        assertArrayEquals(a.add(b).relu().toFloatArray(), F.addRelu(a, b).toFloatArray());
    }

    @Property(tries = 40, seed = "154")
    void reluBackwardEqualsTheComposedMaskBitForBit(@ForAll @IntRange(min = 1, max = 5000) int n, @ForAll long seed) {
        Tensor g = Tensor.of(awkward(seed, n), n), z = Tensor.of(awkward(seed + 1, n), n);
        Tensor composed = g.mul(Elementwise.step(z));
        assertArrayEquals(composed.toFloatArray(), Elementwise.reluBackward(g, z).toFloatArray());
    }

    @Property(tries = 25, seed = "155")
    void addReluGradientsEqualTheComposedOps(@ForAll @IntRange(min = 1, max = 3000) int n, @ForAll long seed) {
        Tensor a0 = TensorGen.randn(seed, 3, n).to(DType.F32), b0 = TensorGen.randn(seed + 1, 3, n).to(DType.F32);
        Tensor r = TensorGen.randn(seed + 2, 3, n).to(DType.F32);
        Tensor[] fused = grads(a0, b0, r, true), plain = grads(a0, b0, r, false);
        assertArrayEquals(plain[0].toFloatArray(), fused[0].toFloatArray());
        assertArrayEquals(plain[1].toFloatArray(), fused[1].toFloatArray());
    }

    private static Tensor[] grads(Tensor a0, Tensor b0, Tensor r, boolean fused) {
        Tensor a = a0.detach().requiresGrad(true), b = b0.detach().requiresGrad(true);
        Tensor y = fused ? F.addRelu(a, b) : a.add(b).relu();
        y.mul(r).sum().backward();
        return new Tensor[] {a.grad(), b.grad()};
    }

    @Property(tries = 20, seed = "156")
    void addReluGradcheckFirstAndSecondOrder(@ForAll long seed) {
        Tensor a = TensorGen.randn(seed, 2, 3, 4), b = TensorGen.randn(seed + 1, 2, 3, 4);
        GradCheck.Fn f = in -> {
            Tensor y = F.addRelu(in[0], in[1]);
            return y.mul(y);
        };
        GradCheck.check(f, a, b);
        GradCheck.checkSecondOrder(f, a, b);
    }

    @Example
    void operandsOfDifferentShapesTakeTheComposedOps() {
        Tensor a = Tensor.of(new float[] {-1f, 2f, 3f, -4f}, 2, 2), b = Tensor.of(new float[] {1.5f, -2.5f}, 2);
        assertArrayEquals(new float[] {0.5f, 0f, 4.5f, 0f}, F.addRelu(a, b).toFloatArray());
    }
}
