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
import peekaboo.backend.ConvShape;
import peekaboo.backend.DeviceSelector;
import peekaboo.backend.opencl.OpenClBackend;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * The same kernels on each backend through the SPI: SGEMM 512 (0.2684 GFLOP per op) and the
 * ResNet-20 conv layer, batch 128, 16 -> 16 channels, 3x3, 32x32, padding 1 (0.6040 GFLOP per
 * pass: forward, input gradient, weight gradient). Operands stay on the backend; OpenCL work is
 * waited for (clFinish) inside each operation. Usage:
 * {@code bench/run-jmh.sh -wi 2 -i 3 -f 1 BackendBench} (add {@code -p backend=opencl} for one).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000", "-Xmx4g"})
public class BackendBench {
    @Param({"cpu", "opencl", "aparapi"})
    public String backend;

    private Backend be;
    private Tensor a, b, c;
    private final ConvShape g = ConvShape.of(128, 16, 32, 16, 3, 1, 1);
    private Tensor x, w, y, dy, dx, dw;

    @Setup
    public void setup() {
        be = DeviceSelector.select(backend);
        Generator gen = new Generator(1);
        a = Tensor.randn(gen, DType.F32, 1, 512, 512).to(be);
        b = Tensor.randn(gen, DType.F32, 1, 512, 512).to(be);
        c = Tensor.zeros(be, DType.F32, 1, 512, 512);
        x = Tensor.randn(gen, DType.F32, 128, 16, 32, 32).to(be);
        w = Tensor.randn(gen, DType.F32, 16, 16, 3, 3).to(be);
        dy = Tensor.randn(gen, DType.F32, 128, 16, 32, 32).to(be);
        y = Tensor.zeros(be, DType.F32, 128, 16, 32, 32);
        dx = Tensor.zeros(be, DType.F32, 128, 16, 32, 32);
        dw = Tensor.zeros(be, DType.F32, 16, 16, 3, 3);
        System.out.printf("%nBackendBench on %s%n", be.name());
    }

    private void sync() {
        if (be instanceof OpenClBackend o) o.finish();
    }

    @Benchmark
    public Tensor sgemm512() {
        be.matmul(a, b, c);
        sync();
        return c;
    }

    @Benchmark
    public Tensor convForward() {
        be.conv2d(x, w, null, g, y);
        sync();
        return y;
    }

    @Benchmark
    public Tensor convInputGrad() {
        be.conv2dInputGrad(dy, w, g, dx);
        sync();
        return dx;
    }

    @Benchmark
    public Tensor convWeightGrad() {
        be.conv2dWeightGrad(x, dy, g, dw);
        sync();
        return dw;
    }
}
