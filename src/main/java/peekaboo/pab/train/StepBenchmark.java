package peekaboo.pab.train;

import java.io.PrintStream;
import java.util.Arrays;
import peekaboo.models.InitMethod;
import peekaboo.backend.StepArena;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.pab.prune.PruneData;
import peekaboo.pab.prune.Pruning;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** Images per second of full training steps (forward, backward, optimiser) on random data, as {@code pab bench} reports them. */
public final class StepBenchmark {
    private StepBenchmark() {}

    /** Median images/s over {@code steps} timed steps after {@code warmup} untimed ones. */
    public static double run(TrainSettings s, int classes, int warmup, int steps, PrintStream out) {
        Generator g = new Generator(s.seed());
        Network net = Models.build(s.arch(), classes, null, InitMethod.parse(s.initMethod()), g, s.psg().toConfig());
        int[] in = net.inputShape();
        Tensor x = Tensor.randn(g, DType.F32, s.batchSize(), in[0], in[1], in[2]);
        long[] y = new long[s.batchSize()];
        for (int i = 0; i < y.length; i++) y[i] = g.nextInt(classes);
        Tensor target = Tensor.of(y, y.length);
        if (s.prune() != null) {
            Pruning.prune(net, s.prune(), PruneData.fixed(x, target, s.pruneBatchSize()), g, out);
        }
        boolean imagenet = in[1] >= 224;
        Optimizers optim = new Optimizers(s, net, imagenet);
        net.train(true);
        double[] seconds = new double[steps];
        JitClock jit = new JitClock();
        for (int i = -warmup; i < steps; i++) {
            if (i == 0) jit.start();
            long t0 = System.nanoTime();
            optim.zeroGrad();
            try (StepArena arena = StepArena.open()) { // as in Trainer: activations back to the pool
                F.crossEntropy(net.forward(x), target).backward();
                Trainer.keepModelState(net, arena);
            }
            optim.step();
            double dt = (System.nanoTime() - t0) / 1e9;
            if (i >= 0) {
                seconds[i] = dt;
                out.printf("step %d: %.3f s, %.1f images/s%n", i + 1, dt, s.batchSize() / dt);
            }
        }
        jit.report(Arrays.stream(seconds).sum(), steps, out);
        Arrays.sort(seconds);
        double median = steps % 2 == 1 ? seconds[steps / 2] : (seconds[steps / 2 - 1] + seconds[steps / 2]) / 2;
        return s.batchSize() / median;
    }
}
