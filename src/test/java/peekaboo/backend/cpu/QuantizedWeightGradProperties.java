package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import peekaboo.backend.ConvShape;
import peekaboo.backend.Quantization;

/**
 * PSG's fused weight gradient (operands quantised while the kernels copy them) against quantising
 * first and running the plain weight gradient: bit for bit, on every path (direct with dy read in
 * place on 16-wide maps, direct on the virtual grid, the patch matrix for small and strided maps).
 */
class QuantizedWeightGradProperties {

    @Property(tries = 60, seed = "61")
    void fusedQuantisationEqualsQuantisingFirst(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] sides = {4, 8, 9, 16, 20, 32};
        int hw = sides[r.nextInt(sides.length)];
        int stride = hw >= 16 && r.nextInt(3) == 0 ? 2 : 1;
        int groups = r.nextInt(4) == 0 ? 2 : 1;
        int n = r.nextInt(4) == 0 ? 9 + r.nextInt(24) : 1 + r.nextInt(3); // 9+: several images per kernel call
        ConvShape g = new ConvShape(n, groups * (1 + r.nextInt(12)), hw, hw + (r.nextBoolean() ? 0 : 1),
                groups * (1 + r.nextInt(20)), 3, 3, stride, stride, 1, 1, 1, 1, groups);
        check(g, r);
    }

    /** The same on the shapes whose weight gradient takes F(2x2, 3x3) (Conv2dWinograd2d). */
    @Property(tries = 30, seed = "62")
    void fusedQuantisationEqualsQuantisingFirstOnWinograd2d(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ConvShape g = new ConvShape(1 + r.nextInt(12), 8 + r.nextInt(17), 2 + 2 * r.nextInt(4), 2 + 2 * r.nextInt(4),
                8 + r.nextInt(17), 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertTrue(Conv2dWinograd2d.supportsWeightGrad(g), g::toString);
        check(g, r);
    }

    /** The same on strided 1x1 convolutions (Conv2dPointwise). */
    @Property(tries = 30, seed = "63")
    void fusedQuantisationEqualsQuantisingFirstOnPointwise(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ConvShape g = new ConvShape(1 + r.nextInt(12), 1 + r.nextInt(40), 16 + r.nextInt(20), 16 + r.nextInt(20),
                1 + r.nextInt(40), 1, 1, 2 + r.nextInt(2), 1 + r.nextInt(2), 0, 0, 1, 1, 1);
        assertTrue(Conv2dPointwise.fitsWeightGrad(g), g::toString);
        check(g, r);
    }

    /** The same on 16- to 64-channel 3x3 layers (Conv2dOuterWeightGrad: x quantised before its channels-last copy). */
    @Property(tries = 30, seed = "234")
    void fusedQuantisationEqualsQuantisingFirstOnOuterProducts(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int stride = 1 + r.nextInt(2);
        ConvShape g = new ConvShape(1 + r.nextInt(10), 16 * (1 + r.nextInt(4)), 1 + r.nextInt(12),
                16 * (1 + r.nextInt(2)), 8 * (1 + r.nextInt(3)), 3, 3, stride, stride, 1, 1, 1, 1, 1);
        assertEquals(ConvProperties.outerWeightGradTakes(g), Conv2dOuterWeightGrad.supports(g), g::toString);
        check(g, r);
    }

    private static void check(ConvShape g, SplittableRandom r) {
        float[] x = random(r, g.inputSize(), true);
        float[] dy = random(r, g.outputSize(), false);
        Quantization qx = new Quantization(1 + r.nextInt(8), 0.5f + r.nextFloat(), r.nextBoolean());
        Quantization qdy = r.nextInt(5) == 0 ? null : new Quantization(8 + r.nextInt(9), 0.5f + r.nextFloat(), true);
        int off = 3;
        float[] fused = new float[off + g.weightSize()];
        Conv2dF32.weightGrad(g, pad(x, off), off, PabKernels.Quantizing.of(qx), pad(dy, off), off,
                PabKernels.Quantizing.of(qdy), fused, off);
        float[] xq = new float[x.length];
        new PabKernels.Quantizing(qx).copy(x, 0, xq, 0, x.length);
        float[] dyq = dy;
        if (qdy != null) {
            dyq = new float[dy.length];
            new PabKernels.Quantizing(qdy).copy(dy, 0, dyq, 0, dy.length);
        }
        float[] first = new float[g.weightSize()];
        Conv2dF32.weightGrad(g, xq, 0, dyq, 0, first, 0);
        for (int i = 0; i < first.length; i++) {
            int at = i;
            assertEquals(Float.floatToIntBits(first[i]), Float.floatToIntBits(fused[off + i]),
                    () -> "entry " + at + " of " + g + ", " + qx + ", " + qdy);
        }
    }

    /** Gaussian values, a third of them zero (after a ReLU, and Q keeps zeros exactly). */
    private static float[] random(SplittableRandom r, int n, boolean zeros) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = zeros && r.nextInt(3) == 0 ? 0f : (float) (r.nextGaussian() * 0.4);
        }
        return a;
    }

    private static float[] pad(float[] a, int off) {
        float[] p = new float[off + a.length];
        System.arraycopy(a, 0, p, off, a.length);
        return p;
    }
}
