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
import peekaboo.backend.ConvShape;
import peekaboo.backend.Quantization;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * PaB's own kernels on the CPU backend, on the tensors of one ResNet-20 layer at batch 128 (spec sections 3
 * and 4): the PSG quantiser over an activation (8 bits, unsigned, as the seed's --msb-bits for post-ReLU
 * inputs) and over an output gradient (16 bits, signed, --msb-bits-grad), PSG's weight gradient of Q(x) and
 * Q(dy) (the quantisers fused into the kernels' copies) next to the plain weight gradient of the same layer,
 * and one Bop step over the layer's weights. {@code layer} is channels-side: 16-32 is ResNet-20's 16->16
 * 32x32 layer ([128, 16, 32, 32], 8 MiB a tensor), 32-16 and 64-8 the 32->32 16x16 and 64->64 8x8 ones.
 * Usage: {@code bench/run-jmh.sh -wi 3 -i 5 -w 1 -r 1 -f 1 -tu ms -bm avgt PsgBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000", "-Xmx4g"})
public class PsgBench {
    @Param({"16-32", "32-16", "64-8"})
    public String layer;

    private Backend be;
    private ConvShape g;
    private Tensor x, dy, qOut, dw, w, m, flips;
    private Quantization qx, qdy;

    @Setup
    public void setup() {
        be = Backends.getDefault();
        String[] p = layer.split("-");
        int c = Integer.parseInt(p[0]), side = Integer.parseInt(p[1]);
        g = ConvShape.of(128, c, side, c, 3, 1, 1);
        Generator gen = new Generator(1);
        x = Tensor.randn(gen, DType.F32, 128, c, side, side).relu();
        dy = Tensor.randn(gen, DType.F32, 128, c, side, side).mul(1e-3);
        qOut = Tensor.zeros(DType.F32, 128, c, side, side);
        dw = Tensor.zeros(DType.F32, c, c, 3, 3);
        w = Tensor.randn(gen, DType.F32, c, c, 3, 3);
        m = Tensor.randn(gen, DType.F32, c, c, 3, 3).mul(1e-6);
        flips = Tensor.zeros(DType.I64, c, c, 3, 3);
        qx = new Quantization(8, (float) (x.abs().max().item() * 0.8), false);
        qdy = new Quantization(16, (float) dy.abs().max().item(), true);
    }

    @Benchmark
    public Tensor quantizeInput8() {
        be.quantize(x, qx.bits(), qx.max(), qx.signed(), qOut);
        return qOut;
    }

    @Benchmark
    public Tensor quantizeGrad16() {
        be.quantize(dy, qdy.bits(), qdy.max(), qdy.signed(), qOut);
        return qOut;
    }

    @Benchmark
    public Tensor weightGradQuantized() {
        be.conv2dWeightGradQuantized(x, qx, dy, qdy, g, dw);
        return dw;
    }

    @Benchmark
    public Tensor weightGradPlain() {
        be.conv2dWeightGrad(x, dy, g, dw);
        return dw;
    }

    @Benchmark
    public long bopStep() {
        return be.bopStep(w, dw, m, flips, 1e-3, 1e-6, false);
    }
}
