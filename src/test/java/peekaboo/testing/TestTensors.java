package peekaboo.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * Seeded inputs kept away from non-differentiable points, broadcast partners and non-contiguous
 * arrangements for op tests, and a literal-value assertion. Every random choice derives from a seed.
 */
public final class TestTensors {
    private TestTensors() {}

    /** float64 values with random sign and magnitude in [lo, hi] (lo > 0 keeps them away from 0). */
    public static Tensor awayFromZero(long seed, double lo, double hi, int... shape) {
        Random r = new Random(seed);
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (r.nextBoolean() ? 1 : -1) * (lo + (hi - lo) * r.nextDouble());
        return Tensor.of(v, shape);
    }

    /** float64 values in [0.5, 2]: safe for log, sqrt, rsqrt, pow with any exponent. */
    public static Tensor positive(long seed, int... shape) { return TensorGen.uniform(seed, 0.5, 2.0, shape); }

    /**
     * float64 values pairwise at least {@code gap} apart (a shuffled ladder with jitter below gap/4),
     * centred on 0: no ties, so max/min/sort derivatives are well defined under finite differences.
     */
    public static Tensor distinct(long seed, double gap, int... shape) {
        Random r = new Random(seed);
        int n = Shape.numel(shape);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (i - n / 2.0) * gap + r.nextDouble() * gap / 4;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return Tensor.of(v, shape);
    }

    /** A shape that broadcasts to {@code shape}: some leading dimensions dropped, some others set to 1. */
    public static int[] broadcastPartner(int[] shape, long seed) {
        Random r = new Random(seed ^ 0x6a09e667f3bcc909L);
        int drop = shape.length == 0 ? 0 : r.nextInt(shape.length + 1);
        int[] out = new int[shape.length - drop];
        for (int i = 0; i < out.length; i++) out[i] = r.nextInt(3) == 0 ? 1 : shape[i + drop];
        return out;
    }

    public static int[] reversed(int[] shape) {
        int[] out = new int[shape.length];
        for (int i = 0; i < shape.length; i++) out[i] = shape[shape.length - 1 - i];
        return out;
    }

    /** x with its dimensions in reverse order (a non-contiguous view when two dimensions exceed 1). */
    public static Tensor reverseDims(Tensor x) {
        int n = x.dim();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = n - 1 - i;
        return x.permute(perm);
    }

    /** Asserts shape, dtype and values (within 1e-12 relative) of a tensor against literals. */
    public static void assertTensor(Tensor actual, DType dtype, int[] shape, double... expected) {
        assertEquals(dtype, actual.dtype(), "dtype");
        assertArrayEquals(shape, actual.shape(), () -> "shape " + Shape.str(actual.shape()) + ", expected " + Shape.str(shape));
        TensorGen.assertClose(expected, actual.toDoubleArray(), 1e-12, 1e-12, "values");
    }

    /** Asserts float64 values (and shape) within atol. */
    public static void assertValues(Tensor actual, int[] shape, double atol, double... expected) {
        assertArrayEquals(shape, actual.shape(), () -> "shape " + Shape.str(actual.shape()) + ", expected " + Shape.str(shape));
        TensorGen.assertClose(expected, actual.toDoubleArray(), atol, 0, "values");
    }

    public static int[] shape(int... dims) { return dims; }
}
