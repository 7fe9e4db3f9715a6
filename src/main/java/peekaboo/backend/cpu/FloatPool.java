package peekaboo.backend.cpu;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Large float arrays handed back by autograd (gradients that died during a backward pass), kept by
 * length for the next allocation of the same size. A training step allocates the same gradient
 * shapes every time, so most of them come from here instead of the heap: fewer fresh arrays means
 * fewer collections and a smaller heap (8 MB activations are humongous objects in G1, each of which
 * can start a collection).
 *
 * <p>Only arrays of at least {@link #MIN_FLOATS} are kept, at most {@link #MAX_FLOATS} in all;
 * beyond that they are left to the garbage collector. Thread-safe. Sizes: {@code
 * -Dpeekaboo.pool.maxMegabytes} (0 turns the pool off).
 */
final class FloatPool {

    static final int MIN_FLOATS = 1 << 16;
    static final long MAX_FLOATS = Long.getLong("peekaboo.pool.maxMegabytes", 512L) * (1 << 20) / Float.BYTES;

    private final Map<Integer, ConcurrentLinkedDeque<float[]>> free = new ConcurrentHashMap<>();
    private final AtomicLong pooled = new AtomicLong();

    /** Tests fill recycled (and uninitialised) arrays with NaN, so that a use after recycling shows. */
    static final boolean POISON = Boolean.getBoolean("peekaboo.pool.poison");

    /** A zero-filled array of the given length from the pool, or null when it holds none. */
    float[] take(int length) {
        float[] a = takeDirty(length);
        if (a != null) {
            zero(a);
        }
        return a;
    }

    /** An array of the given length from the pool with its old contents, or null when it holds none. */
    float[] takeDirty(int length) {
        if (length < MIN_FLOATS) {
            return null;
        }
        ConcurrentLinkedDeque<float[]> list = free.get(length);
        float[] a = list == null ? null : list.pollFirst();
        if (a != null) {
            pooled.addAndGet(-length);
        }
        return a;
    }

    /** a = 0, on every thread for large arrays (a fresh array is zeroed by the JVM on one). */
    private static void zero(float[] a) {
        if (a.length < PARALLEL_ZERO) {
            Arrays.fill(a, 0f);
            return;
        }
        Parallel.forRange(Parallel.threads(), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                Arrays.fill(a, (int) ((long) a.length * t / Parallel.threads()),
                        (int) ((long) a.length * (t + 1) / Parallel.threads()), 0f);
            }
        });
    }

    /** Arrays of at least this many floats are zeroed by all threads. */
    private static final int PARALLEL_ZERO = 1 << 18;

    /** Drops every kept array (the garbage collector takes them). */
    void clear() {
        for (ConcurrentLinkedDeque<float[]> list : free.values()) {
            for (float[] a = list.pollFirst(); a != null; a = list.pollFirst()) {
                pooled.addAndGet(-a.length);
            }
        }
    }

    /**
     * Keeps the array for a later {@link #take} when it is large enough and there is room. With
     * {@code -Dpeekaboo.pool.poison=true} (tests) it is filled with NaN first, so that a use after
     * recycling shows.
     */
    void give(float[] a) {
        if (POISON) {
            Arrays.fill(a, Float.NaN);
        }
        if (a.length < MIN_FLOATS || pooled.addAndGet(a.length) > MAX_FLOATS) {
            if (a.length >= MIN_FLOATS) {
                pooled.addAndGet(-a.length);
            }
            return;
        }
        free.computeIfAbsent(a.length, k -> new ConcurrentLinkedDeque<>()).addFirst(a);
    }
}
