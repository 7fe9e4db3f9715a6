package peekaboo.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import peekaboo.backend.ConvShape;
import peekaboo.backend.cpu.Conv2dF32;

/**
 * Times the three passes of every distinct conv layer of CIFAR ResNet-20 (batch 128) or ResNet-18
 * (batch 32): median of {@code reps} calls after warm-up, in ms and GFLOP/s, and the step total.
 * Usage: java ... peekaboo.bench.ConvLayersTimer [resnet20|resnet18] [reps] [peak GFLOP/s] [density]
 * (density below 1 zeroes that fraction of every layer's weights at random, as a pruned layer;
 * GFLOP/s still count the dense work). {@code -Dlayers=1,3} times only those rows (0-based);
 * {@code -Dtsv=true} prints one tab-separated line per layer and pass (for bench/conv-layers.sh); {@code -Dhot=true}
 * see {@link #HOT}.
 *
 * <p>Method, the same as bench/torch/conv_layers.py's: every layer's three passes run in turn, layer after
 * layer, as in a training step ({@link #WARMUP} untimed sweeps over all layers, then {@code reps} timed
 * sweeps). A call therefore finds its operands where the other layers' calls left the caches, not warm from
 * a call of its own, and a slow spell of this VM lands on all rows alike.
 */
public final class ConvLayersTimer {
    /**
     * Untimed sweeps over all layers first. Timed right after 15 warm-up calls of its own (this timer until
     * session 18), ResNet-20's stride-2 layers ran at half their speed: C2 was still compiling (16->32
     * stride 2, the passes alternating: 2.0-2.5 ms a forward over the first 40 calls, 1.1 ms from the 60th).
     */
    private static final int WARMUP = Integer.getInteger("warmup", 40);

    /**
     * {@code -Dhot=true}: after the same warm-up, each layer's calls are timed in a row (its three passes
     * alternating), so that its operands are in the caches as far as they fit (ResNet-20's layers: 20-30 MB
     * against a 32 MB L3). A training step lies between: a layer's input was written by the op just before it.
     */
    private static final boolean HOT = Boolean.getBoolean("hot");

    /** {n, c, hw, k, rs, stride, pad, count in the model} of the two models' distinct conv layers. */
    static int[][] layers(String model) {
        return model.equals("resnet18") ? new int[][] {
            {32, 3, 32, 64, 3, 1, 1, 1}, {32, 64, 32, 64, 3, 1, 1, 4},
            {32, 64, 32, 128, 3, 2, 1, 1}, {32, 128, 16, 128, 3, 1, 1, 3}, {32, 64, 32, 128, 1, 2, 0, 1},
            {32, 128, 16, 256, 3, 2, 1, 1}, {32, 256, 8, 256, 3, 1, 1, 3}, {32, 128, 16, 256, 1, 2, 0, 1},
            {32, 256, 8, 512, 3, 2, 1, 1}, {32, 512, 4, 512, 3, 1, 1, 3}, {32, 256, 8, 512, 1, 2, 0, 1}}
            : new int[][] {
            {128, 3, 32, 16, 3, 1, 1, 1}, {128, 16, 32, 16, 3, 1, 1, 6},
            {128, 16, 32, 32, 3, 2, 1, 1}, {128, 32, 16, 32, 3, 1, 1, 5},
            {128, 32, 16, 64, 3, 2, 1, 1}, {128, 64, 8, 64, 3, 1, 1, 5},
            {128, 16, 32, 32, 1, 2, 0, 1}, {128, 32, 16, 64, 1, 2, 0, 1}};
    }

    /** One layer's tensors. */
    private record Layer(int[] spec, ConvShape g, float[] x, float[] w, float[] dy, float[] y, float[] dx, float[] dw) {
        /** The three passes in turn; round r >= 0 records their times in seconds at seconds[pass][r]. */
        void runPasses(int r, double[][] seconds) {
            for (int pass = 0; pass < 3; pass++) {
                long t0 = System.nanoTime();
                switch (pass) {
                    case 0 -> Conv2dF32.forward(g, x, 0, w, 0, null, 0, y, 0);
                    case 1 -> Conv2dF32.inputGrad(g, dy, 0, w, 0, dx, 0);
                    default -> Conv2dF32.weightGrad(g, x, 0, dy, 0, dw, 0);
                }
                if (r >= 0) {
                    seconds[pass][r] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "resnet20";
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        double peak = args.length > 2 ? Double.parseDouble(args[2]) : 233.6;
        double density = args.length > 3 ? Double.parseDouble(args[3]) : 1.0;
        boolean tsv = Boolean.getBoolean("tsv");
        String only = System.getProperty("layers");
        int[][] specs = layers(model);
        Random rnd = new Random(1);
        List<Layer> chosen = new ArrayList<>();
        for (int li = 0; li < specs.length; li++) {
            int[] l = specs[li];
            if (only != null && !("," + only + ",").contains("," + li + ",")) continue;
            ConvShape g = ConvShape.of(l[0], l[1], l[2], l[3], l[4], l[5], l[6]);
            float[] x = gaussian(rnd, g.inputSize()), w = gaussian(rnd, g.weightSize());
            for (int i = 0; i < w.length; i++) {
                if (rnd.nextDouble() >= density) w[i] = 0f;
            }
            chosen.add(new Layer(l, g, x, w, gaussian(rnd, g.outputSize()), new float[g.outputSize()],
                    new float[g.inputSize()], new float[g.weightSize()]));
        }
        double[][][] t = new double[chosen.size()][3][reps];
        for (int r = -WARMUP; r < (HOT ? 0 : reps); r++) {
            for (int li = 0; li < chosen.size(); li++) {
                chosen.get(li).runPasses(r, t[li]);
            }
        }
        for (int li = 0; HOT && li < chosen.size(); li++) { // each layer's calls in a row, its passes alternating
            for (int r = -1; r < reps; r++) {
                chosen.get(li).runPasses(r, t[li]);
            }
        }
        String[] names = {"forward", "inputGrad", "weightGrad"};
        double total = 0;
        for (int li = 0; li < chosen.size(); li++) {
            Layer layer = chosen.get(li);
            ConvShape g = layer.g();
            int[] l = layer.spec();
            String name = String.format("%d->%d %dx%d %dx%d s%d", g.c(), g.k(), g.h(), g.w(), g.r(), g.s(), g.strideH());
            StringBuilder line = new StringBuilder(String.format("%3d->%-3d %2dx%-2d %dx%d s%d x%d:", g.c(), g.k(),
                    g.h(), g.w(), g.r(), g.s(), g.strideH(), l[7]));
            for (int pass = 0; pass < 3; pass++) {
                Arrays.sort(t[li][pass]);
                double s = t[li][pass][reps / 2];
                if (!(pass == 1 && l[1] == 3)) total += s * l[7]; // the first conv needs no input gradient
                double gf = g.flops() / s / 1e9;
                if (tsv) {
                    System.out.printf("%s\t%d\t%s\t%.4f\t%.1f%n", name, l[7], names[pass], s * 1e3, gf);
                }
                line.append(String.format("  %s %6.2f ms %5.1f GF/s %3.0f%%", names[pass], s * 1e3, gf, 100 * gf / peak));
            }
            if (!tsv) System.out.println(line);
        }
        if (!tsv) System.out.printf("%s conv total per step: %.1f ms%n", model, total * 1e3);
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
