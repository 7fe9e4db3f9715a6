package peekaboo.pab.psg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.TreeSet;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** The quantiser of spec section 4: its invariants, and the fused float32 loops against the definition from tensor ops. */
class QuantizerProperties {

    /** A float32 batch [n, c, h, w] of mixed-sign normal values scaled by up to 10^+-3, about a quarter of them exactly zero. */
    static Tensor batch(long seed, boolean nonNegative) {
        Generator g = new Generator(seed);
        int n = 1 + (int) Math.floorMod(seed, 5L), c = 1 + (int) Math.floorMod(seed >> 8, 4L), hw = 1 + (int) Math.floorMod(seed >> 16, 6L);
        Tensor x = Tensor.randn(g, DType.F32, n, c, hw, hw).mul(Math.pow(10, Math.floorMod(seed >> 24, 7L) - 3));
        if (nonNegative) x = x.relu();
        Tensor zero = Tensor.rand(g, DType.F32, n, c, hw, hw).lt(0.25);
        return x.maskedFill(zero, 0.0);
    }

    static float[] q(Tensor x, int bits, boolean signed) { return Quantizer.quantizeInput(x, bits, signed).toFloatArray(); }

    @Property(tries = 200, seed = "218")
    void fusedEqualsTheDefinitionFromTensorOps(@ForAll long seed, @ForAll @IntRange(min = 1, max = 31) int bits, @ForAll boolean signed) {
        Tensor x = batch(seed, !signed);
        assertEquals((float) Quantizer.inputScaleOps(x).item(), Quantizer.inputScale(x), "input scale");
        assertEquals((float) Quantizer.gradScaleOps(x).item(), Quantizer.gradScale(x), "gradient scale");
        assertArrayEquals(Quantizer.quantizeOps(x, bits, Quantizer.inputScaleOps(x), signed).toFloatArray(), q(x, bits, signed));
        assertArrayEquals(Quantizer.quantizeOps(x, bits, Quantizer.gradScaleOps(x), true).toFloatArray(),
                Quantizer.quantizeGrad(x, bits).toFloatArray());
        // a strided (non-contiguous) input takes the same values
        Tensor xt = x.transpose(2, 3);
        assertArrayEquals(Quantizer.quantizeOps(xt, bits, Quantizer.inputScaleOps(xt), signed).toFloatArray(), q(xt, bits, signed));
    }

    @Property(tries = 200, seed = "219")
    void zerosArePreservedAndValuesStayInRange(@ForAll long seed, @ForAll @IntRange(min = 1, max = 16) int bits, @ForAll boolean signed) {
        Tensor x = batch(seed, false);
        float max = Quantizer.inputScale(x);
        float[] in = x.toFloatArray(), out = Quantizer.quantize(x, bits, max, signed).toFloatArray();
        for (int i = 0; i < in.length; i++) {
            if (in[i] == 0) assertEquals(0f, out[i], "zero stays zero at " + i);
            assertTrue(out[i] >= (signed ? -max : 0) && out[i] <= max, out[i] + " outside [" + (signed ? -max : 0) + ", " + max + "]");
        }
    }

    @Property(tries = 200, seed = "220")
    void atMostTwoToTheBitsLevels(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int bits, @ForAll boolean signed) {
        TreeSet<Float> levels = new TreeSet<>();
        for (float v : q(batch(seed, false), bits, signed)) levels.add(v);
        assertTrue(levels.size() <= 1 << bits, levels.size() + " levels with " + bits + " bits: " + levels);
    }

    @Property(tries = 200, seed = "221")
    void idempotentAtAFixedScale(@ForAll long seed, @ForAll @IntRange(min = 1, max = 16) int bits, @ForAll boolean signed) {
        Tensor x = batch(seed, !signed);
        float max = Quantizer.inputScale(x);
        Tensor once = Quantizer.quantize(x, bits, max, signed);
        assertArrayEquals(once.toFloatArray(), Quantizer.quantize(once, bits, max, signed).toFloatArray());
    }

