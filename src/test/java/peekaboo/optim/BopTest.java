package peekaboo.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import peekaboo.autograd.GradMode;
import peekaboo.io.SafeTensors;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** Bop (spec section 3): hand-computed steps, validation, skipped parameters, state and resume. */
class BopTest {
    static Map<String, Tensor> one(Tensor p) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", p);
        return m;
    }

    static Tensor vec(double... v) { return Tensor.of(v, v.length); }

    @Test
    void handComputedSteps() {
        Tensor p = vec(1, -1, 2, -2, 0.5).requiresGrad(true);
        Bop bop = new Bop(one(p), 0.5, 0.1);
        p.setGrad(vec(0.5, 0.5, -0.5, -0.5, 0));
        bop.step(); // m = 1.5 g = [.75, .75, -.75, -.75, 0]: flips where sign(m) == sign(p): entries 0 and 3
        assertArrayEquals(new double[] {0.75, 0.75, -0.75, -0.75, 0}, bop.stateDict().get("bop.m.w").toDoubleArray());
        assertArrayEquals(new double[] {-1, -1, 2, 2, 0.5}, p.toDoubleArray());
        assertEquals(2, bop.flipsLastStep());
        p.setGrad(vec(0, 0, 0, 0, 0));
        bop.step(); // m = 0.5 m: every sign now disagrees with p (or m = 0)
        assertArrayEquals(new double[] {0.375, 0.375, -0.375, -0.375, 0}, bop.stateDict().get("bop.m.w").toDoubleArray());
        assertEquals(0, bop.flipsLastStep());
        p.setGrad(vec(-1, 1, 0, 0, 1));
        bop.step(); // m = [-0.3125, 0.6875, -0.1875, -0.1875, 0.5]: entries 0 (m-, p-) and 4 (m+, p+) flip
        assertArrayEquals(new double[] {-0.3125, 0.6875, -0.1875, -0.1875, 0.5}, bop.stateDict().get("bop.m.w").toDoubleArray());
        assertArrayEquals(new double[] {1, -1, 2, 2, -0.5}, p.toDoubleArray());
        assertEquals(2, bop.flipsLastStep());
        assertArrayEquals(new long[] {2, 0, 0, 1, 1}, bop.flipCounts().get("w").toLongArray());
        bop.zeroFlipCounts();
        assertArrayEquals(new long[5], bop.flipCounts().get("w").toLongArray());
    }

    @Test
    void theThresholdIsInclusive() {
        for (double tau : new double[] {0.75, Math.nextUp(0.75)}) {
            Tensor p = vec(1).requiresGrad(true);
            Bop bop = new Bop(one(p), 0.5, tau);
            p.setGrad(vec(0.5)); // m = 0.75 exactly
            bop.step();
            assertEquals(tau == 0.75 ? -1.0 : 1.0, p.item(), "tau " + tau);
        }
    }

    @Test
    void float32ComparesWithTauRoundedToFloat() {
        // m = (float) 1e-6 = 9.99999997e-7 < 1e-6: compared in float (as PyTorch does) it reaches tau = 1e-6
        Tensor p = Tensor.of(new float[] {1f}, 1).requiresGrad(true);
        Bop bop = new Bop(one(p), 1e-9, 1e-6); // (float) (1 - 1e-9) == 1f: m stays as loaded under a zero gradient
        Map<String, Tensor> state = new LinkedHashMap<>(bop.stateDict());
        state.put("bop.step.w", StateDicts.long0(1));
        state.put("bop.m.w", Tensor.of(new float[] {(float) 1e-6}, 1));
        bop.loadStateDict(state);
        p.setGrad(Tensor.of(new float[] {0f}, 1));
        bop.step();
        assertEquals((double) (float) 1e-6, bop.stateDict().get("bop.m.w").item());
        assertEquals(-1.0, p.item());
    }

    @Test
    void zeroMomentumOnAZeroWeightCountsAsAFlipOnlyWhenTauIsZero() {
        // sign(0) == sign(0) and |0| >= 0: the literal rule (and the reference) flips 0 to -0 and counts it
        Tensor p = vec(0, 0).requiresGrad(true);
        Bop bop = new Bop(one(p), 0.5, 0.0);
        p.setGrad(vec(0, 1));
        bop.step();
        assertEquals(1, bop.flipsLastStep());
        assertEquals(0.0, Math.abs(p.toDoubleArray()[0]), "the magnitude stays 0");
        Bop positiveTau = new Bop(one(vec(0).requiresGrad(true)), 0.5, 1e-6);
        positiveTau.parameters().get("w").setGrad(vec(0));
        positiveTau.step();
        assertEquals(0, positiveTau.flipsLastStep());
    }

    @Test
    void parametersWithoutGradientAreSkippedAndTakeTheirFirstStepLater() {
        Tensor a = vec(1).requiresGrad(true), b = vec(1).requiresGrad(true);
        Map<String, Tensor> ps = new LinkedHashMap<>();
        ps.put("a", a);
        ps.put("b", b);
        Bop bop = new Bop(ps, 0.5, 10);
        a.setGrad(vec(1));
        bop.step();
        bop.step();
        assertEquals(0.0, bop.stateDict().get("bop.step.b").item());
        assertEquals(0L, bop.flipsLastStepByParameter().get("b"));
        b.setGrad(vec(2));
        bop.step();
        assertArrayEquals(new double[] {3.0}, bop.stateDict().get("bop.m.b").toDoubleArray(), "first-step rule m = g + gamma g");
        bop.zeroGrad();
        assertEquals(null, a.grad());
    }

    @Test
    void validationNamesTheFlag() {
        Map<String, Tensor> ps = one(vec(1).requiresGrad(true));
        assertEquals("--ar must be in (0, 1), got 1.5", assertThrows(IllegalArgumentException.class, () -> new Bop(ps, 1.5, 1e-6)).getMessage());
        assertEquals("--ar must be in (0, 1), got 0.0", assertThrows(IllegalArgumentException.class, () -> new Bop(ps, 0, 1e-6)).getMessage());
        assertEquals("--ar must be in (0, 1), got 1.0", assertThrows(IllegalArgumentException.class, () -> new Bop(ps, 1, 1e-6)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Bop(ps, Double.NaN, 1e-6));
        assertEquals("--tau must be a finite number >= 0, got -1.0E-6",
                assertThrows(IllegalArgumentException.class, () -> new Bop(ps, 1e-3, -1e-6)).getMessage());
        Bop bop = new Bop(ps, 1e-3, 0);
        assertThrows(IllegalArgumentException.class, () -> bop.setAr(1));
        bop.setAr(1e-4);
        assertEquals(1e-4, bop.ar());
    }

    @Test
    void loadingReportsMissingMisShapedAndMismatchedEntries() {
        Bop bop = new Bop(one(vec(1, 2).requiresGrad(true)), 1e-3, 1e-6);
        Map<String, Tensor> good = bop.stateDict();
        Map<String, Tensor> missing = new LinkedHashMap<>(good);
        missing.remove("bop.flip_count.w");
        assertMessage(bop, missing, "lacks 'bop.flip_count.w'");
        Map<String, Tensor> misShaped = new LinkedHashMap<>(good);
        misShaped.put("bop.m.w", Tensor.zeros(DType.F64, 2, 1));
        assertMessage(bop, misShaped, "'bop.m.w' has shape [2, 1] but the parameter has [2]");
        Map<String, Tensor> otherTau = new LinkedHashMap<>(good);
        otherTau.put("bop.tau", StateDicts.double0(0.5));
        assertMessage(bop, otherTau, "--tau 0.5");
        Map<String, Tensor> badAr = new LinkedHashMap<>(good);
        badAr.put("bop.ar", StateDicts.double0(2));
        assertMessage(bop, badAr, "--ar must be in (0, 1)");
    }

    private static void assertMessage(Bop bop, Map<String, Tensor> state, String part) {
        var e = assertThrows(IllegalArgumentException.class, () -> bop.loadStateDict(state));
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain " + part);
    }

    /** A small real network: Bop on its conv parameters, SGD on BN and the classifier, gradients from a loss. */
    static final class Training {
        final Network net;
        final Bop bop;
        final Sgd sgd;

        Training(long initSeed) {
            net = Models.build("ResNet20", 10, new int[] {3, 8, 8}, InitMethod.KAIMING_NORMAL, new Generator(initSeed));
            bop = new Bop(net.bopParameters(), 1e-3, 1e-6);
            sgd = new Sgd(net.nonBopParameters(), 0.1, 0.9, 5e-4, false);
        }

        void step(int k) {
            Generator g = new Generator(1000 + k);
            Tensor x = Tensor.randn(g, DType.F32, 4, 3, 8, 8);
            Tensor logits = net.forward(x);
            Tensor target = Tensor.of(new long[] {k % 10, 3, 7, 1}, 4);
            F.crossEntropy(logits, target).backward();
            bop.step();
            sgd.step();
            bop.zeroGrad();
            sgd.zeroGrad();
        }

        Map<String, Tensor> checkpoint() {
            Map<String, Tensor> out = new LinkedHashMap<>(net.stateDict());
            out.putAll(bop.stateDict());
            out.putAll(sgd.stateDict());
            return out;
        }
    }

    @Test
    void aNetworkResumedFromACheckpointContinuesBitIdentically(@TempDir Path dir) {
        Training straight = new Training(5);
        for (int k = 0; k < 4; k++) straight.step(k);

        Training first = new Training(5);
        for (int k = 0; k < 2; k++) first.step(k);
        Path file = dir.resolve("ckpt.safetensors");
        SafeTensors.write(file, first.checkpoint(), Map.of());

        Training resumed = new Training(77);
        Map<String, Tensor> loaded = SafeTensors.read(file);
        resumed.net.loadStateDict(loaded, false);
        resumed.bop.loadStateDict(loaded);
        resumed.sgd.loadStateDict(loaded);
        for (int k = 2; k < 4; k++) resumed.step(k);

        assertTrue(straight.bop.flipCounts().values().stream().mapToLong(t -> java.util.Arrays.stream(t.toLongArray()).sum()).sum() > 0,
                "Bop flipped something");
        Map<String, Tensor> a = straight.checkpoint(), b = resumed.checkpoint();
        assertEquals(a.keySet(), b.keySet());
        for (String key : a.keySet()) {
            try (var s = GradMode.noGrad()) {
                assertArrayEquals(a.get(key).to(DType.F64).toDoubleArray(), b.get(key).to(DType.F64).toDoubleArray(), key);
            }
        }
    }
}
