package peekaboo.bench;

/**
 * The round trip of a cache line between two threads: one writes a counter, the other waits for it and
 * answers. On this VM it tells where the hypervisor has put the two virtual cores at the moment: 65-70 ns
 * when they share a last-level cache, 330-360 ns when they do not, and the same two-thread code runs up to
 * ~20% slower in the second case (SGEMM n = 512: ~163 against ~205 GFLOP/s), while one core's FMA peak stays
 * the same. {@code bench/compare.sh} prints it next to every timed run. Usage: java ... CoreLatency [round trips].
 */
public final class CoreLatency {
    private static volatile long flag;

    public static void main(String[] args) throws InterruptedException {
        int trips = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            best = Math.min(best, roundTripNanos(trips));
        }
        System.out.printf("core-to-core round trip: %.0f ns%n", best);
    }

    private static double roundTripNanos(int trips) throws InterruptedException {
        flag = 0;
        Thread echo = new Thread(() -> {
            for (long i = 1; i < 2L * trips; i += 2) {
                while (flag != i) {
                    Thread.onSpinWait();
                }
                flag = i + 1;
            }
        });
        echo.start();
        long t0 = System.nanoTime();
        for (long i = 0; i < 2L * trips; i += 2) {
            flag = i + 1;
            while (flag != i + 2) {
                Thread.onSpinWait();
            }
        }
        long elapsed = System.nanoTime() - t0;
        echo.join();
        return (double) elapsed / trips;
    }
}
