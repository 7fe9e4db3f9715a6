package peekaboo.tensor;

/**
 * A seeded random stream (like {@code torch.Generator}): the same seed gives the same numbers on every
 * machine and JDK, because the 64-bit stream (SplitMix64) and every distribution are computed here.
 * Its whole state is two longs and a spare Gaussian, so a checkpoint can save and restore it.
 */
public final class Generator {
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    private long state;
    private long seed;
    private double spareGaussian;
    private boolean hasSpare;

    public Generator(long seed) { manualSeed(seed); }

    public void manualSeed(long seed) {
        this.seed = seed;
        this.state = seed;
        this.hasSpare = false;
    }

    /** The full state, for checkpoints: {seed, state, hasSpare, bits of the spare Gaussian}. */
    public long[] getState() {
        return new long[] {seed, state, hasSpare ? 1 : 0, Double.doubleToRawLongBits(spareGaussian)};
    }

    public void setState(long[] s) {
        seed = s[0];
        state = s[1];
        hasSpare = s[2] != 0;
        spareGaussian = Double.longBitsToDouble(s[3]);
    }

    /** The next 64 random bits (SplitMix64). */
    public long nextLong() {
        long z = (state += GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    public long seed() { return seed; }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }

    /** Uniform integer in [0, bound), without modulo bias (rejection). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long limit = (1L << 31) - ((1L << 31) % bound);
        long r;
        do {
            r = nextLong() >>> 33;
        } while (r >= limit);
        return (int) (r % bound);
    }

    /** Standard normal by the Box-Muller transform (pairs, the second kept for the next call). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u1;
        do {
            u1 = nextDouble();
        } while (u1 == 0.0);
        double u2 = nextDouble();
        double radius = Math.sqrt(-2.0 * Math.log(u1));
        spareGaussian = radius * Math.sin(2.0 * Math.PI * u2);
        hasSpare = true;
        return radius * Math.cos(2.0 * Math.PI * u2);
    }

    /** Laplace(loc, scale) by inverting its CDF. */
    public double nextLaplace(double loc, double scale) {
        double u;
        do {
            u = nextDouble() - 0.5;
        } while (u == -0.5);
        return loc - scale * Math.signum(u) * Math.log(1 - 2 * Math.abs(u));
    }

    /** A random permutation of 0..n-1 (Fisher-Yates). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** A new independent generator derived from this one (for worker threads). */
    public Generator split() {
        return new Generator(nextLong());
    }
}
