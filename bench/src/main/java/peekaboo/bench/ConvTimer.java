package peekaboo.bench;

import java.util.Random;
import peekaboo.backend.cpu.Conv2dF32;
import peekaboo.backend.ConvShape;
import peekaboo.backend.cpu.Parallel;

/** A fast smoke timer (no JMH) for the ResNet-20 layer: java ... peekaboo.bench.ConvTimer [reps]. */
public final class ConvTimer {
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        ConvShape g = ConvShape.of(128, 16, 32, 16, 3, 1, 1);
        Random rnd = new Random(1);
        float[] x = new float[g.inputSize()], w = new float[g.weightSize()], b = new float[g.k()];
        float[] y = new float[g.outputSize()], dy = new float[g.outputSize()];
        float[] dx = new float[g.inputSize()], dw = new float[g.weightSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
            dy[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        String[] names = {"forward", "inputGrad", "weightGrad"};
        for (int round = 0; round < 5; round++) {
            for (int op = 0; op < 3; op++) {
                long t0 = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    switch (op) {
                        case 0 -> Conv2dF32.forward(g, x, 0, w, 0, b, 0, y, 0);
                        case 1 -> Conv2dF32.inputGrad(g, dy, 0, w, 0, dx, 0);
                        default -> Conv2dF32.weightGrad(g, x, 0, dy, 0, dw, 0);
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                double gf = g.flops() * reps / s / 1e9;
                System.out.printf("%-10s threads=%d: %6.1f GFLOP/s (%.0f%% of 233.6)%n", names[op],
                        Parallel.threads(), gf, 100 * gf / 233.6);
            }
        }
    }
}
