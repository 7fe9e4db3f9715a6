package peekaboo.data;

/** Seeds derived from several numbers by hashing, so that streams for different (seed, epoch, index) are unrelated. */
final class Seeds {
    private Seeds() {}

    /** A 64-bit hash of the parts (SplitMix64's finaliser folded over them). */
    static long mix(long... parts) {
        long h = 0x6a09e667f3bcc909L;
        for (long p : parts) {
            h = fmix(h ^ fmix(p + 0x9e3779b97f4a7c15L));
        }
        return h;
    }

    private static long fmix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
