package peekaboo.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.optim.Sgd;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * Training steps inside a {@link StepArena} give bit-identical parameters and BN statistics to the
 * same steps without one: what the arena recycles is never read again, and the next step's
 * activations that reuse it start from zeros.
 */
class StepArenaTest {

    private static final String OFF = "peekaboo.noRecycle";

    /**
     * Three SGD steps (momentum, weight decay) on a batch big enough for the pool; VGG-11's large conv
     * weights make gradients that the arena records too (and must keep).
     */
    private static List<float[]> train(String arch, boolean recycle) {
        String before = System.getProperty(OFF);
        System.setProperty(OFF, Boolean.toString(!recycle));
        try {
            Network net = Models.build(arch, 10, null, InitMethod.KAIMING_NORMAL, new Generator(0));
            Sgd sgd = new Sgd(net.namedParameters(), 0.1, 0.9, 5e-4, false);
            Tensor x = Tensor.randn(new Generator(1), DType.F32, 8, 3, 32, 32);
            Tensor y = Tensor.of(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, 8);
            net.train(true);
            for (int step = 0; step < 3; step++) {
                sgd.zeroGrad();
                try (StepArena arena = StepArena.open()) {
                    F.crossEntropy(net.forward(x), y).backward();
                    for (Tensor p : net.parameters()) {
                        arena.keep(java.util.Arrays.asList(p, p.grad()));
                    }
                    arena.keep(net.namedBuffers().values());
                }
                sgd.step();
            }
            List<float[]> state = new ArrayList<>();
            for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
                if (e.getValue().dtype() == DType.F32) state.add(e.getValue().toFloatArray());
            }
            return state;
        } finally {
            if (before == null) System.clearProperty(OFF); else System.setProperty(OFF, before);
        }
    }

    @Test
    void stepsInAnArenaMatchStepsWithout() {
        for (String arch : new String[] {"ResNet20", "VGG11"}) {
            List<float[]> with = train(arch, true);
            List<float[]> without = train(arch, false);
            for (int i = 0; i < with.size(); i++) {
                assertArrayEquals(without.get(i), with.get(i), arch + " state tensor " + i);
            }
        }
    }

    @Test
    void arenasCloseInnermostFirst() {
        StepArena outer = StepArena.open();
        StepArena inner = StepArena.open();
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
    }
}
