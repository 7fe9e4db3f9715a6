package peekaboo.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * Parity with PyTorch 1.13 (CPU), <b>bit-exact</b> in float32 and float64: torch.optim.SGD steps (momentum,
 * weight decay, nesterov, lr changes between steps), Bop steps written in torch ops from the spec (p, m,
 * flips per step, accumulated flip counts), MultiStepLR, the ImageNet step schedule and the gamma decay.
 * The goldens come from {@code src/test/python/make_optim_goldens.py}; torch is not needed here.
 */
class OptimGoldenTest {
    private static final String RESOURCE = "/goldens/optim/optim_goldens.json";

    static JsonObject load() {
        var in = OptimGoldenTest.class.getResourceAsStream(RESOURCE);
        assertNotNull(in, "missing test resource " + RESOURCE);
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(r).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] shape(JsonObject t) {
        JsonArray s = t.getAsJsonArray("shape");
        int[] out = new int[s.size()];
        for (int i = 0; i < out.length; i++) out[i] = s.get(i).getAsInt();
        return out;
    }

    static double[] data(JsonObject t) {
        JsonArray d = t.getAsJsonArray("data");
        double[] out = new double[d.size()];
        for (int i = 0; i < out.length; i++) out[i] = d.get(i).getAsDouble();
        return out;
    }

    /** A tensor of the golden's values in dtype (float32 values are stored as the doubles they convert to). */
    static Tensor tensor(JsonObject t, DType dtype) {
        return Tensor.of(data(t), shape(t)).to(dtype);
    }

    static DType dtype(JsonObject c) {
        return c.get("dtype").getAsString().equals("float32") ? DType.F32 : DType.F64;
    }

