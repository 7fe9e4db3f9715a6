package peekaboo.pab.train;

import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * How long the JIT compiler threads worked while the timed steps ran. On a machine with as many cores as
 * compute threads a compile takes a core away from a step: C2 compiles of methods called a few hundred
 * times a step go on for the first ~50-100 steps of a run (README, "Against PyTorch"), so a step figure
 * whose timed steps overlap them is not the steady state of a training run.
 */
final class JitClock {
    private final CompilationMXBean bean = ManagementFactory.getCompilationMXBean();
    private long startMillis = -1;

    /** Starts counting (at the first timed step). */
    void start() {
        if (bean != null && bean.isCompilationTimeMonitoringSupported()) startMillis = bean.getTotalCompilationTime();
    }

    /** One line: the compiler threads' time since {@link #start} against the timed steps' wall time. */
    void report(double timedSeconds, int steps, PrintStream out) {
        if (startMillis < 0) return;
        long ms = bean.getTotalCompilationTime() - startMillis;
        out.printf("JIT compiling during the %d timed steps: %d ms of compiler-thread time (%.1f%% of their %.2f s)%n",
                steps, ms, 100 * ms / 1000.0 / Math.max(timedSeconds, 1e-9), timedSeconds);
    }
}
