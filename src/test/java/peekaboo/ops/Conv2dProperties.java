package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import peekaboo.backend.ConvShape;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.HessianProbe;
import peekaboo.testing.TensorGen;

/**
 * conv2d with stride, padding, dilation, groups and bias: hand-computed cases, the im2col + matmul
 * definition, first- and second-order gradchecks (also of the two gradient convolutions), the adjoint
 * identity, and float32 against float64.
 */
class Conv2dProperties {

    /** A random valid geometry; every random choice derives from {@code seed}. */
    record Geo(int n, int c, int h, int w, int k, int r, int s, int sh, int sw, int ph, int pw, int dh, int dw, int groups,
               boolean bias, long seed) {
        static Geo random(long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            while (true) {
                int groups = 1 + rnd.nextInt(2);
                int cg = 1 + rnd.nextInt(groups == 1 ? 4 : 2), kg = 1 + rnd.nextInt(groups == 1 ? 4 : 2);
                if (groups == 2 && rnd.nextBoolean()) { cg = 1; kg = 1 + rnd.nextInt(2); } // depthwise (multiplier 1 or 2)
                Geo g = new Geo(1 + rnd.nextInt(2), cg * groups, 3 + rnd.nextInt(5), 3 + rnd.nextInt(5), kg * groups,
                        1 + rnd.nextInt(3), 1 + rnd.nextInt(3), 1 + rnd.nextInt(2), 1 + rnd.nextInt(2), rnd.nextInt(3), rnd.nextInt(3),
                        1 + rnd.nextInt(2), 1 + rnd.nextInt(2), groups, rnd.nextBoolean(), rnd.nextLong());
                if (g.h + 2 * g.ph - g.dh * (g.r - 1) - 1 >= 0 && g.w + 2 * g.pw - g.dw * (g.s - 1) - 1 >= 0) return g;
            }
        }

        ConvShape shape() { return new ConvShape(n, c, h, w, k, r, s, sh, sw, ph, pw, dh, dw, groups); }

        Tensor x() { return TensorGen.randn(seed, n, c, h, w); }

        Tensor weight() { return TensorGen.randn(seed + 1, k, c / groups, r, s); }

        Tensor biasOrNull() { return bias ? TensorGen.randn(seed + 2, k) : null; }

        Tensor dy() { ConvShape g = shape(); return TensorGen.randn(seed + 3, n, k, g.outH(), g.outW()); }

        Tensor conv(Tensor x, Tensor w, Tensor b) {
            return Convolution.conv2d(x, w, b, new int[] {sh, sw}, new int[] {ph, pw}, new int[] {dh, dw}, groups);
        }
    }

    @Provide
    Arbitrary<Geo> geometries() { return Arbitraries.longs().map(Geo::random); }

    // ------------------------------------------------------------------ hand-computed cases

    private static Tensor arange(int from, int... shape) {
        double[] v = new double[peekaboo.tensor.Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = from + i;
        return Tensor.of(v, shape);
    }

    private static Tensor full(double v, int... shape) { return Tensor.full(DType.F64, v, shape); }

    @Example
    void plainConvolutionOfARamp() {
        Tensor y = F.conv2d(arange(1, 1, 1, 3, 3), full(1, 1, 1, 2, 2), null, 1, 0);
        assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape());
        assertArrayEquals(new double[] {12, 16, 24, 28}, y.toDoubleArray());
    }

