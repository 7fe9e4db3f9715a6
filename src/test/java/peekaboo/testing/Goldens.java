package peekaboo.testing;

import java.util.Map;
import peekaboo.autograd.GradMode;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** Shared with the golden scripts in src/test/python (goldens_common.py). */
public final class Goldens {
    private Goldens() {}

    /**
     * Java twin of goldens_common.fill_deterministic: every floating tensor of a state dict, in order,
     * gets values of the shared SplitMix64 stream: weights U(-1/sqrt(fan_in), +), BN weights and running
     * variances U(0.5, 1.5), biases and running means U(-0.1, 0.1); masks stay one.
     */
    public static void fillDeterministic(Map<String, Tensor> state, long seed) {
        Generator g = new Generator(seed);
        try (var scope = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                Tensor t = e.getValue();
                String name = e.getKey();
                if (!t.dtype().isFloating() || name.endsWith("_mask")) continue;
                int[] s = t.shape();
                Tensor v;
                if (name.endsWith("running_var") || (name.endsWith("weight") && s.length == 1)) v = Tensor.uniform(g, 0.5, 1.5, DType.F64, s);
                else if (name.endsWith("weight")) {
                    double b = 1.0 / Math.sqrt(t.numel() / s[0]);
                    v = Tensor.uniform(g, -b, b, DType.F64, s);
                } else v = Tensor.uniform(g, -0.1, 0.1, DType.F64, s);
                t.copyFrom(v);
            }
        }
    }
}
