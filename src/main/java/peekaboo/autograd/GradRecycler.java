package peekaboo.autograd;

import java.util.IdentityHashMap;
import java.util.Map;
import peekaboo.backend.Storage;
import peekaboo.tensor.Tensor;

/**
 * Hands the memory of gradients that die during a backward pass back to their backend
 * ({@link peekaboo.backend.Backend#recycle}), so that the next step's gradients reuse it.
 *
 * <p>A gradient's storage is recycled only when all of these hold: it was created during this
 * backward pass (so no forward tensor, parameter or caller's tensor can share it); no pending
 * gradient still refers to it (a node's backward may pass its gradient, or a view of it, straight
 * on to several inputs, so references are counted per storage); and it never became a result (a
 * leaf's or captured gradient) or a seed. With {@code createGraph} nothing is recycled: gradients
 * are then part of a graph.
 */
final class GradRecycler {
    private final boolean enabled;
    private final long createdBefore;
    private final Map<Storage, Integer> held = new IdentityHashMap<>();
    private final Map<Storage, Boolean> kept = new IdentityHashMap<>();
    private final java.util.List<Storage> candidates = new java.util.ArrayList<>();

    GradRecycler(boolean enabled) {
        this.enabled = enabled && !Boolean.getBoolean("peekaboo.noRecycle");
        this.createdBefore = Storage.latestSerial();
    }

    /** g is now referenced by a pending entry. */
    void hold(Tensor g) {
        if (enabled) {
            held.merge(g.storage(), 1, Integer::sum);
        }
    }

    /** A pending entry no longer refers to g. */
    void release(Tensor g) {
        if (enabled) {
            held.computeIfPresent(g.storage(), (s, n) -> n == 1 ? null : n - 1);
        }
    }

    /** g (a result or a seed) must outlive the backward pass. */
    void keep(Tensor g) {
        if (enabled) {
            kept.put(g.storage(), Boolean.TRUE);
        }
    }

    /** g may have lost its last reference; checked at the next {@link #recycleDead}. */
    void mayDie(Tensor g) {
        if (enabled) {
            candidates.add(g.storage());
        }
    }

    /**
     * Recycles every candidate storage that nothing can refer to any more. Called between nodes,
     * when every gradient a node returned has been filed as pending or as a result.
     */
    void recycleDead() {
        for (Storage s : candidates) {
            if (s.serial() > createdBefore && !held.containsKey(s) && !kept.containsKey(s)) {
                kept.put(s, Boolean.TRUE);
                if (s.claimForRecycling()) {
                    s.backend().recycle(s);
                }
            }
        }
        candidates.clear();
    }
}
