package peekaboo.autograd;

/**
 * Whether operations record a graph for differentiation, per thread (like {@code torch.no_grad()}).
 * <pre>{@code try (var scope = GradMode.noGrad()) { ... } }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {}

    public static boolean isEnabled() { return ENABLED.get()[0]; }

    /** A scope in which no graph is recorded; closing it restores the previous mode. */
    public static Scope noGrad() { return set(false); }

    /** A scope in which graphs are recorded again (inside a noGrad scope, for instance). */
    public static Scope enableGrad() { return set(true); }

    static Scope set(boolean enabled) {
        boolean[] state = ENABLED.get();
        boolean previous = state[0];
        state[0] = enabled;
        return () -> state[0] = previous;
    }

    /** An AutoCloseable whose close does not throw. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
