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
        Stepper main = Stepper.of(s, classes, g, out);
        double[] seconds = new double[steps];
        JitClock jit = new JitClock();
        for (int i = -warmup; i < steps; i++) {
            if (i == 0) jit.start();
            double dt = main.step();
            if (i >= 0) {
                seconds[i] = dt;
                out.printf("step %d: %.3f s, %.1f images/s%n", i + 1, dt, s.batchSize() / dt);
            }
        }
        jit.report(Arrays.stream(seconds).sum(), steps, out);
        return s.batchSize() / median(seconds);
    }

    /**
     * The steps of s and of other (same batch size) taken in turn in one process, the order swapped every step,
     * so that both see the same machine: on shared virtual cores the pace of separate runs of the same step
     * drifts by 10-20% within minutes (bench/HISTORY.md, session 14), more than the difference a
     * comparison of two steps is after. Returns the median images/s of s and of other; prints the steps of s
     * as {@link #run} does, and other's as "other step N: ...".
     */
    public static double[] runAlternating(TrainSettings s, TrainSettings other, int classes, int warmup, int steps,
            PrintStream out) {
        Generator g = new Generator(s.seed());
        Stepper[] steppers = {Stepper.of(s, classes, g, out), Stepper.of(other, classes, g, out)};
        double[][] seconds = new double[2][steps];
        JitClock jit = new JitClock();
        for (int i = -warmup; i < steps; i++) {
            if (i == 0) jit.start();
            for (int k = 0; k < 2; k++) {
                int m = (i & 1) == 0 ? k : 1 - k;
                double dt = steppers[m].step();
                if (i >= 0) {
                    seconds[m][i] = dt;
                    out.printf("%s %d: %.3f s, %.1f images/s%n", m == 0 ? "step" : "other step", i + 1, dt,
                            (m == 0 ? s : other).batchSize() / dt);
                }
            }
        }
        jit.report(Arrays.stream(seconds[0]).sum() + Arrays.stream(seconds[1]).sum(), 2 * steps, out);
        return new double[] {s.batchSize() / median(seconds[0]), other.batchSize() / median(seconds[1])};
    }

    private static double median(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** One network, its optimisers and a fixed random batch: a full training step at a time. */
    private record Stepper(Network net, Optimizers optim, Tensor x, Tensor target) {
        static Stepper of(TrainSettings s, int classes, Generator g, PrintStream out) {
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
            return new Stepper(net, optim, x, target);
        }

        /** One step (zero grad, forward, loss, backward, optimiser); its wall time in seconds. */
        double step() {
            long t0 = System.nanoTime();
            optim.zeroGrad();
            try (StepArena arena = StepArena.open()) { // as in Trainer: activations back to the pool
                F.crossEntropy(net.forward(x), target).backward();
                Trainer.keepModelState(net, arena);
            }
            optim.step();
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
