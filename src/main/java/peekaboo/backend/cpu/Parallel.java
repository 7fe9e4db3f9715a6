package peekaboo.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The engine's one threading helper: a fixed pool of daemon workers that spin briefly before
 * parking (waking a parked thread is slow on virtual machines; see PERFORMANCE-NOTES).
 *
 * <p>Worker count = available processors, overridable with {@code -Dpeekaboo.threads=N}. The
 * calling thread always takes part. Calls made from inside a worker, or while another caller
 * holds the pool, run inline, so nesting never deadlocks.
 */
public final class Parallel {

    /** A body that processes the half-open index range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static final int THREADS = Math.max(1,
            Integer.getInteger("peekaboo.threads", Runtime.getRuntime().availableProcessors()));
    /** How long an idle worker spins before parking. */
    private static final long SPIN_NANOS = Long.getLong("peekaboo.spinNanos", 200_000L);

    private static final Worker[] WORKERS = new Worker[THREADS - 1];
    private static final AtomicBoolean BUSY = new AtomicBoolean();

    /** One parallel call; workers see it through the volatile {@link #current}. */
    private record Job(int generation, int parts, IntConsumer body) {
    }

    private static volatile Job current = new Job(0, 0, null);
    private static final AtomicInteger PENDING = new AtomicInteger();
    private static final AtomicReference<Throwable> FAILURE = new AtomicReference<>();
    private static volatile Thread waiter;

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker(i + 1);
            WORKERS[i].start();
        }
    }

    private Parallel() {
    }

    /** Number of threads that take part in a parallel call (workers plus the caller). */
    public static int threads() {
        return THREADS;
    }

    /**
     * Splits [0, n) into {@code min(n, threads())} contiguous chunks, one per thread (the
     * caller runs the first), and returns when all are done. Exceptions propagate.
     */
    public static void forRange(int n, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int parts = Math.min(n, THREADS);
        if (parts < 2 || !acquire()) {
            body.run(0, n);
            return;
        }
        run(parts, t -> {
            long start = (long) n * t / parts;
            long end = (long) n * (t + 1) / parts;
            if (start < end) {
                body.run((int) start, (int) end);
            }
        });
    }

    /**
     * Runs {@code body.accept(t)} for every t in [0, tasks), balanced between the threads. Each thread has its
     * own contiguous share of the tasks, as {@link #forRange} would give it, and takes them from the front, one
     * at a time; a thread done with its share takes the others' remaining tasks from their back ends. Callers
     * number tasks by image (or by position in a tensor), so a thread mostly works on the same part of every
     * tensor from op to op and reads what it wrote itself: with one shared counter each task went to whichever
     * thread came first, and about half of every op's input crossed between the cores, which costs most when the
     * VM places the two cores on different last-level caches. Bodies must not depend on which thread runs a
     * task. Exceptions propagate.
     */
    public static void forEachTask(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        int parts = Math.min(tasks, THREADS);
        if (parts < 2 || !acquire()) {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
            return;
        }
        Shares shares = new Shares(tasks, parts);
        run(parts, p -> {
            for (int q = 0; q < parts; q++) {
                int owner = (p + q) % parts;
                for (int t; (t = shares.take(owner, q == 0)) >= 0; ) {
                    if (FAILURE.get() != null) {
                        return;
                    }
                    body.accept(t);
                }
            }
        });
    }

    /**
     * The threads' shares of [0, tasks): share p is [tasks*p/parts, tasks*(p+1)/parts), held as one word
     * (front << 32 | back) that its owner advances from the front and the others shrink from the back.
     */
    private static final class Shares {
        /** Words a cache line apart, so two threads taking from their own shares do not share a line. */
        private static final int SPACING = 8;
        private final AtomicLongArray words;

        Shares(int tasks, int parts) {
            words = new AtomicLongArray(parts * SPACING);
            for (int p = 0; p < parts; p++) {
                long front = (long) tasks * p / parts, back = (long) tasks * (p + 1) / parts;
                words.set(p * SPACING, front << 32 | back);
            }
        }

        /** The next task of share p, from its front (its owner) or off its back (another thread); -1 when empty. */
        int take(int p, boolean fromFront) {
            while (true) {
                long w = words.get(p * SPACING);
                int front = (int) (w >>> 32), back = (int) w;
                if (front >= back) {
                    return -1;
                }
                long next = fromFront ? (long) (front + 1) << 32 | back : (long) front << 32 | (back - 1);
                if (words.compareAndSet(p * SPACING, w, next)) {
                    return fromFront ? front : back - 1;
                }
            }
        }
    }

    private static boolean acquire() {
        return !(Thread.currentThread() instanceof Worker) && BUSY.compareAndSet(false, true);
    }

    /** Runs participant(0) on the caller and participant(1..parts-1) on workers. */
    private static void run(int parts, IntConsumer participant) {
        try {
            FAILURE.set(null);
            waiter = Thread.currentThread();
            PENDING.set(parts - 1);
            current = new Job(current.generation() + 1, parts, participant);
            for (int i = 0; i < parts - 1; i++) {
                Worker w = WORKERS[i];
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            try {
                participant.accept(0);
            } catch (Throwable e) {
                FAILURE.compareAndSet(null, e);
            }
            awaitWorkers();
            Throwable failure = FAILURE.getAndSet(null);
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            if (failure instanceof Error err) {
                throw err;
            }
            if (failure != null) {
                throw new RuntimeException(failure);
            }
        } finally {
            BUSY.set(false);
        }
    }

    private static void awaitWorkers() {
        // Spin briefly, then yield (a busy core may be what the last worker is waiting for).
        long spins = 0;
        while (PENDING.get() != 0) {
            if (++spins < 2_000) {
                Thread.onSpinWait();
            } else if (spins < 20_000) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(50_000L);
            }
        }
    }

    private static final class Worker extends Thread {
        private final int index;
        volatile boolean parked;

        Worker(int index) {
            super("peekaboo-cpu-" + index);
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            int seen = 0;
            while (true) {
                Job job = awaitJob(seen);
                seen = job.generation();
                if (index < job.parts()) {
                    try {
                        job.body().accept(index);
                    } catch (Throwable e) {
                        FAILURE.compareAndSet(null, e);
                    }
                    if (PENDING.decrementAndGet() == 0) {
                        LockSupport.unpark(waiter);
                    }
                }
            }
        }

        /** Spins, then parks, until a job newer than generation {@code seen} appears. */
        private Job awaitJob(int seen) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            Job g;
            int spins = 0;
            while ((g = current).generation() == seen) {
                if ((++spins & 63) != 0 || System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if ((g = current).generation() != seen) { // re-check after announcing (Dekker with caller)
                    parked = false;
                    return g;
                }
                LockSupport.park(this);
                parked = false;
            }
            return g;
        }
    }
}
