package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void zeroAndOneRunNothingAndInline() {
        AtomicInteger calls = new AtomicInteger();
        Parallel.forRange(0, (s, e) -> calls.incrementAndGet());
        Parallel.forEachTask(0, t -> calls.incrementAndGet());
        assertEquals(0, calls.get());
        Thread caller = Thread.currentThread();
        Parallel.forRange(1, (s, e) -> {
            assertEquals(0, s);
            assertEquals(1, e);
            assertSame(caller, Thread.currentThread());
            calls.incrementAndGet();
        });
        assertEquals(1, calls.get());
    }

    @Test
    void rangesCoverEveryIndexExactlyOnce() {
        for (int n : new int[] {2, 3, 7, 64, 1001}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            AtomicInteger chunks = new AtomicInteger();
            Parallel.forRange(n, (s, e) -> {
                assertTrue(s < e);
                chunks.incrementAndGet();
                for (int i = s; i < e; i++) {
                    seen.incrementAndGet(i);
                }
            });
            for (int i = 0; i < n; i++) {
                assertEquals(1, seen.get(i), "index " + i + " of " + n);
            }
            assertTrue(chunks.get() <= Parallel.threads());
        }
    }

    @Test
    void tasksRunExactlyOnce() {
        int tasks = 997;
        AtomicIntegerArray seen = new AtomicIntegerArray(tasks);
        Parallel.forEachTask(tasks, seen::incrementAndGet);
        for (int i = 0; i < tasks; i++) {
            assertEquals(1, seen.get(i));
        }
    }

    /**
     * Each thread takes its own contiguous share from the front, in order, and the others' tasks only from
     * their back ends: so the calling thread's tasks of the first share come in ascending order from 0 with no
     * gap, and whatever it takes from another share comes in descending order.
     */
    @Test
    void threadsTakeTheirOwnShareFirst() {
        int tasks = 64 * Parallel.threads();
        int share = tasks / Parallel.threads();
        for (int round = 0; round < 50; round++) {
            Thread caller = Thread.currentThread();
            List<Integer> mine = Collections.synchronizedList(new ArrayList<>());
            AtomicIntegerArray seen = new AtomicIntegerArray(tasks);
            Parallel.forEachTask(tasks, t -> {
                seen.incrementAndGet(t);
                if (Thread.currentThread() == caller) {
                    mine.add(t);
                }
            });
            for (int i = 0; i < tasks; i++) {
                assertEquals(1, seen.get(i), "task " + i);
            }
            int expected = 0;
            int i = 0;
            for (; i < mine.size() && mine.get(i) < share; i++) {
                assertEquals(expected++, mine.get(i), () -> "the caller's own share in order: " + mine);
            }
            for (int j = i; j < mine.size(); j++) {
                int t = mine.get(j);
                boolean sameShareAsPrevious = j > i && mine.get(j - 1) / share == t / share;
                assertTrue(t >= share && (!sameShareAsPrevious || t < mine.get(j - 1)),
                        () -> "tasks of other shares from their back ends: " + mine);
            }
        }
    }

    @Test
    void nestedCallsRunInline() {
        int n = 40;
        AtomicIntegerArray seen = new AtomicIntegerArray(n * n);
        Parallel.forRange(n, (s, e) -> {
            for (int i = s; i < e; i++) {
                int row = i;
                Parallel.forRange(n, (s2, e2) -> {
                    for (int j = s2; j < e2; j++) {
                        seen.incrementAndGet(row * n + j);
                    }
                });
                Parallel.forEachTask(1, t -> { });
            }
        });
        for (int i = 0; i < n * n; i++) {
            assertEquals(1, seen.get(i));
        }
    }

    @Test
    void exceptionsPropagateAndPoolStaysUsable() {
        for (int failing = 0; failing < 4; failing++) {
            int f = failing;
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Parallel.forRange(4, (s, end) -> {
                        if (s <= f && f < end) {
                            throw new IllegalStateException("boom " + f);
                        }
                    }));
            assertEquals("boom " + f, e.getMessage());
        }
        assertThrows(ArithmeticException.class, () -> Parallel.forEachTask(10, t -> {
            if (t == 7) {
                throw new ArithmeticException();
            }
        }));
        AtomicInteger sum = new AtomicInteger();
        Parallel.forRange(100, (s, e) -> sum.addAndGet(e - s));
        assertEquals(100, sum.get());
    }

    @Test
    void manyQuickCallsDoNotLoseWakeups() throws Exception {
        AtomicInteger sum = new AtomicInteger();
        for (int r = 0; r < 20_000; r++) {
            Parallel.forRange(4, (s, e) -> sum.addAndGet(e - s));
            if (r % 5000 == 0) {
                Thread.sleep(2); // let workers park
            }
        }
        assertEquals(80_000, sum.get());
    }
}
