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
import org.openjdk.jmh.annotations.Warmup;
import peekaboo.backend.cpu.Conv2dF32;
import peekaboo.backend.ConvShape;
import peekaboo.backend.cpu.Parallel;

/**
 * The conv layers of CIFAR ResNet-20 at batch 128 ({@code batch} sets another), parameter {@code layer} =
 * "c-k-hw-stride[-r]" (r x r kernel, 3 when left out, padding (r-1)/2): 16-16-32-1 (stage 1, the direct path),
 * 16-32-32-2 (downsampling, the patch path), 32-32-16-1 (stage 2, direct), 64-64-8-1 (stage 3, the patch path),
 * and the two 1x1 stride-2 projection shortcuts 16-32-32-2-1 and 32-64-16-2-1 (Conv2dPointwise).
 *
 * <p>Each pass (forward, inputGrad, weightGrad) is 2*n*k*outH*outW*(c/groups)*r*s flops (bias
 * excluded; setup prints it): 0.6040 GFLOP per op for the three stride-1 layers, 0.3020 for the strided ones
 * (0.0336 for the 1x1 shortcuts),
 * so GFLOP/s = ops/s x that.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000", "-Xmx2g"})
public class ConvBench {

    @Param({"16-16-32-1", "16-32-32-2", "32-32-16-1", "32-64-16-2", "64-64-8-1", "16-32-32-2-1", "32-64-16-2-1"})
    public String layer;

    /**
     * Fraction of the weights kept (the rest set to zero at random, as a pruned layer): below each
     * path's threshold (SparseRows) the forward and input gradient take the sparse kernels. GFLOP/s
     * still count the dense work.
     */
    @Param({"1.0"})
    public double density;

    /** Images per call: 128 as in ResNet-20's table; 32 for ResNet-18's layers (e.g. 512-512-4-1, 2-d Winograd). */
    @Param({"128"})
    public int batch;

    private ConvShape g;
    private float[] x;
    private float[] w;
    private float[] bias;
    private float[] y;
    private float[] dy;
    private float[] dx;
    private float[] dw;

    @Setup
    public void setup() {
        String[] p = layer.split("-");
        int r = p.length > 4 ? Integer.parseInt(p[4]) : 3;
        g = ConvShape.of(batch, Integer.parseInt(p[0]), Integer.parseInt(p[2]), Integer.parseInt(p[1]), r,
                Integer.parseInt(p[3]), (r - 1) / 2);
        Random rnd = new Random(1);
        x = random(rnd, g.inputSize());
        w = random(rnd, g.weightSize());
        for (int i = 0; i < w.length; i++) {
            if (rnd.nextDouble() >= density) {
                w[i] = 0f;
            }
        }
        bias = random(rnd, g.k());
        dy = random(rnd, g.outputSize());
        y = new float[g.outputSize()];
        dx = new float[g.inputSize()];
        dw = new float[g.weightSize()];
        System.out.printf("%nConvBench %s density %.2f threads=%d: %.4f GFLOP per op%n", g, density,
                Parallel.threads(), g.flops() / 1e9);
    }

    @Benchmark
    public float forward() {
        Conv2dF32.forward(g, x, 0, w, 0, bias, 0, y, 0);
        return y[0];
    }

    @Benchmark
    public float inputGrad() {
        Conv2dF32.inputGrad(g, dy, 0, w, 0, dx, 0);
        return dx[0];
    }

    @Benchmark
    public float weightGrad() {
        Conv2dF32.weightGrad(g, x, 0, dy, 0, dw, 0);
        return dw[0];
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }
}
