package peekaboo.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** Placeholder threading helper (replaced by the spinning worker pool). */
public final class Parallel {
    private Parallel() {}

    @FunctionalInterface
    public interface RangeBody { void run(int start, int end); }

    public static int threads() { return Runtime.getRuntime().availableProcessors(); }

    public static void forRange(int n, RangeBody body) {
        int t = Math.min(threads(), n);
        if (t <= 1) { if (n > 0) body.run(0, n); return; }
        IntStream.range(0, t).parallel().forEach(i -> body.run((int) ((long) n * i / t), (int) ((long) n * (i + 1) / t)));
    }

    public static void forEachTask(int tasks, IntConsumer body) {
        IntStream.range(0, tasks).parallel().forEach(body);
    }
}