    /** Asserts bit equality (of the float32 or float64 values; -0.0 != 0.0), naming the first difference. */
    static void assertBitExact(JsonObject expected, Tensor actual, String what) {
        double[] e = data(expected);
        double[] a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what + ": element count");
        int bad = 0, first = -1;
        for (int i = 0; i < e.length; i++) {
            if (Double.doubleToLongBits(e[i]) != Double.doubleToLongBits(a[i])) {
                bad++;
                if (first < 0) first = i;
            }
        }
        if (bad > 0) {
            throw new AssertionError(what + ": " + bad + " of " + e.length + " elements differ from PyTorch; first at " + first + ": torch "
                    + e[first] + ", ours " + a[first]);
        }
    }

    static List<JsonObject> list(JsonArray a) {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : a) out.add(e.getAsJsonObject());
        return out;
    }

    @TestFactory
    Stream<DynamicTest> sgdMatchesTorchBitExactly() {
        List<JsonObject> cases = list(load().getAsJsonArray("sgd"));
        assertTrue(cases.size() >= 10, "expected the full SGD golden set");
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.get("name").getAsString() + " [" + c.get("dtype").getAsString() + "]", () -> runSgd(c)));
    }

    private static void runSgd(JsonObject c) {
        DType dt = dtype(c);
        Map<String, Tensor> params = new LinkedHashMap<>();
        List<JsonObject> p0 = list(c.getAsJsonArray("params"));
        for (int i = 0; i < p0.size(); i++) params.put("p" + i, tensor(p0.get(i), dt).requiresGrad(true));
        double momentum = c.get("momentum").getAsDouble();
        Sgd sgd = new Sgd(params, 1.0, momentum, c.get("weight_decay").getAsDouble(), c.get("nesterov").getAsBoolean());
        JsonArray lrs = c.getAsJsonArray("lrs"), grads = c.getAsJsonArray("grads");
        List<JsonObject> steps = list(c.getAsJsonArray("steps"));
        for (int k = 0; k < steps.size(); k++) {
            sgd.setLr(lrs.get(k).getAsDouble());
            List<JsonObject> g = list(grads.get(k).getAsJsonArray());
            for (int i = 0; i < g.size(); i++) params.get("p" + i).setGrad(tensor(g.get(i), dt));
            sgd.step();
            Map<String, Tensor> state = sgd.stateDict();
            for (int i = 0; i < g.size(); i++) {
                assertBitExact(list(steps.get(k).getAsJsonArray("params")).get(i), params.get("p" + i), "step " + k + " param p" + i);
                if (momentum != 0) {
                    assertBitExact(list(steps.get(k).getAsJsonArray("buffers")).get(i), state.get("sgd.momentum_buffer.p" + i),
                            "step " + k + " momentum buffer p" + i);
                }
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> bopMatchesTorchBitExactly() {
        List<JsonObject> cases = list(load().getAsJsonArray("bop"));
        assertTrue(cases.size() >= 6, "expected the full Bop golden set");
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.get("name").getAsString() + " [" + c.get("dtype").getAsString() + "]", () -> runBop(c)));
    }

    private static void runBop(JsonObject c) {
        DType dt = dtype(c);
        Map<String, Tensor> params = new LinkedHashMap<>();
        List<JsonObject> p0 = list(c.getAsJsonArray("params"));
        for (int i = 0; i < p0.size(); i++) params.put("p" + i, tensor(p0.get(i), dt).requiresGrad(true));
        Bop bop = new Bop(params, c.get("ar").getAsDouble(), c.get("tau").getAsDouble());
        JsonArray grads = c.getAsJsonArray("grads");
        List<JsonObject> steps = list(c.getAsJsonArray("steps"));
        long totalFlips = 0;
        for (int k = 0; k < steps.size(); k++) {
            List<JsonObject> g = list(grads.get(k).getAsJsonArray());
            for (int i = 0; i < g.size(); i++) params.get("p" + i).setGrad(tensor(g.get(i), dt));
            bop.step();
            JsonObject s = steps.get(k);
            long expectedTotal = 0;
            for (int i = 0; i < g.size(); i++) {
                String n = "p" + i;
                assertBitExact(list(s.getAsJsonArray("params")).get(i), params.get(n), "step " + k + " param " + n);
                assertBitExact(list(s.getAsJsonArray("m")).get(i), bop.stateDict().get("bop.m." + n), "step " + k + " m of " + n);
                assertBitExact(list(s.getAsJsonArray("counts")).get(i), bop.flipCounts().get(n), "step " + k + " flip counts of " + n);
                long flips = s.getAsJsonArray("flips").get(i).getAsLong();
                assertEquals(flips, bop.flipsLastStepByParameter().get(n), "step " + k + " flips of " + n);
                expectedTotal += flips;
            }
            assertEquals(expectedTotal, bop.flipsLastStep(), "step " + k + " total flips");
            totalFlips += expectedTotal;
        }
        assertTrue(totalFlips > 0, "a golden without flips tests nothing");
    }

    @Test
    void multiStepLrMatchesTorch() {
        for (JsonObject c : list(load().getAsJsonArray("multistep_lr"))) {
            JsonArray ms = c.getAsJsonArray("milestones");
            int[] milestones = new int[ms.size()];
            for (int i = 0; i < milestones.length; i++) milestones[i] = ms.get(i).getAsInt();
            Sgd sgd = new Sgd(Map.of("w", Tensor.zeros(1)), c.get("lr").getAsDouble(), 0.9, 0, false);
            MultiStepLr sched = new MultiStepLr(sgd, milestones, c.get("gamma").getAsDouble());
            JsonArray lrs = c.getAsJsonArray("lrs_after_each_step");
            for (int e = 0; e < lrs.size(); e++) {
                sched.step();
                assertEquals(lrs.get(e).getAsDouble(), sgd.lr(), 0.0, "lr after scheduler step " + (e + 1));
                assertEquals(e + 1, sched.lastEpoch());
            }
        }
    }

    @Test
    void imageNetStepLrMatchesReference() {
        for (JsonObject c : list(load().getAsJsonArray("imagenet_lr"))) {
            double scaled = ImageNetStepLr.scaledLr(c.get("lr").getAsDouble(), c.get("batch_size").getAsInt());
            assertEquals(c.get("scaled").getAsDouble(), scaled, 0.0, "lr scaled by batch/256");
            Sgd sgd = new Sgd(Map.of("w", Tensor.zeros(1)), scaled, 0.9, 1e-4, false);
            ImageNetStepLr sched = new ImageNetStepLr(sgd, scaled);
            JsonArray lrs = c.getAsJsonArray("lrs");
            for (int e = 0; e < lrs.size(); e++) {
                sched.epochStarting(e);
                assertEquals(lrs.get(e).getAsDouble(), sgd.lr(), 0.0, "lr of epoch " + e);
            }
        }
    }

    @Test
    void arDecayMatchesReference() {
        for (JsonObject c : list(load().getAsJsonArray("ar_decay"))) {
            for (boolean before : new boolean[] {false, true}) {
                Bop bop = new Bop(Map.of("w", Tensor.ones(2)), c.get("ar").getAsDouble(), 1e-6);
                BopArDecay decay = new BopArDecay(bop, c.get("freq").getAsInt(), c.get("ratio").getAsDouble(), before);
                JsonArray ars = c.getAsJsonArray(before ? "imagenet" : "cifar");
                for (int e = 0; e < ars.size(); e++) {
                    decay.epochStarting(e);
                    assertEquals(ars.get(e).getAsDouble(), bop.ar(), 0.0, (before ? "ImageNet" : "CIFAR") + " gamma while training epoch " + e);
                    decay.epochFinished(e);
                }
            }
        }
    }
}
