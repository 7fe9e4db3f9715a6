package peekaboo.backend;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import peekaboo.tensor.Tensor;

/**
 * The memory of one training step. While an arena is open on a thread, every large storage created
 * on that thread is recorded; closing the arena hands all of them back to their backends
 * ({@link Backend#recycle}) except the ones kept. A training loop opens one around forward, loss and
 * backward, keeps the parameters' gradients (and anything else it reads afterwards), and the next
 * step's activations reuse this step's memory instead of the garbage collector's.
 *
 * <p>Only for code that knows what outlives the step: a tensor created inside the arena and used
 * after it closes, without being kept, reads recycled memory. Storages smaller than
 * {@link #MIN_ELEMENTS} are left to the garbage collector (parameters, BN statistics). Turned off
 * (close recycles nothing) with {@code -Dpeekaboo.noRecycle=true}.
 */
public final class StepArena implements AutoCloseable {

    /** Storages of fewer elements are not recorded. */
    public static final int MIN_ELEMENTS = 1 << 16;

    private static final ThreadLocal<StepArena> CURRENT = new ThreadLocal<>();

    private final StepArena outer;
    private final List<Storage> created = new ArrayList<>();
    private final Map<Storage, Boolean> kept = new IdentityHashMap<>();

    private StepArena(StepArena outer) {
        this.outer = outer;
    }

    /** Opens an arena on this thread (arenas nest: each records what is created while it is the innermost). */
    public static StepArena open() {
        StepArena arena = new StepArena(CURRENT.get());
        CURRENT.set(arena);
        return arena;
    }

    /** Called by every new storage. */
    static void created(Storage s) {
        StepArena arena = CURRENT.get();
        if (arena != null && s.size() >= MIN_ELEMENTS) {
            arena.created.add(s);
        }
    }

    /** Keeps the memory of these tensors (and of every view sharing it) beyond the arena; nulls are ignored. */
    public StepArena keep(Iterable<Tensor> tensors) {
        for (Tensor t : tensors) {
            if (t != null) {
                kept.put(t.storage(), Boolean.TRUE);
            }
        }
        return this;
    }

    /** Recycles every storage created in the arena that was not kept. */
    @Override
    public void close() {
        if (CURRENT.get() != this) {
            throw new IllegalStateException("arenas must be closed innermost first, on the thread that opened them");
        }
        CURRENT.set(outer);
        if (Boolean.getBoolean("peekaboo.noRecycle")) {
            return;
        }
        for (Storage s : created) {
            if (!kept.containsKey(s) && s.claimForRecycling()) {
                s.backend().recycle(s);
            }
        }
        created.clear();
    }
}
