package peekaboo.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import peekaboo.backend.cpu.Conv2dF32;
import peekaboo.backend.ConvShape;
import peekaboo.backend.cpu.Parallel;

/**
 * The ResNet-20 stage-1 layer: batch 128, 16 -> 16 channels, 3x3, stride 1, pad 1, 32x32.
 *
 * <p>Each pass (forward, inputGrad, weightGrad) is 2*n*k*outH*outW*(c/groups)*r*s =
 * 0.6040 GFLOP per op (bias excluded), so GFLOP/s = ops/s x 0.6040.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class ConvBench {

    private final ConvShape g = ConvShape.of(128, 16, 32, 16, 3, 1, 1);
    private float[] x;
    private float[] w;
    private float[] bias;
    private float[] y;
    private float[] dy;
    private float[] dx;
    private float[] dw;

    @Setup
    public void setup() {
        Random rnd = new Random(1);
        x = random(rnd, g.inputSize());
        w = random(rnd, g.weightSize());
        bias = random(rnd, g.k());
        dy = random(rnd, g.outputSize());
        y = new float[g.outputSize()];
        dx = new float[g.inputSize()];
        dw = new float[g.weightSize()];
        System.out.printf("%nConvBench %s threads=%d: %.4f GFLOP per op%n", g, Parallel.threads(),
                g.flops() / 1e9);
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
