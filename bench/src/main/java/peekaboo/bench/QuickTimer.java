package peekaboo.bench;

import java.util.Random;
import peekaboo.backend.cpu.Parallel;
import peekaboo.backend.cpu.Sgemm;

/** A fast smoke timer (no JMH) for tuning: java ... peekaboo.bench.QuickTimer [n] [reps]. */
public final class QuickTimer {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Random rnd = new Random(1);
        float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
        for (int i = 0; i < n * n; i++) {
            a[i] = (float) rnd.nextGaussian();
            b[i] = (float) rnd.nextGaussian();
        }
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                Sgemm.sgemm(false, false, n, n, n, a, 0, n, b, 0, n, c, 0, n, false);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("n=%d threads=%d: %.1f GFLOP/s%n", n, Parallel.threads(),
                    2.0 * n * n * n * reps / s / 1e9);
        }
    }
}
