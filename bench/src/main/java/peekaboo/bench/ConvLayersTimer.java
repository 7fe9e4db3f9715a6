package peekaboo.bench;

import java.util.Arrays;
import java.util.Random;
import peekaboo.backend.ConvShape;
import peekaboo.backend.cpu.Conv2dF32;

/**
 * Times the three passes of every distinct conv layer of CIFAR ResNet-20 (batch 128) or ResNet-18
 * (batch 32): median of {@code reps} calls after warm-up, in ms and GFLOP/s, and the step total.
 * Usage: java ... peekaboo.bench.ConvLayersTimer [resnet20|resnet18] [reps] [peak GFLOP/s] [density]
 * (density below 1 zeroes that fraction of every layer's weights at random, as a pruned layer;
 * GFLOP/s still count the dense work).
 */
public final class ConvLayersTimer {
    /**
     * Untimed calls per pass first. With 3, the first rows ran on code C2 had not finished compiling
     * (ResNet-20's RGB layer weight gradient: 3.1 ms here against 1.1 ms warm).
     */
    private static final int WARMUP = 15;

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "resnet20";
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        double peak = args.length > 2 ? Double.parseDouble(args[2]) : 233.6;
        double density = args.length > 3 ? Double.parseDouble(args[3]) : 1.0;
        // {n, c, hw, k, rs, stride, pad, count in the model}
        int[][] layers = model.equals("resnet18") ? new int[][] {
            {32, 3, 32, 64, 3, 1, 1, 1}, {32, 64, 32, 64, 3, 1, 1, 4},
            {32, 64, 32, 128, 3, 2, 1, 1}, {32, 128, 16, 128, 3, 1, 1, 3}, {32, 64, 32, 128, 1, 2, 0, 1},
            {32, 128, 16, 256, 3, 2, 1, 1}, {32, 256, 8, 256, 3, 1, 1, 3}, {32, 128, 16, 256, 1, 2, 0, 1},
            {32, 256, 8, 512, 3, 2, 1, 1}, {32, 512, 4, 512, 3, 1, 1, 3}, {32, 256, 8, 512, 1, 2, 0, 1}}
            : new int[][] {
            {128, 3, 32, 16, 3, 1, 1, 1}, {128, 16, 32, 16, 3, 1, 1, 6},
            {128, 16, 32, 32, 3, 2, 1, 1}, {128, 32, 16, 32, 3, 1, 1, 5},
            {128, 32, 16, 64, 3, 2, 1, 1}, {128, 64, 8, 64, 3, 1, 1, 5},
            {128, 16, 32, 32, 1, 2, 0, 1}, {128, 32, 16, 64, 1, 2, 0, 1}};
        Random rnd = new Random(1);
        double total = 0;
        String[] names = {"forward", "inputGrad", "weightGrad"};
        // -Dlayers=1,3 times only those rows (0-based), e.g. to see one kernel compiled on its own
        String only = System.getProperty("layers");
        for (int li = 0; li < layers.length; li++) {
            int[] l = layers[li];
            if (only != null && !("," + only + ",").contains("," + li + ",")) continue;
            ConvShape g = ConvShape.of(l[0], l[1], l[2], l[3], l[4], l[5], l[6]);
            float[] x = gaussian(rnd, g.inputSize()), w = gaussian(rnd, g.weightSize());
            for (int i = 0; i < w.length; i++) {
                if (rnd.nextDouble() >= density) w[i] = 0f;
            }
            float[] dy = gaussian(rnd, g.outputSize()), y = new float[g.outputSize()];
            float[] dx = new float[g.inputSize()], dw = new float[g.weightSize()];
            StringBuilder line = new StringBuilder(String.format("%3d->%-3d %2dx%-2d %dx%d s%d x%d:", g.c(), g.k(), g.h(),
                    g.w(), g.r(), g.s(), g.strideH(), l[7]));
            // the three passes alternate call by call, so a slow spell of this VM (single rows swung 2x when
            // each pass ran its calls in a row) lands on all three alike
            double[][] t = new double[3][reps];
            for (int r = -WARMUP; r < reps; r++) {
                for (int op = 0; op < 3; op++) {
                    long t0 = System.nanoTime();
                    switch (op) {
                        case 0 -> Conv2dF32.forward(g, x, 0, w, 0, null, 0, y, 0);
                        case 1 -> Conv2dF32.inputGrad(g, dy, 0, w, 0, dx, 0);
                        default -> Conv2dF32.weightGrad(g, x, 0, dy, 0, dw, 0);
                    }
                    if (r >= 0) t[op][r] = (System.nanoTime() - t0) / 1e9;
                }
            }
            for (int op = 0; op < 3; op++) {
                Arrays.sort(t[op]);
                double s = t[op][reps / 2];
                if (!(op == 1 && l[1] == 3)) total += s * l[7]; // the first conv needs no input gradient
                double gf = g.flops() / s / 1e9;
                line.append(String.format("  %s %6.2f ms %5.1f GF/s %3.0f%%", names[op], s * 1e3, gf, 100 * gf / peak));
            }
            System.out.println(line);
        }
        System.out.printf("%s conv total per step: %.1f ms%n", model, total * 1e3);
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
