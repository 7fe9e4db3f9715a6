package peekaboo.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import peekaboo.backend.cpu.Parallel;
import peekaboo.backend.cpu.Sgemm;

/**
 * SGEMM C = A B for square n x n x n matrices on the {@link Parallel} pool (threads as the pool
 * gives; {@code -jvmArgsAppend -Dpeekaboo.threads=1} for one core).
 *
 * <p>GFLOP/s = ops/s x 2 n^3 / 1e9 (printed at tear-down from the measured score is not
 * possible in JMH, so: n=256: 0.0336 GFLOP per op, n=512: 0.2684, n=1024: 2.1475).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000", "-Xmx2g"})
public class GemmBench {

    @Param({"256", "512", "1024"})
    public int n;

    @Param({"false"})
    public boolean transB;

    private float[] a;
    private float[] b;
    private float[] c;

    @Setup
    public void setup() {
        Random rnd = new Random(1);
        a = new float[n * n];
        b = new float[n * n];
        c = new float[n * n];
        for (int i = 0; i < n * n; i++) {
            a[i] = (float) rnd.nextGaussian();
            b[i] = (float) rnd.nextGaussian();
        }
        System.out.printf("%nGemmBench n=%d threads=%d: %.4f GFLOP per op%n", n, Parallel.threads(),
                2.0 * n * n * n / 1e9);
    }

    @Benchmark
    public float sgemm() {
        Sgemm.sgemm(false, transB, n, n, n, a, 0, n, b, 0, n, c, 0, n, false);
        return c[0];
    }

    @TearDown
    public void check() {
        if (!Float.isFinite(c[n * n - 1])) {
            throw new IllegalStateException("non-finite result");
        }
    }
}
