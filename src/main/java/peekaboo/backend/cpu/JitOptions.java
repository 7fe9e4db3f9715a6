package peekaboo.backend.cpu;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Checks the one JVM option the CPU kernels need for speed (not for correctness): {@code
 * -XX:PerMethodTrapLimit} well above its default of 100. C2 adds up the deoptimisation traps recorded in every
 * method it inlines into one compile, and past the limit it gives its type guards virtual-call fallbacks; a
 * vector's class is then no longer a constant where the vector is stored, and the Vector API runs the store as
 * Java code, 10-100x slower. Each lanewise vector operation inlines {@code VectorOperators.ImplCache.find}, which
 * carries 4 such traps, so kernels with more than ~25 operations ({@link Conv2dOuterWeightGrad}) cross the
 * default in some runs (README, "How the CPU kernels are built"). {@code pab}, the tests and the benchmarks
 * pass {@code -XX:PerMethodTrapLimit=10000}; code that embeds the engine is told once, here.
 */
final class JitOptions {
    /** The value the launchers pass. */
    static final long RECOMMENDED_TRAP_LIMIT = 10_000;
    /** Below this the larger kernels can lose their intrinsics (the largest reaches 256 traps). */
    static final long LOWEST_SAFE_TRAP_LIMIT = 1_000;

    private static final Logger LOG = Logger.getLogger(JitOptions.class.getName());
    private static final AtomicBoolean CHECKED = new AtomicBoolean();

    private JitOptions() {
    }

    /** Logs one warning per process when this HotSpot JVM runs with a low PerMethodTrapLimit; silent elsewhere. */
    static void warnIfTrapLimitLow() {
        if (CHECKED.getAndSet(true)) {
            return;
        }
        String advice = trapLimitAdvice(currentTrapLimit());
        if (advice != null) {
            LOG.warning(advice);
        }
    }

    /** The JVM's PerMethodTrapLimit, or -1 where it cannot be read (not HotSpot). */
    static long currentTrapLimit() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hotspot == null ? -1 : Long.parseLong(hotspot.getVMOption("PerMethodTrapLimit").getValue());
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** The warning for a PerMethodTrapLimit of limit (-1: unknown), or null when there is nothing to say. */
    static String trapLimitAdvice(long limit) {
        if (limit < 0 || limit >= LOWEST_SAFE_TRAP_LIMIT) {
            return null;
        }
        return "The JVM runs with -XX:PerMethodTrapLimit=" + limit + ", which lets C2 run the larger CPU kernels"
                + " on the Vector API's slow Java fallback; start Java with -XX:PerMethodTrapLimit="
                + RECOMMENDED_TRAP_LIMIT + " (as ./pab does).";
    }
}
