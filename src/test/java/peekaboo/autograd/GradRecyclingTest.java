package peekaboo.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * Recycling dead gradients (GradRecycler, CpuBackend's pool) changes no number: the same backward
 * passes with and without it give bit-identical gradients. The tensors are large enough for the
 * pool (at least 2^16 floats), and the graphs pass one gradient, or views of it, to several inputs.
 */
class GradRecyclingTest {

    private static final String OFF = "peekaboo.noRecycle";

    /** Runs body with recycling on, then off, and returns both results. */
    private static List<float[][]> bothWays(Supplier<float[][]> body) {
        List<float[][]> out = new ArrayList<>();
        for (boolean off : new boolean[] {false, true}) {
            String before = System.getProperty(OFF);
            System.setProperty(OFF, Boolean.toString(off));
            try {
                out.add(body.get());
            } finally {
                if (before == null) System.clearProperty(OFF); else System.setProperty(OFF, before);
            }
        }
        return out;
    }

    private static void assertSame(List<float[][]> r) {
        assertEquals(r.get(0).length, r.get(1).length);
        for (int i = 0; i < r.get(0).length; i++) {
            assertArrayEquals(r.get(1)[i], r.get(0)[i], "tensor " + i);
        }
    }

    @Test
    void aliasedGradientsSurviveRecycling() {
        assertSame(bothWays(() -> {
            Tensor x = Tensor.randn(new Generator(3), DType.F32, 4, 16, 32, 32).requiresGrad(true);
            float[][] grads = new float[3][];
            for (int step = 0; step < 3; step++) { // later steps draw on what earlier ones recycled
                x.zeroGrad();
                Tensor z = x.mul(x);                      // used three times below
                Tensor view = z.reshape(4, 16 * 32 * 32); // add's backward hands g to both inputs
                Tensor both = z.add(z).relu();
                Tensor loss = view.sum().add(both.mul(both).sum()).add(z.mul(x).sum());
                loss.backward();
                grads[step] = x.grad().toFloatArray();
            }
            return grads;
        }));
    }

    @Test
    void resNetStepsMatchWithoutRecycling() {
        assertSame(bothWays(() -> {
            Network net = Models.build("ResNet20", 10, null, InitMethod.KAIMING_NORMAL, new Generator(0));
            Tensor x = Tensor.randn(new Generator(1), DType.F32, 8, 3, 32, 32);
            Tensor y = Tensor.of(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, 8);
            List<float[]> grads = new ArrayList<>();
            for (int step = 0; step < 2; step++) {
                net.zeroGrad();
                F.crossEntropy(net.forward(x), y).backward();
                for (Map.Entry<String, Tensor> p : net.namedParameters().entrySet()) {
                    if (p.getValue().grad() != null) grads.add(p.getValue().grad().toFloatArray());
                }
            }
            return grads.toArray(new float[0][]);
        }));
    }
}
