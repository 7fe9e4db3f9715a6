package peekaboo.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import peekaboo.io.SafeTensors;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** SGD (spec section 3) against hand-computed steps, an independent double reference loop, and its own state. */
class SgdTest {
    static Tensor param(double... v) { return Tensor.of(v, v.length).requiresGrad(true); }

    static Map<String, Tensor> one(Tensor p) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", p);
        return m;
    }

    @Test
    void momentumStepsByHand() {
        Tensor p = param(1.0, -2.0);
        Sgd sgd = new Sgd(one(p), 0.5, 0.5, 0.0, false);
        p.setGrad(Tensor.of(new double[] {1.0, 2.0}, 2));
        sgd.step(); // buf = g = [1, 2]; p = p - 0.5 buf = [0.5, -3]
        assertArrayEquals(new double[] {0.5, -3.0}, p.toDoubleArray());
        assertArrayEquals(new double[] {1.0, 2.0}, sgd.stateDict().get("sgd.momentum_buffer.w").toDoubleArray());
        p.setGrad(Tensor.of(new double[] {1.0, -4.0}, 2));
        sgd.step(); // buf = 0.5 [1, 2] + [1, -4] = [1.5, -3]; p = [0.5 - 0.75, -3 + 1.5]
        assertArrayEquals(new double[] {1.5, -3.0}, sgd.stateDict().get("sgd.momentum_buffer.w").toDoubleArray());
        assertArrayEquals(new double[] {-0.25, -1.5}, p.toDoubleArray());
    }

    @Test
    void weightDecayEntersTheBufferOnTheFirstStep() {
        Tensor p = param(2.0);
        Sgd sgd = new Sgd(one(p), 0.25, 0.5, 0.5, false);
        p.setGrad(Tensor.of(new double[] {1.0}, 1));
        sgd.step(); // d = 1 + 0.5 * 2 = 2; buf = 2; p = 2 - 0.25 * 2 = 1.5
        assertArrayEquals(new double[] {1.5}, p.toDoubleArray());
        assertArrayEquals(new double[] {2.0}, sgd.stateDict().get("sgd.momentum_buffer.w").toDoubleArray());
        p.setGrad(Tensor.of(new double[] {0.25}, 1));
        sgd.step(); // d = 0.25 + 0.75 = 1; buf = 0.5 * 2 + 1 = 2; p = 1.5 - 0.5 = 1
        assertArrayEquals(new double[] {1.0}, p.toDoubleArray());
    }

    @Test
    void nesterovStepsWithGradientPlusMomentumTimesBuffer() {
        Tensor p = param(1.0);
        Sgd sgd = new Sgd(one(p), 0.5, 0.5, 0.0, true);
        p.setGrad(Tensor.of(new double[] {2.0}, 1));
        sgd.step(); // buf = 2; s = 2 + 0.5 * 2 = 3; p = 1 - 1.5 = -0.5
        assertArrayEquals(new double[] {-0.5}, p.toDoubleArray());
        p.setGrad(Tensor.of(new double[] {1.0}, 1));
        sgd.step(); // buf = 1 + 1 = 2; s = 1 + 1 = 2; p = -0.5 - 1 = -1.5
        assertArrayEquals(new double[] {-1.5}, p.toDoubleArray());
    }

    @Test
    void withoutMomentumItIsPlainGradientDescentWithoutBuffers() {
        Tensor p = param(1.0, 1.0);
        Sgd sgd = new Sgd(one(p), 0.5, 0.0, 0.0, false);
        p.setGrad(Tensor.of(new double[] {1.0, -1.0}, 2));
        sgd.step();
        sgd.step();
        assertArrayEquals(new double[] {0.0, 2.0}, p.toDoubleArray());
        assertTrue(sgd.stateDict().keySet().stream().noneMatch(k -> k.startsWith("sgd.momentum_buffer.")));
    }

    /** torch.optim.SGD's single-tensor loop in double, written independently of Sgd's kernel. */
    static void referenceStep(double[][] p, double[][] g, double[][] buf, boolean[] init, double lr, double mom, double wd, boolean nesterov) {
        for (int t = 0; t < p.length; t++) {
            double[] d = new double[p[t].length];
            for (int i = 0; i < d.length; i++) d[i] = wd != 0 ? Math.fma(wd, p[t][i], g[t][i]) : g[t][i];
            double[] step = d;
            if (mom != 0) {
                if (!init[t]) {
                    buf[t] = d.clone();
                    init[t] = true;
                } else {
                    for (int i = 0; i < d.length; i++) buf[t][i] = buf[t][i] * mom + d[i];
                }
                if (nesterov) {
                    step = new double[d.length];
                    for (int i = 0; i < d.length; i++) step[i] = Math.fma(mom, buf[t][i], d[i]);
                } else {
                    step = buf[t];
                }
            }
            for (int i = 0; i < d.length; i++) p[t][i] = Math.fma(-lr, step[i], p[t][i]);
        }
    }

    @Test
    void matchesTheDoubleReferenceLoopExactlyInFloat64AndClosely_inFloat32() {
        for (boolean nesterov : new boolean[] {false, true}) {
            for (DType dt : new DType[] {DType.F64, DType.F32}) {
                Generator gen = new Generator(7 + (nesterov ? 1 : 0));
                int[][] shapes = {{3, 4}, {5}};
                Map<String, Tensor> params = new LinkedHashMap<>();
                double[][] ref = new double[shapes.length][];
                for (int t = 0; t < shapes.length; t++) {
                    Tensor p = Tensor.randn(gen, DType.F64, shapes[t]).to(dt).requiresGrad(true);
                    params.put("p" + t, p);
                    ref[t] = p.toDoubleArray();
                }
                Sgd sgd = new Sgd(params, 0.1, 0.9, 5e-4, nesterov);
                double[][] buf = new double[shapes.length][];
                boolean[] init = new boolean[shapes.length];
                for (int k = 0; k < 8; k++) {
                    double lr = k < 4 ? 0.1 : 0.01;
                    sgd.setLr(lr);
                    double[][] g = new double[shapes.length][];
                    for (int t = 0; t < shapes.length; t++) {
                        Tensor gt = Tensor.randn(gen, DType.F64, shapes[t]).to(dt);
                        params.get("p" + t).setGrad(gt);
                        g[t] = gt.toDoubleArray();
                    }
                    sgd.step();
                    referenceStep(ref, g, buf, init, lr, 0.9, 5e-4, nesterov);
                }
                for (int t = 0; t < shapes.length; t++) {
                    double[] ours = params.get("p" + t).toDoubleArray();
                    for (int i = 0; i < ours.length; i++) {
                        double tol = dt == DType.F64 ? 0.0 : 1e-5 * (1 + Math.abs(ref[t][i]));
                        assertEquals(ref[t][i], ours[i], tol, dt + " nesterov=" + nesterov + " p" + t + "[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void parametersWithoutGradientAreSkippedAndStartTheirBufferLater() {
        Tensor a = param(1.0), b = param(1.0);
        Map<String, Tensor> ps = new LinkedHashMap<>();
        ps.put("a", a);
        ps.put("b", b);
        Sgd sgd = new Sgd(ps, 0.5, 0.5, 0.0, false);
        a.setGrad(Tensor.of(new double[] {1.0}, 1));
        sgd.step();
        sgd.step();
        assertArrayEquals(new double[] {1.0}, b.toDoubleArray(), "b has no grad: unchanged");
        assertEquals(0.0, sgd.stateDict().get("sgd.step.b").item());
        assertEquals(2.0, sgd.stateDict().get("sgd.step.a").item());
        b.setGrad(Tensor.of(new double[] {2.0}, 1));
        sgd.step(); // b's first step: buf = g = 2 (not 0.5 * 0 + 2 + anything), p = 1 - 1
        assertArrayEquals(new double[] {0.0}, b.toDoubleArray());
        sgd.zeroGrad();
        assertNull(a.grad());
        assertNull(b.grad());
    }

    @Test
    void worksOnStridedParametersAndGradients() {
        Tensor base = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor view = base.t(); // [3, 2], not contiguous: goes through the staged path
        Tensor contiguous = view.contiguous().requiresGrad(true);
        Tensor g = Tensor.of(new double[] {1, -1, 2, -2, 3, -3}, 2, 3).t();
        Sgd a = new Sgd(one(view), 0.1, 0.9, 0.01, false), b = new Sgd(one(contiguous), 0.1, 0.9, 0.01, false);
        for (int k = 0; k < 3; k++) {
            view.setGrad(g);
            contiguous.setGrad(g.contiguous());
            a.step();
            b.step();
        }
        assertArrayEquals(contiguous.toDoubleArray(), view.toDoubleArray());
        assertArrayEquals(contiguous.toDoubleArray(), base.t().toDoubleArray(), "the update reached the base storage");
    }

    @Test
    void stepsAllocateAlmostNothing() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Tensor p = Tensor.zeros(DType.F32, 1 << 18).requiresGrad(true);
        p.setGrad(Tensor.ones(DType.F32, 1 << 18));
        Sgd sgd = new Sgd(one(p), 0.1, 0.9, 5e-4, true);
        for (int k = 0; k < 5; k++) sgd.step();
        long tid = Thread.currentThread().getId(), before = bean.getThreadAllocatedBytes(tid);
        for (int k = 0; k < 20; k++) sgd.step();
        long perStep = (bean.getThreadAllocatedBytes(tid) - before) / 20;
        assertTrue(perStep < 4096, "an SGD step on 1 MiB of float32 allocated " + perStep + " bytes");
    }

    static Map<String, Tensor> randomParams(long seed, DType dt) {
        Generator gen = new Generator(seed);
        Map<String, Tensor> ps = new LinkedHashMap<>();
        ps.put("conv.weight", Tensor.randn(gen, DType.F64, 4, 2, 3, 3).to(dt).requiresGrad(true));
        ps.put("bn.bias", Tensor.randn(gen, DType.F64, 4).to(dt).requiresGrad(true));
        return ps;
    }

    static void setGrads(Map<String, Tensor> ps, long seed, int k) {
        Generator gen = new Generator(seed * 1000 + k);
        for (Tensor p : ps.values()) p.setGrad(Tensor.randn(gen, DType.F64, p.shape()).to(p.dtype()));
    }

    @Test
    void resumingFromASavedStateContinuesBitIdentically(@TempDir Path dir) {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Map<String, Tensor> straight = randomParams(3, dt), resumed = randomParams(3, dt);
            Sgd a = new Sgd(straight, 0.1, 0.9, 5e-4, true);
            Sgd b = new Sgd(resumed, 0.1, 0.9, 5e-4, true);
            for (int k = 0; k < 6; k++) {
                if (k == 2) a.setLr(0.01);
                setGrads(straight, 3, k);
                a.step();
            }
            for (int k = 0; k < 3; k++) {
                if (k == 2) b.setLr(0.01);
                setGrads(resumed, 3, k);
                b.step();
            }
            Path file = dir.resolve("opt-" + dt + ".safetensors");
            Map<String, Tensor> ckpt = new LinkedHashMap<>(b.stateDict());
            resumed.forEach((n, t) -> ckpt.put(n, t.detach()));
            SafeTensors.write(file, ckpt, Map.of());
            Map<String, Tensor> loaded = SafeTensors.read(file);
            Map<String, Tensor> fresh = randomParams(99, dt); // different values, overwritten by the checkpoint
            fresh.forEach((n, t) -> {
                try (var s = peekaboo.autograd.GradMode.noGrad()) {
                    t.copyFrom(loaded.get(n));
                }
            });
            Sgd c = new Sgd(fresh, 0.5, 0.9, 5e-4, true);
            c.loadStateDict(loaded);
            assertEquals(0.01, c.lr());
            for (int k = 3; k < 6; k++) {
                setGrads(fresh, 3, k);
                c.step();
            }
            for (String n : straight.keySet()) {
                assertArrayEquals(straight.get(n).toDoubleArray(), fresh.get(n).toDoubleArray(), dt + " " + n);
                assertArrayEquals(a.stateDict().get("sgd.momentum_buffer." + n).toDoubleArray(),
                        c.stateDict().get("sgd.momentum_buffer." + n).toDoubleArray(), dt + " buffer " + n);
            }
            assertTrue(Files.exists(file));
        }
    }

    @Test
    void stateDictIsASnapshot() {
        Tensor p = param(1.0);
        Sgd sgd = new Sgd(one(p), 0.1, 0.9, 0, false);
        p.setGrad(Tensor.of(new double[] {1.0}, 1));
        sgd.step();
        Map<String, Tensor> s = sgd.stateDict();
        sgd.step();
        assertArrayEquals(new double[] {1.0}, s.get("sgd.momentum_buffer.w").toDoubleArray());
        assertEquals(1.0, s.get("sgd.step.w").item());
        assertEquals(0, s.get("sgd.lr").dim(), "scalars are 0-dim");
    }

    @Test
    void loadingReportsMissingMisShapedUnknownAndMismatchedEntries() {
        Sgd sgd = new Sgd(one(param(1.0, 2.0)), 0.1, 0.9, 5e-4, false);
        Map<String, Tensor> good = sgd.stateDict();

        Map<String, Tensor> missing = new LinkedHashMap<>(good);
        missing.remove("sgd.momentum_buffer.w");
        assertMessage(missing, sgd, "lacks 'sgd.momentum_buffer.w'");

        Map<String, Tensor> misShaped = new LinkedHashMap<>(good);
        misShaped.put("sgd.momentum_buffer.w", Tensor.zeros(DType.F64, 3));
        assertMessage(misShaped, sgd, "'sgd.momentum_buffer.w' has shape [3] but the parameter has [2]");

        Map<String, Tensor> unknown = new LinkedHashMap<>(good);
        unknown.put("sgd.momentum_buffer.fc.weight", Tensor.zeros(DType.F64, 2));
        assertMessage(unknown, sgd, "'sgd.momentum_buffer.fc.weight'");

        Map<String, Tensor> otherMomentum = new LinkedHashMap<>(good);
        otherMomentum.put("sgd.momentum", StateDicts.double0(0.5));
        assertMessage(otherMomentum, sgd, "--momentum 0.5");

        Map<String, Tensor> withOthers = new LinkedHashMap<>(good);
        withOthers.put("bop.ar", StateDicts.double0(0.5)); // another optimiser's entries are ignored
        withOthers.put("conv1.weight", Tensor.zeros(3));
        sgd.loadStateDict(withOthers);
    }

    private static void assertMessage(Map<String, Tensor> state, Sgd sgd, String part) {
        var e = assertThrows(IllegalArgumentException.class, () -> sgd.loadStateDict(state));
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain " + part);
    }

    @Test
    void validationNamesTheFlag() {
        Map<String, Tensor> ps = one(param(1.0));
        assertEquals("--lr must be a finite number >= 0, got -0.1",
                assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, -0.1, 0.9, 0, false)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1, -1, 0, false)).getMessage().startsWith("--momentum"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1, 0.9, Double.NaN, false)).getMessage().startsWith("--weight-decay"));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1, 0.0, 0, true));
        Sgd sgd = new Sgd(ps, 0.1, 0.9, 0, false);
        assertThrows(IllegalArgumentException.class, () -> sgd.setLr(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(one(Tensor.zeros(DType.I64, 2)), 0.1, 0.9, 0, false));
    }
}
