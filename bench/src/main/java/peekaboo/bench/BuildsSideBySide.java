package peekaboo.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The conv layers of {@link ConvLayersTimer} on two builds of the engine at once: each build's classes through its
 * own class loader in one JVM, their calls alternating pass by pass (which build goes first alternates too). On a
 * VM whose speed drifts by 10-20% within minutes, separate runs of two builds differ by more than most changes
 * do; side by side, both builds meet the same drift (bench/HISTORY.md, session 22). Each build has its own thread
 * pool, JIT state and caches of buffers, as it would alone.
 *
 * <p>Usage: {@code BuildsSideBySide classesA,classesB rounds model [layers]}: two {@code target/classes}
 * directories, timed calls per pass, {@code resnet20} or {@code resnet18}, and optionally the indices of
 * {@link ConvLayersTimer#layers}' entries to time (default all). Prints per layer and pass the median ms of A and of
 * B and B's time over A's; {@code -Ddensity=0.3} times the layers with 70% of their weights zero, as PaB's
 * pruned ones. {@code bench/side-by-side.sh} builds the other side from a git revision.
 */
public final class BuildsSideBySide {
    private static final int WARMUP = Integer.getInteger("warmup", 40);
    /** -Ddensity=D below 1 zeroes the rest of every layer's weights at random, as a pruned layer (PaB: 0.3). */
    private static final double DENSITY = Double.parseDouble(System.getProperty("density", "1"));
    private static final String[] PASSES = {"forward", "inputGrad", "weightGrad"};

    private BuildsSideBySide() {
    }

    /** One build: its ConvShape factory and its three Conv2dF32 passes, reached by reflection. */
    private record Build(Method shapeOf, Method[] passes) {
        static Build load(Path classes) throws Exception {
            ClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            Class<?> shape = loader.loadClass("peekaboo.backend.ConvShape");
            Class<?> conv = loader.loadClass("peekaboo.backend.cpu.Conv2dF32");
            Class<?> f = float[].class;
            Class<?> i = int.class;
            Method of = shape.getMethod("of", i, i, i, i, i, i, i);
            return new Build(of, new Method[] {
                conv.getMethod("forward", shape, f, i, f, i, f, i, f, i),
                conv.getMethod("inputGrad", shape, f, i, f, i, f, i),
                conv.getMethod("weightGrad", shape, f, i, f, i, f, i)});
        }

        Object shape(int[] l) throws ReflectiveOperationException {
            return shapeOf.invoke(null, l[0], l[1], l[2], l[3], l[4], l[5], l[6]);
        }

        /** Runs one pass on the layer's tensors; returns its time in ms. */
        double run(int pass, Object shape, float[][] t) throws ReflectiveOperationException {
            long t0 = System.nanoTime();
            switch (pass) {
                case 0 -> passes[0].invoke(null, shape, t[0], 0, t[1], 0, null, 0, t[3], 0);
                case 1 -> passes[1].invoke(null, shape, t[2], 0, t[1], 0, t[4], 0);
                default -> passes[2].invoke(null, shape, t[0], 0, t[2], 0, t[5], 0);
            }
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: BuildsSideBySide classesA,classesB rounds resnet20|resnet18 [layer,layer,...]");
            System.exit(2);
        }
        String[] dirs = args[0].split(",");
        int rounds = Integer.parseInt(args[1]);
        int[][] specs = ConvLayersTimer.layers(args[2]);
        List<Integer> chosen = new ArrayList<>();
        for (int li = 0; li < specs.length; li++) {
            if (args.length < 4 || ("," + args[3] + ",").contains("," + li + ",")) {
                chosen.add(li);
            }
        }
        Build[] builds = {Build.load(Path.of(dirs[0])), Build.load(Path.of(dirs[1]))};
        Random rnd = new Random(1);
        Object[][] shapes = new Object[2][specs.length];
        float[][][] tensors = new float[specs.length][][];
        for (int li : chosen) {
            int[] l = specs[li];
            for (int s = 0; s < 2; s++) {
                shapes[s][li] = builds[s].shape(l);
            }
            int oh = (l[2] + 2 * l[6] - l[4]) / l[5] + 1;
            float[] x = gaussian(rnd, l[0] * l[1] * l[2] * l[2]);
            float[] w = gaussian(rnd, l[3] * l[1] * l[4] * l[4]);
            for (int i = 0; i < w.length; i++) {
                if (rnd.nextDouble() >= DENSITY) {
                    w[i] = 0f;
                }
            }
            float[] dy = gaussian(rnd, l[0] * l[3] * oh * oh);
            tensors[li] = new float[][] {x, w, dy, new float[dy.length], new float[x.length], new float[w.length]};
        }
        double[][][][] ms = new double[2][specs.length][3][rounds];
        try {
            for (int r = -WARMUP; r < rounds; r++) {
                for (int li : chosen) {
                    for (int pass = 0; pass < 3; pass++) {
                        for (int k = 0; k < 2; k++) {
                            int s = (r & 1) == 0 ? k : 1 - k;
                            double t = builds[s].run(pass, shapes[s][li], tensors[li]);
                            if (r >= 0) {
                                ms[s][li][pass][r] = t;
                            }
                        }
                    }
                }
            }
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("a build's pass failed", e.getCause());
        }
        System.out.printf("A: %s%nB: %s%nmedians of %d alternating calls, ms (B/A)%n", dirs[0], dirs[1], rounds);
        for (int li : chosen) {
            int[] l = specs[li];
            StringBuilder line = new StringBuilder(String.format("%3d->%-3d %2dx%-2d %dx%d s%d:", l[1], l[3], l[2], l[2],
                    l[4], l[4], l[5]));
            for (int pass = 0; pass < 3; pass++) {
                double a = median(ms[0][li][pass]);
                double b = median(ms[1][li][pass]);
                line.append(String.format("  %s %.3f %.3f (%.2f)", PASSES[pass], a, b, b / a));
            }
            System.out.println(line);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }
}
