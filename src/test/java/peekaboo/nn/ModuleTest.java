package peekaboo.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import peekaboo.autograd.GradMode;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

class ModuleTest {
    static Sequential tiny() {
        Generator g = new Generator(1);
        return new Sequential(new Conv2d(3, 4, 3, 1, 1, 1, 1, true, true, g), new BatchNorm2d(4), new Layers.ReLU(),
                new Layers.Flatten(), new Linear(4 * 5 * 5, 2, true, false, g));
    }

    @Test
    void stateDictHasPyTorchKeysInPyTorchOrder() {
        assertEquals(List.of("0.weight", "0.bias", "0.weight_mask", "0.bias_mask", "1.weight", "1.bias", "1.running_mean",
                "1.running_var", "1.num_batches_tracked", "4.weight", "4.bias"), List.copyOf(tiny().stateDict().keySet()));
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias"), List.copyOf(tiny().namedParameters().keySet()));
        assertEquals(DType.I64, tiny().stateDict().get("1.num_batches_tracked").dtype());
        assertEquals(0, tiny().stateDict().get("1.num_batches_tracked").dim());
    }

    @Test
    void maskedConvComputesWithMaskTimesWeightAndLeavesTheWeightAlone() {
        Conv2d c = new Conv2d(1, 1, 1, 1, 0, true, new Generator(0));
        try (var s = GradMode.noGrad()) {
            c.weight().fillInPlace(3);
            c.buffer("weight_mask").fillInPlace(0);
        }
        Tensor x = Tensor.ones(1, 1, 2, 2);
        assertArrayEquals(new float[4], c.forward(x).toFloatArray());
        assertEquals(3.0, c.weight().item());
        c.forward(x).sum().backward();
        assertEquals(0.0, c.weight().grad().item(), "a pruned weight gets no gradient");
    }

    @Test
    void trainingForwardUpdatesRunningStatsAndCountsBatches() {
        Sequential m = tiny();
        Tensor x = Tensor.randn(new Generator(2), DType.F32, 3, 3, 5, 5);
        try (var s = GradMode.noGrad()) {
            m.forward(x);
            m.forward(x);
            assertEquals(2L, m.stateDict().get("1.num_batches_tracked").toLongArray()[0]);
            Tensor before = m.stateDict().get("1.running_mean").clone();
            m.eval();
            m.forward(x);
            assertEquals(2L, m.stateDict().get("1.num_batches_tracked").toLongArray()[0], "eval does not count");
            assertArrayEquals(before.toFloatArray(), m.stateDict().get("1.running_mean").toFloatArray());
            assertFalse(m.child("1").isTraining());
        }
    }

    @Test
    void loadStateDictCopiesInPlaceAndReportsProblems() {
        Sequential a = tiny(), b = tiny();
        Map<String, Tensor> state = new LinkedHashMap<>();
        a.stateDict().forEach((k, v) -> state.put(k, v.add(1.0)));
        Tensor weightBefore = b.stateDict().get("0.weight");
        LoadReport clean = b.loadStateDict(state, true);
        assertTrue(clean.isClean());
        assertSame(weightBefore, b.stateDict().get("0.weight"), "parameters keep their identity");
        assertArrayEquals(state.get("0.weight").toFloatArray(), b.stateDict().get("0.weight").toFloatArray());

        state.remove("1.running_var");
        state.put("extra.weight", Tensor.ones(1));
        state.put("4.bias", Tensor.ones(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tiny().loadStateDict(state, true));
        assertTrue(e.getMessage().contains("1 missing key(s) [1.running_var]"), e.getMessage());
        assertTrue(e.getMessage().contains("1 unexpected key(s) [extra.weight]"), e.getMessage());
        assertTrue(e.getMessage().contains("4.bias (file [3], model [2])"), e.getMessage());
        Sequential c = tiny();
        float[] untouched = c.stateDict().get("4.bias").toFloatArray();
        LoadReport lenient = c.loadStateDict(state, false);
        assertFalse(lenient.isClean());
        assertArrayEquals(untouched, c.stateDict().get("4.bias").toFloatArray(), "mis-shaped keys are skipped");
        assertArrayEquals(state.get("0.weight").toFloatArray(), c.stateDict().get("0.weight").toFloatArray());
    }

    @Test
    void toFloat64ConvertsFloatingTensorsOnly() {
        Sequential m = tiny();
        Tensor x = Tensor.randn(new Generator(3), DType.F32, 2, 3, 5, 5);
        m.eval();
        Tensor y32 = m.forward(x);
        m.to(DType.F64);
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            assertEquals(e.getKey().endsWith("num_batches_tracked") ? DType.I64 : DType.F64, e.getValue().dtype(), e.getKey());
        }
        assertTrue(m.namedParameters().values().stream().allMatch(Tensor::requiresGrad));
        Tensor y64 = m.forward(x.to(DType.F64));
        double[] a = y32.toDoubleArray(), b = y64.toDoubleArray();
        for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-4 * (1 + Math.abs(b[i])));
        assertNotSame(y32, y64);
    }

    @Test
    void forwardHooksSeeEveryModule() {
        Sequential m = tiny();
        List<String> seen = new java.util.ArrayList<>();
        try (var hook = Module.addForwardHook((mod, in, out) -> seen.add(mod.getClass().getSimpleName()))) {
            m.forward(Tensor.zeros(2, 3, 5, 5));
        }
        m.forward(Tensor.zeros(2, 3, 5, 5));
        assertEquals(List.of("Conv2d", "BatchNorm2d", "ReLU", "Flatten", "Linear", "Sequential"), seen);
    }
}
