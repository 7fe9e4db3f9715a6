package peekaboo.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** rand, randn, uniform, normal, laplace and randperm: reproducibility, ranges and sample moments of 1e5 draws. */
class RandomTensorsTest {
    private static final int N = 100_000;

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    private static double variance(double[] v) {
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return s / (v.length - 1);
    }

    @Property(tries = 20, seed = "226")
    void sameSeedSameValues(@ForAll long seed) {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            assertArrayEquals(Tensor.rand(new Generator(seed), dtype, 3, 4).toDoubleArray(), Tensor.rand(new Generator(seed), dtype, 3, 4).toDoubleArray());
            assertArrayEquals(Tensor.randn(new Generator(seed), dtype, 7).toDoubleArray(), Tensor.randn(new Generator(seed), dtype, 7).toDoubleArray());
            assertArrayEquals(Tensor.laplace(new Generator(seed), 1, 2, dtype, 5).toDoubleArray(),
                    Tensor.laplace(new Generator(seed), 1, 2, dtype, 5).toDoubleArray());
        }
        assertArrayEquals(Tensor.randperm(new Generator(seed), 50).toLongArray(), Tensor.randperm(new Generator(seed), 50).toLongArray());
        assertFalse(Arrays.equals(Tensor.randn(new Generator(seed), DType.F64, 8).toDoubleArray(),
                Tensor.randn(new Generator(seed + 1), DType.F64, 8).toDoubleArray()));
        // consecutive draws from one generator differ
        Generator g = new Generator(seed);
        assertFalse(Arrays.equals(Tensor.rand(g, DType.F64, 8).toDoubleArray(), Tensor.rand(g, DType.F64, 8).toDoubleArray()));
    }

    @Test
    void shapesAndDtypes() {
        Tensor x = Tensor.randn(new Generator(1), DType.F32, 2, 3, 4);
        assertEquals(DType.F32, x.dtype());
        assertArrayEquals(new int[] {2, 3, 4}, x.shape());
        assertEquals(DType.I64, Tensor.randperm(new Generator(1), 5).dtype());
        assertEquals(0, Tensor.randn(new Generator(1), DType.F64).dim());
    }

    @Test
    void uniformMomentsAndRange() {
        double[] v = Tensor.uniform(new Generator(11), -2, 4, DType.F64, N).toDoubleArray();
        for (double x : v) assertTrue(x >= -2 && x < 4, "x = " + x);
        // mean 1, variance 36/12 = 3; standard errors sqrt(3/N) = 0.0055 and about 0.0085
        assertEquals(1, mean(v), 5 * 0.0055);
        assertEquals(3, variance(v), 5 * 0.0085);
        double[] u = Tensor.rand(new Generator(12), DType.F32, N).toDoubleArray();
        for (double x : u) assertTrue(x >= 0 && x < 1, "x = " + x);
        assertEquals(0.5, mean(u), 5 * 0.00092);
        assertEquals(1.0 / 12, variance(u), 5 * 0.00047);
    }

    @Test
    void normalMoments() {
        double[] v = Tensor.normal(new Generator(21), 2, 3, DType.F64, N).toDoubleArray();
        // standard errors: 3/sqrt(N) = 0.0095 for the mean, 9 sqrt(2/N) = 0.04 for the variance
        assertEquals(2, mean(v), 5 * 0.0095);
        assertEquals(9, variance(v), 5 * 0.04);
        double[] z = Tensor.randn(new Generator(22), DType.F32, N).toDoubleArray();
        assertEquals(0, mean(z), 5 * 0.0032);
        assertEquals(1, variance(z), 5 * 0.0045);
        double skew = 0;
        for (double x : z) skew += x * x * x;
        assertEquals(0, skew / N, 5 * Math.sqrt(15.0 / N));
        long within1 = Arrays.stream(z).filter(x -> Math.abs(x) < 1).count();
        assertEquals(0.6827, within1 / (double) N, 5 * 0.0015);
    }

    @Test
    void laplaceMoments() {
        double[] v = Tensor.laplace(new Generator(31), 1, 2, DType.F64, N).toDoubleArray();
        // mean 1, variance 2 b^2 = 8; sd of the mean sqrt(8/N) = 0.009, of the variance 8 sqrt(5/N) = 0.057
        assertEquals(1, mean(v), 5 * 0.009);
        assertEquals(8, variance(v), 5 * 0.057);
        // half the mass lies within b ln 2 of the location
        long inner = Arrays.stream(v).filter(x -> Math.abs(x - 1) < 2 * Math.log(2)).count();
        assertEquals(0.5, inner / (double) N, 5 * 0.0016);
    }

    @Property(tries = 30, seed = "227")
    void randpermIsAPermutation(@ForAll long seed, @ForAll @IntRange(min = 0, max = 300) int n) {
        long[] p = Tensor.randperm(new Generator(seed), n).toLongArray();
        long[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < n; i++) assertEquals(i, sorted[i]);
    }

    @Test
    void randpermPositionsAreUniform() {
        Generator g = new Generator(41);
        int n = 5, draws = 20_000;
        int[] firstIs = new int[n];
        for (int i = 0; i < draws; i++) firstIs[(int) Tensor.randperm(g, n).toLongArray()[0]]++;
        // Binomial(20000, 1/5): sd ~ 57
        for (int c : firstIs) assertEquals(draws / 5.0, c, 5 * 57, Arrays.toString(firstIs));
    }

    /** The state whose next nextLong() returns {@code out} (SplitMix64's mixing is a bijection; undo it). */
    static long stateBefore(long out) {
        long z = unxorshift(out, 31);
        z *= inverse(0x94d049bb133111ebL);
        z = unxorshift(z, 27);
        z *= inverse(0xbf58476d1ce4e5b9L);
        z = unxorshift(z, 30);
        return z - 0x9e3779b97f4a7c15L;
    }

    private static long unxorshift(long x, int s) {
        long y = x;
        for (int i = 0; i < 64 / s + 1; i++) y = x ^ (y >>> s);
        return y;
    }

    private static long inverse(long odd) {
        long inv = odd;
        for (int i = 0; i < 6; i++) inv *= 2 - odd * inv;
        return inv;
    }

    @Test
    void float32RandStaysBelowOneEvenForTheLargestDouble() {
        // the largest draw nextDouble() can make, 1 - 2^-53, rounds to 1.0f in float32
        Generator g = new Generator(0);
        long[] state = g.getState();
        state[1] = stateBefore(-1L);
        g.setState(state);
        assertEquals(1 - 0x1p-53, g.nextDouble());
        g.setState(state);
        float u = Tensor.rand(g, DType.F32, 1).toFloatArray()[0];
        assertTrue(u < 1f, "torch.rand is in [0, 1), got " + u);
        g.setState(state);
        float w = Tensor.uniform(g, -1, 3, DType.F32, 1).toFloatArray()[0];
        assertTrue(w < 3f, "uniform(-1, 3) is in [-1, 3), got " + w);
    }
}
