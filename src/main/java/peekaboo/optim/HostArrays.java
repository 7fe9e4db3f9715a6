package peekaboo.optim;

import peekaboo.autograd.GradMode;
import peekaboo.backend.cpu.CpuStorage;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * Element access for the optimisers' per-element loops. A contiguous tensor in host memory (the CPU
 * backend) is used directly, so a step allocates nothing; any other tensor (a strided view, another
 * backend) goes through a host copy that {@link #writeBack} copies into place. Either way the loops run
 * the same arithmetic, so results do not depend on the backend.
 */
final class HostArrays {
    private HostArrays() {}

    /** Whether t's elements are the flat range [offset, offset + numel) of a host array. */
    static boolean direct(Tensor t) {
        return t.storage() instanceof CpuStorage && t.isContiguous();
    }

    /** First flat index of t's elements in {@link #floats}/{@link #doubles}. */
    static int base(Tensor t) {
        return direct(t) ? t.offset() : 0;
    }

    static float[] floats(Tensor t) {
        if (t.dtype() != DType.F32) throw new IllegalArgumentException("expected a float32 tensor, got " + t.dtype());
        return direct(t) ? ((CpuStorage) t.storage()).floats() : t.toFloatArray();
    }

    static double[] doubles(Tensor t) {
        if (t.dtype() != DType.F64) throw new IllegalArgumentException("expected a float64 tensor, got " + t.dtype());
        return direct(t) ? ((CpuStorage) t.storage()).doubles() : t.toDoubleArray();
    }

    static long[] longs(Tensor t) {
        if (t.dtype() != DType.I64) throw new IllegalArgumentException("expected an int64 tensor, got " + t.dtype());
        return direct(t) ? ((CpuStorage) t.storage()).longs() : t.toLongArray();
    }

    /**
     * Publishes an update of t's elements: copies a staged array back when t is not {@link #direct}, else
     * bumps the storage version (autograd's check against in-place changes of saved tensors).
     */
    static void writeBack(Tensor t, Object array) {
        try (var scope = GradMode.noGrad()) {
            if (direct(t)) {
                t.storage().bumpVersion();
                return;
            }
            Tensor src = switch (t.dtype()) {
                case F32 -> Tensor.of((float[]) array, t.shape());
                case F64 -> Tensor.of((double[]) array, t.shape());
                case I64 -> Tensor.of((long[]) array, t.shape());
                default -> throw new IllegalArgumentException("optimiser state of dtype " + t.dtype() + " is not supported");
            };
            t.copyFrom(src);
        }
    }

    /** g as an array of p's dtype, laid out like p (a converted copy when the dtypes differ). */
    static Tensor gradLike(Tensor p, Tensor g, String name) {
        if (!java.util.Arrays.equals(p.shape(), g.shape())) {
            throw new IllegalStateException("the gradient of '" + name + "' has shape " + java.util.Arrays.toString(g.shape())
                    + " but the parameter has " + java.util.Arrays.toString(p.shape()));
        }
        return g.dtype() == p.dtype() ? g : g.to(p.dtype());
    }

    /** Checks that a parameter can be trained by these loops (float32 or float64). */
    static void checkFloating(Tensor p, String name) {
        if (p.dtype() != DType.F32 && p.dtype() != DType.F64) {
            throw new IllegalArgumentException("parameter '" + name + "' is " + p.dtype() + "; optimisers train float32 or float64 tensors");
        }
    }
}
