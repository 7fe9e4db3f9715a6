package peekaboo.pab.psg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import peekaboo.autograd.Autograd;
import peekaboo.backend.ConvShape;
import peekaboo.ops.Convolution;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * The fused PSG convolution against the same computation written with plain ops (quantise with tensor
 * ops, the conv weight-gradient op, threshold, sign), through autograd, for random geometries and flags.
 */
class PsgConvolutionProperties {

    /** A random conv problem: geometry, float32 input, weight, a 0/1 mask and an output gradient, all from one seed. */
    record Case(ConvShape g, Tensor x, Tensor w, Tensor mask, Tensor gy, boolean signed, PsgConfig config) {
        static Case random(long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            ConvShape g;
            while (true) {
                int groups = 1 + r.nextInt(2), k = r.nextInt(3) == 0 ? 1 : 3;
                int h = 3 + r.nextInt(6), w = 3 + r.nextInt(6), pad = r.nextInt(2), dil = 1 + r.nextInt(2), stride = 1 + r.nextInt(2);
                if (h + 2 * pad - dil * (k - 1) - 1 < 0 || w + 2 * pad - dil * (k - 1) - 1 < 0) continue;
                // square stride, padding and dilation: the op's (and PsgConv2d's) parameters
                g = new ConvShape(1 + r.nextInt(4), groups * (1 + r.nextInt(3)), h, w, groups * (1 + r.nextInt(4)), k, k,
                        stride, stride, pad, pad, dil, dil, groups);
                break;
            }
            boolean signed = r.nextBoolean();
            Generator gen = new Generator(r.nextLong());
            Tensor x = Tensor.randn(gen, DType.F32, g.n(), g.c(), g.h(), g.w());
            if (!signed) x = x.relu();
            Tensor w = Tensor.randn(gen, DType.F32, g.k(), g.cg(), g.r(), g.s()).mul(0.3);
            Tensor mask = Tensor.rand(gen, DType.F32, w.shape()).gt(0.3).to(DType.F32);
            Tensor gy = Tensor.randn(gen, DType.F32, g.n(), g.k(), g.outH(), g.outW()).mul(Math.pow(10, r.nextInt(5) - 4));
            double[] thresholds = {0, 0, 1e-7, -1e-7, 0.05, -0.3, 1};
            PsgConfig c = new PsgConfig(1 + r.nextInt(9), 4, 2 + r.nextInt(15), thresholds[r.nextInt(thresholds.length)],
                    r.nextBoolean(), r.nextBoolean(), r.nextInt(4) != 0);
            return new Case(g, x, w, mask, gy, signed, c);
        }
    }

    /** The spec's G (before the mask) written with plain tensor ops, keep as a 0/1 float as the reference does. */
    static Tensor referenceG(Case c) {
        PsgConfig cfg = c.config();
        Tensor exact = Convolution.weightGrad(c.x(), c.gy(), c.g());
        Tensor gw = exact;
        if (cfg.predictiveBackward()) {
            Tensor qx = cfg.msbBits() >= 32 ? c.x() : Quantizer.quantizeOps(c.x(), cfg.msbBits(), Quantizer.inputScaleOps(c.x()), c.signed());
            Tensor qg = cfg.msbBitsGrad() >= 32 ? c.gy() : Quantizer.quantizeOps(c.gy(), cfg.msbBitsGrad(), Quantizer.gradScaleOps(c.gy()), true);
            Tensor msb = Convolution.weightGrad(qx, qg, c.g());
            Tensor t = msb.abs().max().mul(Tensor.scalar(DType.F32, Math.abs(cfg.threshold())));
            Tensor keep = msb.abs().ge(t).to(DType.F32);
            gw = cfg.sparsify() ? keep.mul(msb) : keep.mul(msb).add(keep.neg().add(1).mul(exact));
        }
        return cfg.takeSign() ? gw.sign() : gw;
    }

    /** Runs the fused op through autograd with dL/dy = c.gy; returns {weight.grad, x.grad}. */
    static Tensor[] fused(Case c) {
        Tensor x = c.x().detach().requiresGrad(true), w = c.w().detach().requiresGrad(true);
        Tensor y = PsgConvolution.conv2d(x, c.mask().mul(w), c.g().strideH(), c.g().padH(), c.g().dilH(), c.g().groups(), c.signed(), c.config());
        y.backward(c.gy());
        return new Tensor[] {w.grad(), x.grad()};
    }

    @Property(tries = 150, seed = "213")
    void weightGradientEqualsThePlainOpsComputation(@ForAll long seed) {
        Case c = Case.random(seed);
        Tensor[] grads = fused(c);
        float[] expected = c.mask().mul(referenceG(c)).toFloatArray();
        assertArrayEquals(expected, grads[0].toFloatArray(), 0f, () -> "weight gradient, " + c.g() + " " + c.config());
    }

