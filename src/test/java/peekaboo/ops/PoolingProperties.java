package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import peekaboo.autograd.Autograd;
import peekaboo.backend.PoolShape;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.HessianProbe;
import peekaboo.testing.TensorGen;

/** max_pool2d, avg_pool2d and adaptive_avg_pool2d: hand cases (checked against PyTorch 1.13), a loop reference, gradchecks. */
class PoolingProperties {

    record Geo(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, boolean ceil, boolean includePad, long seed) {
        static Geo random(long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            while (true) {
                int kh = 1 + rnd.nextInt(3), kw = 1 + rnd.nextInt(3);
                Geo g = new Geo(1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 2 + rnd.nextInt(6), 2 + rnd.nextInt(6), kh, kw,
                        1 + rnd.nextInt(3), 1 + rnd.nextInt(3), rnd.nextInt(kh / 2 + 1), rnd.nextInt(kw / 2 + 1),
                        rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextLong());
                if (g.h + 2 * g.ph >= g.kh && g.w + 2 * g.pw >= g.kw) return g;
            }
        }

        PoolShape shape() { return new PoolShape(n, c, h, w, kh, kw, sh, sw, ph, pw, ceil, includePad); }

        /** Distinct values spaced 0.25 apart in random order: no ties, and far from ties at finite-difference scale. */
        Tensor distinct() {
            Tensor perm = Tensor.randperm(new Generator(seed), n * c * h * w).to(DType.F64);
            return perm.mul(0.25).sub(n * c * h * w * 0.125).reshape(n, c, h, w);
        }

        Tensor max(Tensor x) { return Pooling.maxPool2d(x, new int[] {kh, kw}, new int[] {sh, sw}, new int[] {ph, pw}, ceil); }

        Tensor avg(Tensor x) { return Pooling.avgPool2d(x, new int[] {kh, kw}, new int[] {sh, sw}, new int[] {ph, pw}, ceil, includePad); }
    }

    @Provide
    Arbitrary<Geo> geometries() { return Arbitraries.longs().map(Geo::random); }

    private static Tensor ramp(double from, double step, int... shape) {
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = from + step * i;
        return Tensor.of(v, shape);
    }

    private static Tensor maxPool(Tensor x, int k, int s, int p, boolean ceil) {
        return Pooling.maxPool2d(x, new int[] {k, k}, new int[] {s, s}, new int[] {p, p}, ceil);
    }

    private static Tensor avgPool(Tensor x, int k, int s, int p, boolean ceil, boolean includePad) {
        return Pooling.avgPool2d(x, new int[] {k, k}, new int[] {s, s}, new int[] {p, p}, ceil, includePad);
    }

    private static double[] grad(Tensor x, java.util.function.Function<Tensor, Tensor> f) {
        Tensor leaf = x.detach().requiresGrad(true);
        return Autograd.grad(new Tensor[] {f.apply(leaf).sum()}, null, new Tensor[] {leaf}, false, false, false)[0].toDoubleArray();
    }

    // ------------------------------------------------------------------ max pool, hand cases

    @Example
    void maxPoolTwoByTwo() {
        Tensor y = F.maxPool2d(ramp(0, 1, 1, 1, 4, 4), 2, 2, 0);
        assertArrayEquals(new double[] {5, 7, 13, 15}, y.toDoubleArray());
    }

    @Example
    void maxPoolPaddingIsMinusInfinityNotZero() {
        // all values negative: a zero-padded max would return 0 at the borders (ImageNet stem: k3 s2 p1)
        Tensor y = F.maxPool2d(ramp(-1, -1, 1, 1, 4, 4), 3, 2, 1);
        assertArrayEquals(new double[] {-1, -2, -5, -6}, y.toDoubleArray());
    }

    @Example
    void maxPoolCeilMode() {
        Tensor x = ramp(0, 1, 1, 1, 5, 5);
        assertArrayEquals(new double[] {6, 8, 9, 16, 18, 19, 21, 23, 24}, maxPool(x, 2, 2, 0, true).toDoubleArray());
        assertArrayEquals(new double[] {6, 8, 16, 18}, maxPool(x, 2, 2, 0, false).toDoubleArray());
        // with padding 1, ceil mode drops a last window that would start in the right padding: 3x3, not 4x4
        Tensor y = maxPool(x, 2, 2, 1, true);
        assertArrayEquals(new int[] {1, 1, 3, 3}, y.shape());
        assertArrayEquals(new double[] {0, 2, 4, 10, 12, 14, 20, 22, 24}, y.toDoubleArray());
    }