    @Property(tries = 200, seed = "222")
    void monotone(@ForAll long seed, @ForAll @IntRange(min = 1, max = 16) int bits, @ForAll boolean signed) {
        Tensor x = batch(seed, false);
        float max = Quantizer.inputScale(x);
        float[] in = x.toFloatArray(), out = Quantizer.quantize(x, bits, max, signed).toFloatArray();
        for (int i = 0; i < in.length; i++) {
            for (int j = 0; j < in.length; j++) {
                if (in[i] <= in[j]) assertTrue(out[i] <= out[j], "Q(" + in[i] + ") = " + out[i] + " > Q(" + in[j] + ") = " + out[j]);
            }
        }
    }

    @Example
    void handComputedValuesRoundHalfToEven() {
        // unsigned, 2 bits, max 4: delta 1, levels 0..3; 0.5 -> 0 and 2.5 -> 2 (half to even), 9 -> 3 (clamped), -1 -> 0
        Tensor x = Tensor.of(new float[] {0.5f, 1.5f, 2.5f, 9f, -1f, 0f}, 1, 6);
        assertArrayEquals(new float[] {0f, 2f, 2f, 3f, 0f, 0f}, Quantizer.quantize(x, 2, 4, false).toFloatArray());
        // signed, 2 bits, max 4: min -4, delta 2; t = (x + 4) / 2 = 2.25, 2.75, 3.25, 6.5, 1.5 -> 2, 3, 3, 3, 2 -> q = 2t - 4
        assertArrayEquals(new float[] {0f, 2f, 2f, 2f, 0f, 0f}, Quantizer.quantize(x, 2, 4, true).toFloatArray());
        // t = (-3 + 4) / 2 = 0.5 -> 0 (half to even), q = -4; t = (-1.0001 + 4) / 2 < 1.5 -> 1, q = -2
        assertArrayEquals(new float[] {-4f, -2f}, Quantizer.quantize(Tensor.of(new float[] {-3f, -1.0001f}, 1, 2), 2, 4, true).toFloatArray());
        // the input scale is the mean of per-sample maxima, the gradient scale their max
        Tensor b = Tensor.of(new float[] {1f, -3f, 2f, 0.5f}, 2, 2);
        assertEquals(2.5f, Quantizer.inputScale(b));
        assertEquals(3f, Quantizer.gradScale(b));
    }

    @Example
    void allZeroTensorsAndThirtyTwoBitsComeBackUnchanged() {
        Tensor z = Tensor.zeros(2, 3, 4, 4);
        assertArrayEquals(z.toFloatArray(), Quantizer.quantizeInput(z, 4, false).toFloatArray());
        assertArrayEquals(z.toFloatArray(), Quantizer.quantizeGrad(z, 8).toFloatArray());
        Tensor x = batch(3, false);
        assertSame(x.storage(), Quantizer.quantizeInput(x, 32, true).storage());
        assertSame(x.storage(), Quantizer.quantizeGrad(x, 32).storage());
    }

    @Example
    void float64TakesTheDefinitionPath() {
        Tensor x = batch(11, false).to(DType.F64);
        double[] expected = Quantizer.quantizeOps(x, 4, Quantizer.inputScaleOps(x), true).toDoubleArray();
        assertArrayEquals(expected, Quantizer.quantizeInput(x, 4, true).toDoubleArray());
    }

