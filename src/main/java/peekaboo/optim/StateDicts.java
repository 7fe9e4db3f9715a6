package peekaboo.optim;

import java.util.Arrays;
import java.util.Map;
import peekaboo.autograd.GradMode;
import peekaboo.backend.Backends;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** Helpers for optimiser state dicts: 0-dim scalars and checked look-ups with clear errors. */
final class StateDicts {
    private StateDicts() {}

    /** A 0-dim float64 tensor (hyper-parameters: PyTorch keeps them as Python floats, i.e. doubles). */
    static Tensor double0(double v) { return Tensor.of(new double[] {v}); }

    /** A 0-dim int64 tensor (step counters, flags). */
    static Tensor long0(long v) { return Tensor.of(new long[] {v}); }

    /** A copy on the CPU backend, contiguous, for a state dict (later steps must not change it). */
    static Tensor snapshot(Tensor t) {
        try (var scope = GradMode.noGrad()) {
            return t.detach().to(Backends.cpu()).clone();
        }
    }

    /** state[key], which must exist and be a one-element tensor. */
    static double scalarEntry(Map<String, Tensor> state, String key) {
        Tensor t = state.get(key);
        if (t == null) throw new IllegalArgumentException("optimiser state lacks '" + key + "'");
        if (t.numel() != 1) {
            throw new IllegalArgumentException("optimiser state '" + key + "' must hold one value, it has shape " + Arrays.toString(t.shape()));
        }
        return t.item();
    }

    /** state[key], which must exist with this shape; converted to dtype. */
    static Tensor tensorEntry(Map<String, Tensor> state, String key, int[] shape, DType dtype) {
        Tensor t = state.get(key);
        if (t == null) throw new IllegalArgumentException("optimiser state lacks '" + key + "'");
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("optimiser state '" + key + "' has shape " + Arrays.toString(t.shape())
                    + " but the parameter has " + Arrays.toString(shape));
        }
        if (t.dtype() != dtype && !(t.dtype().isFloating() && dtype.isFloating())) {
            throw new IllegalArgumentException("optimiser state '" + key + "' is " + t.dtype() + ", expected " + dtype);
        }
        return t;
    }

    /** Rejects keys under prefix that name no parameter this optimiser knows. */
    static void rejectUnknown(Map<String, Tensor> state, String prefix, java.util.Set<String> known) {
        for (String key : state.keySet()) {
            if (key.startsWith(prefix) && !known.contains(key)) {
                throw new IllegalArgumentException("optimiser state has '" + key + "', which this optimiser does not know"
                        + " (a checkpoint of another model or optimiser?)");
            }
        }
    }

    /** Checks that a construction-time hyper-parameter matches the one a checkpoint was written with. */
    static void requireSame(Map<String, Tensor> state, String key, double expected, String flag) {
        double saved = scalarEntry(state, key);
        if (Double.compare(saved, expected) != 0) {
            throw new IllegalArgumentException("the checkpoint was written with " + flag + " " + saved + ", this optimiser has " + expected
                    + " ('" + key + "')");
        }
    }

    /** Copies src (converted to dst's dtype) into the state tensor dst. */
    static void copyInto(Tensor dst, Tensor src) {
        try (var scope = GradMode.noGrad()) {
            dst.copyFrom(src.detach());
        }
    }
}