    @Example
    void maxPoolTiesGoToTheFirstElementInScanOrder() {
        Tensor x = Tensor.full(DType.F64, 3, 1, 1, 2, 2);
        assertArrayEquals(new double[] {1, 0, 0, 0}, grad(x, t -> maxPool(t, 2, 2, 0, false)));
        // overlapping windows (stride 1) on a constant 3x3: each window's first element gets its window's gradient
        Tensor c = Tensor.full(DType.F64, 1, 1, 1, 3, 3);
        assertArrayEquals(new double[] {1, 1, 0, 1, 1, 0, 0, 0, 0}, grad(c, t -> maxPool(t, 2, 1, 0, false)));
    }

    @Example
    void maxPoolGradientAccumulatesWhereWindowsShareTheArgmax() {
        // the centre 9 is the max of all four overlapping 2x2 windows
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 9, 5, 6, 7, 8}, 1, 1, 3, 3);
        assertArrayEquals(new double[] {9, 9, 9, 9}, maxPool(x, 2, 1, 0, false).toDoubleArray());
        assertArrayEquals(new double[] {0, 0, 0, 0, 4, 0, 0, 0, 0}, grad(x, t -> maxPool(t, 2, 1, 0, false)));
    }

    @Example
    void maxPoolKeepsFloat32() {
        Tensor y = F.maxPool2d(ramp(0, 1, 1, 1, 4, 4).to(DType.F32), 2, 2, 0);
        assertArrayEquals(new float[] {5, 7, 13, 15}, y.toFloatArray());
    }

    @Example
    void maxPoolPropagatesNaNLikePyTorch() {
        Tensor x = Tensor.of(new double[] {1, Double.NaN, 3, 4, 5, 6, 7, 8}, 1, 2, 2, 2);
        double[] y = F.maxPool2d(x, 2, 2, 0).toDoubleArray();
        assertTrue(Double.isNaN(y[0]), "NaN in the window gives NaN");
        assertArrayEquals(new double[] {8}, new double[] {y[1]});
    }

    @Property(tries = 15, seed = "178")
    void nonContiguousInputsGiveTheSameResults(@ForAll("geometries") Geo g) {
        Tensor x = TensorGen.randn(g.seed, g.n, g.c, g.h, g.w);
        Tensor strided = x.transpose(2, 3).contiguous().transpose(2, 3);
        assertArrayEquals(g.max(x).toDoubleArray(), g.max(strided).toDoubleArray(), g.toString());
        assertArrayEquals(g.avg(x).toDoubleArray(), g.avg(strided).toDoubleArray(), g.toString());
        java.util.function.Function<Tensor, Tensor> f = t -> g.max(t).mul(2).add(g.avg(t));
        assertArrayEquals(grad(x, f), grad(strided, f), g.toString());
    }

    // ------------------------------------------------------------------ average pool, hand cases

    @Example
    void avgPoolCountIncludePadBothWays() {
        Tensor x = ramp(1, 1, 1, 1, 2, 2);
        assertArrayEquals(new double[] {0.25, 0.5, 0.75, 1.0}, avgPool(x, 2, 2, 1, false, true).toDoubleArray());
        assertArrayEquals(new double[] {1, 2, 3, 4}, avgPool(x, 2, 2, 1, false, false).toDoubleArray());
    }

    @Example
    void avgPoolCeilModeDividesByTheClippedWindow() {
        Tensor x = ramp(1, 1, 1, 1, 3, 3);
        // windows past the input (not padding) are not counted even with count_include_pad
        assertArrayEquals(new double[] {3, 4.5, 7.5, 9}, avgPool(x, 2, 2, 0, true, true).toDoubleArray());
        assertArrayEquals(new double[] {0.25, 1.25, 2.75, 7}, avgPool(x, 2, 2, 1, true, true).toDoubleArray());
        assertArrayEquals(new double[] {1, 2.5, 5.5, 7}, avgPool(x, 2, 2, 1, true, false).toDoubleArray());
    }

    @Example
    void avgPoolGlobalKernelAndItsGradient() {
        Tensor x = ramp(1, 1, 1, 2, 2, 2);
        assertArrayEquals(new double[] {2.5, 6.5}, F.avgPool2d(x, 2).toDoubleArray());
        double[] g = grad(x, t -> F.avgPool2d(t, 2));
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25}, g);
    }

    @Example
    void adaptiveAvgPool() {
        assertArrayEquals(new double[] {1.5, 3, 4.5}, F.adaptiveAvgPool2d(ramp(1, 1, 1, 1, 1, 5), 1, 3).toDoubleArray());
        Tensor x = ramp(0, 1, 1, 1, 5, 5);
        // rows bins [0,2) [1,4) [3,5); column bins [0,3) [2,5)
        assertArrayEquals(new double[] {3.5, 5.5, 11, 13, 18.5, 20.5}, F.adaptiveAvgPool2d(x, 3, 2).toDoubleArray());
        Tensor global = F.adaptiveAvgPool2d(ramp(0, 1, 2, 1, 3, 3), 1, 1);
        assertArrayEquals(new int[] {2, 1, 1, 1}, global.shape());
        assertArrayEquals(new double[] {4, 13}, global.toDoubleArray());
        // divisible case (a plain average pool)
        assertArrayEquals(new double[] {5, 9, 21, 25}, F.adaptiveAvgPool2d(ramp(0, 1, 1, 1, 4, 4).mul(2), 2, 2).toDoubleArray());
    }

    @Example
    void rejectsBadArguments() {
        Tensor x = TensorGen.randn(1, 1, 1, 4, 4);
        assertThrows(IllegalArgumentException.class, () -> F.maxPool2d(x.reshape(1, 4, 4), 2, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> F.maxPool2d(x, 2, 2, 2)); // padding > kernel / 2
        assertThrows(IllegalArgumentException.class, () -> F.maxPool2d(x, 5, 1, 0)); // kernel larger than input
        assertThrows(IllegalArgumentException.class, () -> F.avgPool2d(x, 2, 0, 0)); // stride 0
        assertThrows(IllegalArgumentException.class, () -> F.adaptiveAvgPool2d(x, 0, 1));
    }

    // ------------------------------------------------------------------ loop references on random geometries

    /** PyTorch's semantics written as plain loops: the window of output (i, j) and max/avg over it. */
    static double[] reference(Geo g, double[] x, boolean max) {
        PoolShape p = g.shape();
        int oh = p.outH(), ow = p.outW();
        double[] out = new double[g.n * g.c * oh * ow];
        for (int plane = 0; plane < g.n * g.c; plane++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    int hs = i * g.sh - g.ph, ws = j * g.sw - g.pw;
                    int he = Math.min(hs + g.kh, g.h + g.ph), we = Math.min(ws + g.kw, g.w + g.pw);
                    int poolSize = (he - hs) * (we - ws);
                    double best = Double.NEGATIVE_INFINITY, sum = 0;
                    int count = 0;
                    for (int a = Math.max(hs, 0); a < Math.min(he, g.h); a++)
                        for (int b = Math.max(ws, 0); b < Math.min(we, g.w); b++) {
                            double v = x[(plane * g.h + a) * g.w + b];
                            best = Math.max(best, v);
                            sum += v;
                            count++;
                        }
                    out[(plane * oh + i) * ow + j] = max ? best : sum / (g.includePad ? poolSize : count);
                }
        return out;
    }

    static int outSize(int in, int k, int s, int p, boolean ceil) {
        int out = (int) (ceil ? Math.ceil((in + 2.0 * p - k) / s) : Math.floor((in + 2.0 * p - k) / s)) + 1;
        if (ceil && (out - 1) * s >= in + p) out--;
        return out;
    }

    @Property(tries = 40, seed = "179")
    void maxAndAvgMatchLoopReference(@ForAll("geometries") Geo g) {
        Tensor x = TensorGen.randn(g.seed, g.n, g.c, g.h, g.w);
        int oh = outSize(g.h, g.kh, g.sh, g.ph, g.ceil), ow = outSize(g.w, g.kw, g.sw, g.pw, g.ceil);
        Tensor mx = g.max(x), av = g.avg(x);
        assertArrayEquals(new int[] {g.n, g.c, oh, ow}, mx.shape(), g.toString());
        assertArrayEquals(new int[] {g.n, g.c, oh, ow}, av.shape(), g.toString());
        assertArrayEquals(reference(g, x.toDoubleArray(), true), mx.toDoubleArray(), g.toString());
        TensorGen.assertClose(reference(g, x.toDoubleArray(), false), av.toDoubleArray(), 1e-15, 1e-14, g.toString());
    }

    @Property(tries = 30, seed = "180")
    void adaptiveMatchesBinDefinition(@ForAll("geometries") Geo g) {
        int oh = 1 + (int) Math.floorMod(g.seed, g.h), ow = 1 + (int) Math.floorMod(g.seed >>> 8, g.w);
        Tensor x = TensorGen.randn(g.seed, g.n, g.c, g.h, g.w);
        double[] xv = x.toDoubleArray(), expected = new double[g.n * g.c * oh * ow];
        for (int plane = 0; plane < g.n * g.c; plane++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    int h0 = i * g.h / oh, h1 = ((i + 1) * g.h + oh - 1) / oh, w0 = j * g.w / ow, w1 = ((j + 1) * g.w + ow - 1) / ow;
                    double s = 0;
                    for (int a = h0; a < h1; a++) for (int b = w0; b < w1; b++) s += xv[(plane * g.h + a) * g.w + b];
                    expected[(plane * oh + i) * ow + j] = s / ((h1 - h0) * (w1 - w0));
                }
        TensorGen.assertClose(expected, F.adaptiveAvgPool2d(x, oh, ow).toDoubleArray(), 1e-15, 1e-14, g + " to " + oh + "x" + ow);
        GradCheck.check(in -> F.adaptiveAvgPool2d(in[0], oh, ow).mul(F.adaptiveAvgPool2d(in[0], oh, ow)), x);
    }

    // ------------------------------------------------------------------ gradchecks

    @Property(tries = 30, seed = "181")
    void maxPoolGradchecksAwayFromTies(@ForAll("geometries") Geo g) {
        Tensor x = g.distinct();
        try {
            HessianProbe.assertGradientNonZero(in -> g.max(in[0]), x);
            GradCheck.check(in -> g.max(in[0]), x);
            // max pool is piecewise linear: square it so the Hessian is non-zero and the double backward (gather) is exercised
            GradCheck.Fn sq = in -> g.max(in[0]).mul(g.max(in[0]));
            HessianProbe.assertNonZero(sq, x);
            GradCheck.checkSecondOrder(sq, x);
        } catch (AssertionError e) {
            throw new AssertionError(g + ": " + e.getMessage(), e);
        }
    }

    @Property(tries = 30, seed = "182")
    void avgPoolGradchecks(@ForAll("geometries") Geo g) {
        Tensor x = TensorGen.randn(g.seed, g.n, g.c, g.h, g.w);
        try {
            GradCheck.check(in -> g.avg(in[0]), x);
            GradCheck.Fn sq = in -> g.avg(in[0]).mul(g.avg(in[0]));
            HessianProbe.assertNonZero(sq, x);
            GradCheck.checkSecondOrder(sq, x);
            // the backward op itself: a function of the upstream gradient, differentiated twice via avg_pool2d_backward's backward
            PoolShape p = g.shape();
            Tensor dy = TensorGen.randn(g.seed + 1, g.n, g.c, p.outH(), p.outW());
            GradCheck.Fn back = in -> {
                Tensor dx = Pooling.avgPoolBackward(in[0], p);
                return dx.mul(dx);
            };
            HessianProbe.assertNonZero(back, dy);
            GradCheck.checkSecondOrder(back, dy);
        } catch (AssertionError e) {
            throw new AssertionError(g + ": " + e.getMessage(), e);
        }
    }

    @Example
    void adaptiveGlobalSecondOrder() {
        Tensor x = TensorGen.randn(5, 2, 3, 4, 5);
        GradCheck.Fn f = in -> F.adaptiveAvgPool2d(in[0].mul(in[0]), 1, 1).mul(F.adaptiveAvgPool2d(in[0], 1, 1));
        GradCheck.check(f, x);
        HessianProbe.assertNonZero(f, x);
        GradCheck.checkSecondOrder(f, x);
        GradCheck.Fn g = in -> F.adaptiveAvgPool2d(in[0], 3, 2).mul(F.adaptiveAvgPool2d(in[0], 3, 2));
        GradCheck.checkSecondOrder(g, x);
    }
}