    /**
     * Batch norm's backward finds each sample's max |gx| as it writes gx (Storage.rememberSampleMaxAbs): the
     * quantiser's scale taken from that record equals the one from a pass over gx, bit for bit, and an
     * in-place write drops the record.
     */
    @Property(tries = 100, seed = "231")
    void batchNormBackwardRemembersTheGradientsSampleMaxima(@ForAll long seed, @ForAll boolean relu) {
        // 2-5 images, 1-4 channels, maps of 1x1 to 20x20 (planes shorter and longer than a vector)
        Generator g = new Generator(seed);
        int n = 2 + (int) Math.floorMod(seed, 4L), c = 1 + (int) Math.floorMod(seed >> 8, 4L), hw = 1 + (int) Math.floorMod(seed >> 16, 20L);
        Tensor x = Tensor.randn(g, DType.F32, n, c, hw, hw).requiresGrad(true);
        Tensor w = Tensor.rand(g, DType.F32, c).add(0.5), b = Tensor.randn(g, DType.F32, c);
        Tensor y = relu ? peekaboo.ops.F.batchNormRelu(x, Tensor.zeros(c), Tensor.ones(c), w, b, true, 0.1, 1e-5)
                : peekaboo.ops.F.batchNorm(x, Tensor.zeros(c), Tensor.ones(c), w, b, true, 0.1, 1e-5);
        Tensor gy = Tensor.randn(g, DType.F32, y.shape()).maskedFill(Tensor.rand(g, DType.F32, y.shape()).lt(0.2), 0.0);
        Tensor gx = peekaboo.autograd.Autograd.grad(new Tensor[] {y}, new Tensor[] {gy}, new Tensor[] {x}, false, false, false)[0];
        float[] remembered = gx.storage().sampleMaxAbs(gx.offset(), gx.numel(), gx.size(0));
        assertTrue(remembered != null, "batch norm's backward remembered no maxima");
        float[] direct = peekaboo.backend.cpu.PabKernels.sampleMaxAbs(gx);
        assertArrayEquals(direct, remembered);
        assertArrayEquals(direct, Quantizer.sampleMaxima(gx));
        gx.addInPlace(gx);
        assertEquals(null, gx.storage().sampleMaxAbs(gx.offset(), gx.numel(), gx.size(0)), "the record outlived an in-place write");
        assertArrayEquals(peekaboo.backend.cpu.PabKernels.sampleMaxAbs(gx), Quantizer.sampleMaxima(gx));
    }

    /**
     * The forward kernels whose outputs feed PSG convs (batch norm with and without its ReLU, the residual sum's
     * ReLU) record each sample's max |out| as well: the same maxima as a pass over the output, bit for bit.
     */
    @Property(tries = 100, seed = "232")
    void forwardKernelsRememberTheirOutputsSampleMaxima(@ForAll long seed) {
        Generator g = new Generator(seed);
        int n = 1 + (int) Math.floorMod(seed, 9L), c = 1 + (int) Math.floorMod(seed >> 8, 4L), hw = 2 + (int) Math.floorMod(seed >> 16, 40L);
        Tensor x = Tensor.randn(g, DType.F32, n, c, hw, hw), other = Tensor.randn(g, DType.F32, n, c, hw, hw);
        Tensor w = Tensor.rand(g, DType.F32, c).add(0.5), b = Tensor.randn(g, DType.F32, c);
        Tensor[] outs = {peekaboo.ops.F.batchNormRelu(x, Tensor.zeros(c), Tensor.ones(c), w, b, true, 0.1, 1e-5),
            peekaboo.ops.F.batchNorm(x, Tensor.zeros(c), Tensor.ones(c), w, b, true, 0.1, 1e-5),
            peekaboo.ops.F.addRelu(x, other)};
        for (Tensor y : outs) {
            float[] direct = peekaboo.backend.cpu.PabKernels.sampleMaxAbs(y);
            assertArrayEquals(direct, Quantizer.sampleMaxima(y), "shape " + java.util.Arrays.toString(y.shape()));
            float[] remembered = y.storage().sampleMaxAbs(y.offset(), y.numel(), n);
            if (remembered != null) assertArrayEquals(direct, remembered);
        }
        // batch 8+ on maps of 64+ pixels: the sizes of a training step, where the record must be there
        if (n >= 8 && hw * hw * c >= 4096) {
            for (Tensor y : outs) assertTrue(y.storage().sampleMaxAbs(y.offset(), y.numel(), n) != null);
        }
    }
}