    @Example
    void strideTwoWithZeroPadding() {
        // windows start at -1 and 1 in each axis; padding contributes zeros
        Tensor y = F.conv2d(arange(1, 1, 1, 3, 3), full(1, 1, 1, 2, 2), null, 2, 1);
        assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape());
        assertArrayEquals(new double[] {1, 5, 11, 28}, y.toDoubleArray());
    }

    @Example
    void dilationTwoSamplesEveryOtherPixel() {
        // x[i][j] = 5i + j; a 2x2 kernel of ones dilated by 2 sums x[p][q] + x[p][q+2] + x[p+2][q] + x[p+2][q+2] = 20p + 4q + 24
        Tensor y = F.conv2d(arange(0, 1, 1, 5, 5), full(1, 1, 1, 2, 2), null, 1, 0, 2, 1);
        assertArrayEquals(new int[] {1, 1, 3, 3}, y.shape());
        assertArrayEquals(new double[] {24, 28, 32, 44, 48, 52, 64, 68, 72}, y.toDoubleArray());
    }

    @Example
    void depthwiseWithBias() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 10, 20, 30, 40}, 1, 2, 2, 2);
        Tensor w = Tensor.of(new double[] {2, -1}, 2, 1, 1, 1);
        Tensor y = F.conv2d(x, w, Tensor.of(new double[] {0.5, 1}, 2), 1, 0, 1, 2);
        assertArrayEquals(new double[] {2.5, 4.5, 6.5, 8.5, -9, -19, -29, -39}, y.toDoubleArray());
    }

    @Example
    void twoGroupsDoNotMixChannels() {
        // channels 0,1 feed output 0 and channels 2,3 feed output 1
        Tensor x = Tensor.of(new double[] {1, 10, 100, 1000}, 1, 4, 1, 1);
        Tensor w = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2, 1, 1);
        Tensor y = F.conv2d(x, w, null, 1, 0, 1, 2);
        assertArrayEquals(new double[] {1 + 20, 300 + 4000}, y.toDoubleArray());
    }

    @Example
    void biasIsAddedPerOutputChannelAndAsymmetricGeometry() {
        // 1x4 input, 1x2 kernel, stride (1, 2), padding (0, 1): windows [-1,0], [1,2] -> x0, x1 + x2
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 1, 1, 1, 4);
        Tensor w = Tensor.of(new double[] {1, 1, 2, 2}, 2, 1, 1, 2);
        Tensor y = Convolution.conv2d(x, w, Tensor.of(new double[] {100, -100}, 2), new int[] {1, 2}, new int[] {0, 1}, new int[] {1, 1}, 1);
        assertArrayEquals(new int[] {1, 2, 1, 3}, y.shape());
        assertArrayEquals(new double[] {101, 105, 104, -98, -90, -92}, y.toDoubleArray());
    }

    @Example
    void rejectsInconsistentArguments() {
        Tensor x = TensorGen.randn(1, 1, 4, 5, 5);
        assertThrows(IllegalArgumentException.class, () -> F.conv2d(x, TensorGen.randn(2, 2, 3, 3, 3), null, 1, 0)); // channels
        assertThrows(IllegalArgumentException.class, () -> F.conv2d(x, TensorGen.randn(2, 3, 4, 3, 3), null, 1, 0, 1, 2)); // 3 % 2
        assertThrows(IllegalArgumentException.class, () -> F.conv2d(x, TensorGen.randn(2, 2, 4, 3, 3).to(DType.F32), null, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> F.conv2d(x, TensorGen.randn(2, 2, 4, 3, 3), TensorGen.randn(3, 3), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> F.conv2d(x, TensorGen.randn(2, 2, 4, 7, 7), null, 1, 0)); // too small
        assertThrows(IllegalArgumentException.class, () -> F.conv2d(x, TensorGen.randn(2, 2, 4, 3, 3), null, 0, 0)); // stride 0
        assertThrows(IllegalArgumentException.class, () -> F.conv2d(x.reshape(4, 5, 5), TensorGen.randn(2, 2, 4, 3, 3), null, 1, 0));
    }

    // ------------------------------------------------------------------ definition by im2col + matmul

    /** out[n, group g] = W_g [kg, cg*r*s] @ cols_g [cg*r*s, oh*ow], with cols built by plain loops. */
    static Tensor im2colConv(Geo geo, Tensor x, Tensor w, Tensor bias) {
        ConvShape g = geo.shape();
        int oh = g.outH(), ow = g.outW(), cg = g.cg(), kg = g.kg(), rows = cg * g.r() * g.s();
        double[] xv = x.toDoubleArray();
        Tensor[] perImage = new Tensor[g.n()];
        for (int n = 0; n < g.n(); n++) {
            Tensor[] perGroup = new Tensor[g.groups()];
            for (int grp = 0; grp < g.groups(); grp++) {
                double[] cols = new double[rows * oh * ow];
                for (int c = 0; c < cg; c++)
                    for (int r = 0; r < g.r(); r++)
                        for (int s = 0; s < g.s(); s++)
                            for (int p = 0; p < oh; p++)
                                for (int q = 0; q < ow; q++) {
                                    int ih = p * g.strideH() - g.padH() + r * g.dilH(), iw = q * g.strideW() - g.padW() + s * g.dilW();
                                    boolean inside = ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w();
                                    cols[((c * g.r() + r) * g.s() + s) * oh * ow + p * ow + q] =
                                            inside ? xv[((n * g.c() + grp * cg + c) * g.h() + ih) * g.w() + iw] : 0;
                                }
                Tensor wg = w.narrow(0, grp * kg, kg).reshape(kg, rows);
                perGroup[grp] = wg.matmul(Tensor.of(cols, rows, oh * ow));
            }
            perImage[n] = Tensor.cat(0, perGroup).reshape(1, g.k(), oh, ow);
        }
        Tensor y = Tensor.cat(0, perImage);
        return bias == null ? y : y.add(bias.reshape(1, g.k(), 1, 1));
    }

    @Property(tries = 40, seed = "142")
    void equalsIm2colTimesMatmul(@ForAll("geometries") Geo g) {
        Tensor x = g.x(), w = g.weight(), b = g.biasOrNull();
        Tensor y = g.conv(x, w, b);
        assertArrayEquals(new int[] {g.n, g.k, g.shape().outH(), g.shape().outW()}, y.shape(), g.toString());
        TensorGen.assertClose(im2colConv(g, x, w, b).toDoubleArray(), y.toDoubleArray(), 1e-12, 1e-12, g.toString());
    }

    @Property(tries = 10, seed = "143")
    void acceptsNonContiguousOperands(@ForAll("geometries") Geo g) {
        Tensor x = g.x(), w = g.weight();
        // the same values stored transposed in H and W, viewed back: a strided (non-contiguous) view
        Tensor xt = x.transpose(2, 3).contiguous().transpose(2, 3), wt = w.transpose(2, 3).contiguous().transpose(2, 3);
        assertTrue(!xt.isContiguous() || g.h == 1 || g.w == 1);
        assertArrayEquals(g.conv(x, w, null).toDoubleArray(), g.conv(xt, wt, null).toDoubleArray(), g.toString());
    }

    // ------------------------------------------------------------------ derivatives

    @Property(tries = 25, seed = "144")
    void firstOrderGradcheckInputWeightBias(@ForAll("geometries") Geo g) {
        try {
            if (g.bias) {
                GradCheck.check(in -> g.conv(in[0], in[1], in[2]), g.x(), g.weight(), g.biasOrNull());
            } else {
                GradCheck.check(in -> g.conv(in[0], in[1], null), g.x(), g.weight());
            }
        } catch (AssertionError e) {
            throw new AssertionError(g + ": " + e.getMessage(), e);
        }
    }

    @Property(tries = 15, seed = "145")
    void secondOrderGradcheckInputAndWeightTogether(@ForAll("geometries") Geo g) {
        GradCheck.Fn f = g.bias ? in -> g.conv(in[0], in[1], in[2]) : in -> g.conv(in[0], in[1], null);
        Tensor[] inputs = g.bias ? new Tensor[] {g.x(), g.weight(), g.biasOrNull()} : new Tensor[] {g.x(), g.weight()};
        try {
            HessianProbe.assertNonZero(f, inputs);
            GradCheck.checkSecondOrder(f, inputs);
        } catch (AssertionError e) {
            throw new AssertionError(g + ": " + e.getMessage(), e);
        }
    }

    @Property(tries = 15, seed = "146")
    void inputGradOpHasCorrectFirstAndSecondDerivatives(@ForAll("geometries") Geo g) {
        ConvShape s = g.shape();
        GradCheck.Fn f = in -> Convolution.inputGrad(in[0], in[1], s);
        try {
            GradCheck.check(f, g.dy(), g.weight());
            HessianProbe.assertNonZero(f, g.dy(), g.weight());
            GradCheck.checkSecondOrder(f, g.dy(), g.weight());
        } catch (AssertionError e) {
            throw new AssertionError(g + ": " + e.getMessage(), e);
        }
    }

    @Property(tries = 15, seed = "147")
    void weightGradOpHasCorrectFirstAndSecondDerivatives(@ForAll("geometries") Geo g) {
        ConvShape s = g.shape();
        GradCheck.Fn f = in -> Convolution.weightGrad(in[0], in[1], s);
        try {
            GradCheck.check(f, g.x(), g.dy());
            HessianProbe.assertNonZero(f, g.x(), g.dy());
            GradCheck.checkSecondOrder(f, g.x(), g.dy());
        } catch (AssertionError e) {
            throw new AssertionError(g + ": " + e.getMessage(), e);
        }
    }

    @Property(tries = 15, seed = "148")
    void secondOrderThroughANonlinearity(@ForAll("geometries") Geo g) {
        // conv -> square -> conv-weight product: Hessian terms w.r.t. x alone and w alone are non-zero too
        GradCheck.Fn f = in -> {
            Tensor y = g.conv(in[0], in[1], null);
            return y.mul(y).mul(in[0].sum());
        };
        HessianProbe.assertNonZero(f, g.x(), g.weight());
        GradCheck.checkSecondOrder(f, 1e-4, 1e-3, g.x(), g.weight());
    }

    private static double dot(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        assertEquals(x.length, y.length);
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
    }

    private static double absDot(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) s += Math.abs(x[i] * y[i]);
        return s;
    }

    @Property(tries = 40, seed = "149")
    void adjointIdentity(@ForAll("geometries") Geo g) {
        ConvShape s = g.shape();
        Tensor x = g.x(), w = g.weight(), dy = g.dy();
        Tensor y = g.conv(x, w, null);
        double lhs = dot(y, dy), viaInput = dot(x, Convolution.inputGrad(dy, w, s)), viaWeight = dot(w, Convolution.weightGrad(x, dy, s));
        double scale = Math.max(1, absDot(y, dy));
        assertEquals(lhs, viaInput, 1e-12 * scale, g.toString());
        assertEquals(lhs, viaWeight, 1e-12 * scale, g.toString());
        // non-vacuous: the pairing is a genuine non-zero number
        assertTrue(Math.abs(lhs) > 0, g.toString());
    }

    // ------------------------------------------------------------------ float32 against float64

    @Property(tries = 30, seed = "150")
    void float32AgreesWithFloat64(@ForAll("geometries") Geo g) {
        ConvShape s = g.shape();
        // float32-representable values, so both dtypes see identical operands
        Tensor x = g.x().to(DType.F32).to(DType.F64), w = g.weight().to(DType.F32).to(DType.F64), dy = g.dy().to(DType.F32).to(DType.F64);
        Tensor b = g.bias ? g.biasOrNull().to(DType.F32).to(DType.F64) : null;
        Tensor yd = g.conv(x, w, b), yf = g.conv(x.to(DType.F32), w.to(DType.F32), b == null ? null : b.to(DType.F32));
        assertEquals(DType.F32, yf.dtype());
        // each output sums at most cg*r*s+1 products of N(0,1) values; float32 accumulation error is a few ulps of that
        double tol = 1e-5 * (s.cg() * s.r() * s.s() + 1);
        TensorGen.assertClose(yd.toDoubleArray(), yf.toDoubleArray(), tol, 1e-5, "forward " + g);
        Tensor dxd = Convolution.inputGrad(dy, w, s), dxf = Convolution.inputGrad(dy.to(DType.F32), w.to(DType.F32), s);
        TensorGen.assertClose(dxd.toDoubleArray(), dxf.toDoubleArray(), 1e-5 * s.k() * s.r() * s.s(), 1e-5, "input grad " + g);
        Tensor dwd = Convolution.weightGrad(x, dy, s), dwf = Convolution.weightGrad(x.to(DType.F32), dy.to(DType.F32), s);
        TensorGen.assertClose(dwd.toDoubleArray(), dwf.toDoubleArray(), 1e-5 * s.n() * s.outH() * s.outW(), 1e-5, "weight grad " + g);
    }
}
