package peekaboo.bench;

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
import peekaboo.backend.Backend;
import peekaboo.backend.Backends;
import peekaboo.backend.cpu.PabKernels;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * The memory-bound kernels around each conv of a ResNet-20 training step, on the CPU backend, batch 128:
 * batch-norm statistics (one read of x), the batch-norm backward (two passes: moments, then the input
 * gradient), the same fused with the ReLU (its mask recomputed from x), and PSG's per-sample maxima |x|
 * (one read). {@code layer} is channels-side: 16-32 is [128, 16, 32, 32] (8 MiB a tensor), 32-16 and 64-8
 * are 4 and 2 MiB. Usage: {@code bench/run-jmh.sh -wi 3 -i 5 -w 1 -r 1 -f 1 -tu ms -bm avgt BatchNormBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000", "-Xmx4g"})
public class BatchNormBench {
    @Param({"16-32", "32-16", "64-8"})
    public String layer;

    private Backend be;
    private Tensor x, y, gy, gx, mean, var, invstd, weight, alpha, beta, gw, gb;

    @Setup
    public void setup() {
        be = Backends.getDefault();
        String[] p = layer.split("-");
        int c = Integer.parseInt(p[0]), side = Integer.parseInt(p[1]);
        Generator gen = new Generator(1);
        x = Tensor.randn(gen, DType.F32, 128, c, side, side);
        gy = Tensor.randn(gen, DType.F32, 128, c, side, side);
        gx = Tensor.zeros(DType.F32, 128, c, side, side);
        y = Tensor.zeros(DType.F32, 128, c, side, side);
        mean = Tensor.zeros(DType.F64, c);
        var = Tensor.zeros(DType.F64, c);
        be.batchNormStats(x, mean, var);
        invstd = var.add(1e-5).rsqrt().to(DType.F32);
        weight = Tensor.ones(DType.F32, c);
        alpha = invstd;
        beta = mean.to(DType.F32).neg().mul(invstd);
        be.channelAffineRelu(x, alpha, beta, y);
        gw = Tensor.zeros(DType.F32, c);
        gb = Tensor.zeros(DType.F32, c);
    }

    @Benchmark
    public Tensor stats() {
        be.batchNormStats(x, mean, var);
        return var;
    }

    @Benchmark
    public Tensor backward() {
        be.batchNormBackward(x, gy, mean.to(DType.F32), invstd, weight, gx, gw, gb);
        return gx;
    }

    @Benchmark
    public Tensor reluBackward() {
        be.batchNormReluBackward(x, y, alpha, beta, gy, mean.to(DType.F32), invstd, weight, gx, gw, gb);
        return gx;
    }

    @Benchmark
    public float[] sampleMaxAbs() {
        return PabKernels.sampleMaxAbs(x);
    }
}
