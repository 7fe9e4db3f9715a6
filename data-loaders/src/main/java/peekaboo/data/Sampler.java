package peekaboo.data;

import java.util.Arrays;
import peekaboo.tensor.Generator;

/**
 * The order in which a {@link DataLoader} visits dataset indices, one array per epoch
 * ({@code torch.utils.data.Sampler} with {@code set_epoch}). Same seed and epoch, same order.
 */
@FunctionalInterface
public interface Sampler {
    int[] indices(int epoch);

    /** 0, 1, ..., n-1 every epoch (test sets). */
    static Sampler sequential(int n) {
        return epoch -> range(n);
    }

    /** A fresh permutation of 0..n-1 per epoch, from a generator seeded by (seed, epoch). */
    static Sampler shuffled(int n, long seed) {
        return epoch -> new Generator(Seeds.mix(seed, epoch)).permutation(n);
    }

    /** The given indices, reshuffled every epoch from (seed, epoch) ({@code SubsetRandomSampler}). */
    static Sampler subset(int[] indices, long seed) {
        int[] fixed = indices.clone();
        return epoch -> {
            int[] p = new Generator(Seeds.mix(seed, epoch, fixed.length)).permutation(fixed.length);
            int[] out = new int[fixed.length];
            for (int i = 0; i < out.length; i++) out[i] = fixed[p[i]];
            return out;
        };
    }

    /**
     * The pruning subset of spec section 2: {@code k} distinct indices of 0..n-1 drawn once from
     * {@code g} (the first k of a permutation), in the order drawn.
     */
    static int[] drawSubset(int n, int k, Generator g) {
        if (k < 0 || k > n) throw new IllegalArgumentException("cannot draw " + k + " distinct indices of " + n + " samples");
        return Arrays.copyOf(g.permutation(n), k);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }
}
