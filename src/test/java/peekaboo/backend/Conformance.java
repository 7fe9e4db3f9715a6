package peekaboo.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * The harness of the backend conformance suite: the same seeded host inputs are moved to the CPU
 * reference and to the backend under test, one function runs on each (with that backend as the
 * default, so factories inside ops land there too), and every output is compared at a tolerance.
 * An {@link UnsupportedOperationException} fails the comparison unless the op is on the backend's
 * visible skip list.
 */
public final class Conformance {
    private final Backend backend;
    private final Map<String, String> skipList;
    private final Map<String, Integer> skipped = new LinkedHashMap<>();

    public Conformance(Backend backend, Map<String, String> skipList) {
        this.backend = backend;
        this.skipList = skipList;
    }

    public Backend backend() { return backend; }

    /** Ops skipped so far (name: count), for the report. */
    public Map<String, Integer> skipped() { return skipped; }

    /** Tolerance for a dtype: float32 results may differ in summation order, float64 hardly at all. */
    public static double tol(DType d) { return d == DType.F64 ? 1e-9 : 2e-4; }

    /**
     * Runs {@code f} on the CPU and on the backend under test with copies of {@code inputs} (host
     * tensors, moved to each backend; requiresGrad carried over) and compares every tensor f returns.
     */
    public void check(String op, double atol, double rtol, Function<Tensor[], Tensor[]> f, Tensor... inputs) {
        Tensor[] expected = runOn(Backends.cpu(), f, inputs);
        Tensor[] actual;
        try {
            actual = runOn(backend, f, inputs);
        } catch (UnsupportedOperationException e) {
            if (skipList.containsKey(op)) {
                skipped.merge(op, 1, Integer::sum);
                return;
            }
            throw new AssertionError(op + " is not supported by backend " + backend.name() + " and is not on its skip list: " + e.getMessage(), e);
        }
        assertEquals(expected.length, actual.length, op + ": number of outputs");
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == null) continue;
            compare(op + " output " + i, expected[i], actual[i], atol, rtol);
        }
    }

    public void check(String op, DType dtype, Function<Tensor[], Tensor[]> f, Tensor... inputs) {
        check(op, tol(dtype), tol(dtype), f, inputs);
    }

    /**
     * Like {@link #check} but bit for bit: float outputs must have the same bits as the CPU's (any NaN
     * matches any NaN; +0 and -0 differ), for the kernels whose rounding is fixed elementwise.
     */
    public void checkExact(String op, Function<Tensor[], Tensor[]> f, Tensor... inputs) {
        Tensor[] expected = runOn(Backends.cpu(), f, inputs), actual;
        try {
            actual = runOn(backend, f, inputs);
        } catch (UnsupportedOperationException e) {
            if (skipList.containsKey(op)) {
                skipped.merge(op, 1, Integer::sum);
                return;
            }
            throw new AssertionError(op + " is not supported by backend " + backend.name() + " and is not on its skip list: " + e.getMessage(), e);
        }
        assertEquals(expected.length, actual.length, op + ": number of outputs");
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == null) continue;
            String what = op + " output " + i;
            assertArrayEquals(expected[i].shape(), actual[i].shape(), what + ": shape");
            assertEquals(expected[i].dtype(), actual[i].dtype(), what + ": dtype");
            if (!expected[i].dtype().isFloating()) {
                assertArrayEquals(expected[i].toLongArray(), actual[i].toLongArray(), what + ": values");
                continue;
            }
            double[] e = expected[i].toDoubleArray(), a = actual[i].toDoubleArray();
            for (int j = 0; j < e.length; j++) {
                if (Double.doubleToLongBits(e[j]) != Double.doubleToLongBits(a[j])) {
                    fail(what + " differs at flat index " + j + " of shape " + Shape.str(expected[i].shape()) + ": cpu " + e[j] + ", got " + a[j]
                            + " (bit-exact comparison)");
                }
            }
        }
    }

    /** Runs f with copies of the host inputs on backend b, with b as the default backend (as {@link #check} does). */
    public static Tensor[] runOn(Backend b, Function<Tensor[], Tensor[]> f, Tensor[] inputs) {
        Backend previous = Backends.getDefault();
        Backends.setDefault(b);
        try {
            Tensor[] moved = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i] == null) continue;
                moved[i] = b == Backends.cpu() ? inputs[i].detach().clone() : inputs[i].detach().to(b);
                if (inputs[i].requiresGrad()) moved[i].requiresGrad(true);
            }
            Tensor[] out = f.apply(moved);
            for (Tensor t : out) {
                if (t != null && t.backend() != b) {
                    throw new AssertionError("an output is on backend " + t.backend().name() + ", expected " + b.name());
                }
            }
            return out;
        } finally {
            Backends.setDefault(previous);
        }
    }

    /** Shapes, dtypes and values equal within atol + rtol |expected| (NaN matches NaN, infinities must be equal). */
    public static void compare(String what, Tensor expected, Tensor actual, double atol, double rtol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        if (expected.dtype() == DType.I64 || !expected.dtype().isFloating()) {
            assertArrayEquals(expected.toLongArray(), actual.toLongArray(), what + ": values");
            return;
        }
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : Double.isInfinite(e[i]) ? e[i] == a[i] : Math.abs(e[i] - a[i]) <= atol + rtol * Math.abs(e[i]);
            if (!ok) {
                fail(what + " differs at flat index " + i + " of shape " + Shape.str(expected.shape()) + ": cpu " + e[i] + ", got " + a[i]
                        + " (atol " + atol + ", rtol " + rtol + ")");
            }
        }
    }

    // ---------------------------------------------------------------- seeded host inputs

    /** Normal values of a dtype on the CPU backend. */
    public static Tensor randn(long seed, DType dtype, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = gaussian(r);
        return host(v, dtype, shape);
    }

    /** Uniform values in [lo, hi). */
    public static Tensor uniform(long seed, double lo, double hi, DType dtype, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * r.nextDouble();
        return host(v, dtype, shape);
    }

    /** Integers in [0, bound) as int64. */
    public static Tensor indices(long seed, int bound, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] v = new long[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(bound);
        return new Tensor(Backends.cpu().upload(DType.I64, v), shape, Shape.contiguousStrides(shape), 0);
    }

    public static Tensor host(double[] v, DType dtype, int... shape) {
        Object arr = switch (dtype) {
            case F64 -> v;
            case F32 -> { float[] f = new float[v.length]; for (int i = 0; i < v.length; i++) f[i] = (float) v[i]; yield f; }
            case I64 -> { long[] l = new long[v.length]; for (int i = 0; i < v.length; i++) l[i] = Math.round(v[i] * 3); yield l; }
            case U8 -> { byte[] b = new byte[v.length]; for (int i = 0; i < v.length; i++) b[i] = (byte) Math.abs(Math.round(v[i] * 40)); yield b; }
            case BOOL -> { byte[] b = new byte[v.length]; for (int i = 0; i < v.length; i++) b[i] = (byte) (v[i] > 0 ? 1 : 0); yield b; }
        };
        return new Tensor(Backends.cpu().upload(dtype, arr), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble(), w = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }

    /** A random shape of rank in [minRank, maxRank] with dims in [1, maxDim]. */
    public static int[] shape(SplittableRandom r, int minRank, int maxRank, int maxDim) {
        int rank = minRank + r.nextInt(maxRank - minRank + 1);
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = 1 + r.nextInt(maxDim);
        return s;
    }

    /** The shape with some dims replaced by 1 (and possibly fewer leading dims): broadcasts to shape. */
    public static int[] broadcastPartner(SplittableRandom r, int[] shape) {
        int drop = shape.length == 0 ? 0 : r.nextInt(shape.length + 1);
        List<Integer> s = new ArrayList<>();
        for (int i = drop; i < shape.length; i++) s.add(r.nextInt(3) == 0 ? 1 : shape[i]);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }
}
