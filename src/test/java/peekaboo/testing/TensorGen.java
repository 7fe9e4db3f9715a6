package peekaboo.testing;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** jqwik generators for shapes and seeded float64 tensors (every random value derives from a reported seed). */
public final class TensorGen {
    private TensorGen() {}

    /** Shapes of rank minRank..maxRank with dimensions 1..maxDim. */
    public static Arbitrary<int[]> shapes(int minRank, int maxRank, int maxDim) {
        return Arbitraries.integers().between(1, maxDim).array(int[].class).ofMinSize(minRank).ofMaxSize(maxRank);
    }

    /** A standard-normal float64 tensor of this shape from a seed. */
    public static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), DType.F64, shape);
    }

    /** Uniform float64 in [low, high). */
    public static Tensor uniform(long seed, double low, double high, int... shape) {
        return Tensor.uniform(new Generator(seed), low, high, DType.F64, shape);
    }

    public static Arbitrary<Long> seeds() { return Arbitraries.longs(); }

    /** A shape together with a seed. */
    public static Arbitrary<Object[]> shapeAndSeed(int minRank, int maxRank, int maxDim) {
        return Combinators.combine(shapes(minRank, maxRank, maxDim), seeds()).as((s, seed) -> new Object[] {s, seed});
    }

    /** Asserts two arrays agree elementwise within atol + rtol |expected|. */
    public static void assertClose(double[] expected, double[] actual, double atol, double rtol, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": " + actual.length + " values, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            boolean bothNaN = Double.isNaN(e) && Double.isNaN(a);
            if (!bothNaN && !(Math.abs(e - a) <= atol + rtol * Math.abs(e)) && e != a) {
                throw new AssertionError(what + ": differs at flat index " + i + ": expected " + e + ", got " + a);
            }
        }
    }
}
