package peekaboo.bench;

import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.pab.psg.PsgConfig;
import peekaboo.pab.psg.Quantizer;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * Forward + backward of a Psg model against its plain twin, steps interleaved so that both see the
 * same machine load, and the cost of one quantiser pass. Target: the PSG step at most 1.1x the plain
 * step. Usage: java ... peekaboo.bench.PsgStepTimer [PsgArch] [batch] [steps] (default PsgResNet20 128 10);
 * -Dpsg.flags=seed uses the seed command's flags (8/8/16, threshold 1e-7, sparsify, no sign).
 */
public final class PsgStepTimer {
    public static void main(String[] args) {
        String arch = args.length > 0 ? args[0] : "PsgResNet20";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        PsgConfig cfg = "seed".equals(System.getProperty("psg.flags")) ? new PsgConfig(8, 8, 16, 1e-7, true, false, true) : PsgConfig.DEFAULTS;
        Network psg = Models.build(arch, 10, null, InitMethod.KAIMING_NORMAL, new Generator(0), cfg);
        Network plain = Models.build(Models.plainTwin(arch), 10, null, InitMethod.KAIMING_NORMAL, new Generator(0));
        int[] in = psg.inputShape();
        Tensor x = Tensor.randn(new Generator(1), DType.F32, batch, in[0], in[1], in[2]);
        Tensor y = Tensor.of(new long[batch], batch);
        double[] tp = new double[steps], tq = new double[steps];
        for (int s = 0; s < steps; s++) {
            tp[s] = step(plain, x, y);
            tq[s] = step(psg, x, y);
            System.out.printf("step %d: plain %.3f s, psg %.3f s%n", s, tp[s], tq[s]);
        }
        java.util.Arrays.sort(tp);
        java.util.Arrays.sort(tq);
        double p = tp[steps / 2], q = tq[steps / 2];
        System.out.printf("%s vs %s, batch %d, %s: median %.3f s vs %.3f s per step (%.0f vs %.0f images/s), ratio %.3f%n",
                arch, plain.arch(), batch, cfg, q, p, batch / q, batch / p, q / p);
        Tensor act = Tensor.randn(new Generator(2), DType.F32, batch, 16, 32, 32).relu();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 20; r++) {
            long t0 = System.nanoTime();
            Quantizer.quantizeInput(act, 4, false);
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        System.out.printf("quantiser (scale + Q) on [%d, 16, 32, 32]: best %.2f ms%n", batch, best);
    }

    static double step(Network net, Tensor x, Tensor y) {
        long t0 = System.nanoTime();
        net.zeroGrad();
        F.crossEntropy(net.forward(x), y).backward();
        return (System.nanoTime() - t0) / 1e9;
    }
}