    @Property(tries = 100, seed = "214")
    void fusedCombineEqualsTheDefinitionFromTensorOps(@ForAll long seed) {
        Case c = Case.random(seed);
        PsgConfig cfg = c.config();
        Tensor msb = Convolution.weightGrad(Quantizer.quantizeInput(c.x(), cfg.msbBits(), c.signed()), Quantizer.quantizeGrad(c.gy(), cfg.msbBitsGrad()), c.g());
        Tensor exact = Convolution.weightGrad(c.x(), c.gy(), c.g());
        for (double v : new double[] {0, 1e-7, 0.05, 1}) {  // v = 1: the largest entry is a tie of |G_msb| >= t
            float[] ops = PsgConvolution.combineOps(msb, exact, v, cfg.sparsify(), cfg.takeSign()).toFloatArray();
            float[] fused = PsgConvolution.combine(msb, exact, v, cfg.sparsify(), cfg.takeSign()).toFloatArray();
            for (int i = 0; i < ops.length; i++) {
                int at = i;
                assertEquals(Float.floatToIntBits(ops[i]), Float.floatToIntBits(fused[i]), () -> "entry " + at + ", v " + v + ", " + cfg);
            }
        }
    }

    @Property(tries = 100, seed = "215")
    void forwardAndInputGradientAreExact(@ForAll long seed) {
        Case c = Case.random(seed);
        Tensor wEff = c.mask().mul(c.w());
        int[] st = {c.g().strideH(), c.g().strideW()}, pad = {c.g().padH(), c.g().padW()}, dil = {c.g().dilH(), c.g().dilW()};
        Tensor plain = Convolution.conv2d(c.x(), wEff, null, st, pad, dil, c.g().groups());
        Tensor psg = PsgConvolution.conv2d(c.x(), wEff, st[0], pad[0], dil[0], c.g().groups(), c.signed(), c.config());
        assertArrayEquals(plain.toFloatArray(), psg.toFloatArray(), 0f, "forward");
        assertArrayEquals(Convolution.inputGrad(c.gy(), wEff, c.g()).toFloatArray(), fused(c)[1].toFloatArray(), 0f, "input gradient");
    }

    @Property(tries = 50, seed = "216")
    void thirtyTwoBitsThresholdZeroNoSignIsTheExactGradient(@ForAll long seed) {
        Case r = Case.random(seed);
        Case c = new Case(r.g(), r.x(), r.w(), r.mask(), r.gy(), r.signed(), new PsgConfig(32, 32, 32, 0, false, false, true));
        float[] exact = c.mask().mul(Convolution.weightGrad(c.x(), c.gy(), c.g())).toFloatArray();
        assertArrayEquals(exact, fused(c)[0].toFloatArray(), 0f);
    }

    @Property(tries = 50, seed = "217")
    void noBackwardTakesTheSignOfTheExactGradient(@ForAll long seed, @ForAll boolean takeSign) {
        Case r = Case.random(seed);
        Case c = new Case(r.g(), r.x(), r.w(), r.mask(), r.gy(), r.signed(), PsgConfig.DEFAULTS.withPredictiveBackward(false).withTakeSign(takeSign));
        Tensor exact = Convolution.weightGrad(c.x(), c.gy(), c.g());
        assertArrayEquals(c.mask().mul(takeSign ? exact.sign() : exact).toFloatArray(), fused(c)[0].toFloatArray(), 0f);
    }

    @Example
    void defaultsGiveSignsOnUnmaskedEntriesOnly() {
        Case r = Case.random(42);
        Case c = new Case(r.g(), r.x(), r.w(), r.mask(), r.gy(), r.signed(), PsgConfig.DEFAULTS);
        float[] g = fused(c)[0].toFloatArray(), m = c.mask().toFloatArray();
        for (int i = 0; i < g.length; i++) {
            assertTrue(g[i] == 0 || g[i] == 1 || g[i] == -1, "a sign: " + g[i]);
            if (m[i] == 0) assertTrue(g[i] == 0, "pruned entries get no gradient");
        }
    }

    @Example
    void secondDerivativesThroughAPsgConvAreRefused() {
        Case c = Case.random(7);
        Tensor w = c.w().detach().requiresGrad(true);
        Tensor y = PsgConvolution.conv2d(c.x(), w, c.g().strideH(), c.g().padH(), c.g().dilH(), c.g().groups(), c.signed(), c.config());
        var e = assertThrows(UnsupportedOperationException.class,
                () -> Autograd.grad(new Tensor[] {y.mul(y).sum()}, null, new Tensor[] {w}, false, true, false));
        assertTrue(e.getMessage().contains("plain twin"), e.getMessage());
    }
}
