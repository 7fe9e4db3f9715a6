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
import peekaboo.autograd.Autograd;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.HessianProbe;
import peekaboo.testing.TensorGen;

/** log_softmax, softmax, nll_loss and cross_entropy: hand cases, stability on large logits, gradchecks, bad targets. */
class LossesProperties {

    /** Logits [n, k] and valid targets. */
    record Batch(int n, int k, long seed) {
        static Batch random(long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            return new Batch(1 + rnd.nextInt(4), 2 + rnd.nextInt(5), rnd.nextLong());
        }

        Tensor logits() { return TensorGen.randn(seed, n, k).mul(2); }

        Tensor targets() {
            SplittableRandom rnd = new SplittableRandom(seed + 1);
            long[] t = new long[n];
            for (int i = 0; i < n; i++) t[i] = rnd.nextInt(k);
            return Tensor.of(t, n);
        }
    }

    @Provide
    Arbitrary<Batch> batches() { return Arbitraries.longs().map(Batch::random); }

    private static double[] gradOf(Tensor x, java.util.function.Function<Tensor, Tensor> f) {
        Tensor leaf = x.detach().requiresGrad(true);
        return Autograd.grad(new Tensor[] {f.apply(leaf)}, null, new Tensor[] {leaf}, false, false, false)[0].toDoubleArray();
    }

    // ------------------------------------------------------------------ hand cases

    @Example
    void logSoftmaxAndSoftmaxOfSmallVectors() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 1, 3);
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertArrayEquals(new double[] {1 - lse, 2 - lse, 3 - lse}, F.logSoftmax(x, 1).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {Math.exp(1 - lse), Math.exp(2 - lse), Math.exp(3 - lse)}, F.softmax(x, 1).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {-Math.log(2), -Math.log(2)}, F.logSoftmax(Tensor.of(new double[] {5, 5}, 2), 0).toDoubleArray(), 1e-15);
    }

    @Example
    void logSoftmaxAlongDimZeroAndNegativeDims() {
        Tensor x = Tensor.of(new double[] {0, 1, Math.log(3), 1}, 2, 2);
        // columns: {0, ln 3} -> {-ln 4, ln 3 - ln 4}; {1, 1} -> {-ln 2, -ln 2}
        assertArrayEquals(new double[] {-Math.log(4), -Math.log(2), Math.log(3) - Math.log(4), -Math.log(2)},
                F.logSoftmax(x, 0).toDoubleArray(), 1e-15);
        assertArrayEquals(F.logSoftmax(x, 1).toDoubleArray(), F.logSoftmax(x, -1).toDoubleArray());
    }

    @Example
    void nllLossIsMinusMeanOfPickedScores() {
        Tensor logp = Tensor.of(new double[] {-1, -2, -3, -4}, 2, 2);
        assertEquals(2.5, F.nllLoss(logp, Tensor.of(new long[] {1, 0}, 2)).item(), 0.0);
        assertArrayEquals(new double[] {0, -0.5, -0.5, 0}, gradOf(logp, t -> F.nllLoss(t, Tensor.of(new long[] {1, 0}, 2))));
    }

    @Example
    void crossEntropyOfUniformLogitsIsLogK() {
        Tensor logits = Tensor.zeros(DType.F64, 2, 3);
        Tensor t = Tensor.of(new long[] {2, 0}, 2);
        assertEquals(Math.log(3), F.crossEntropy(logits, t).item(), 1e-15);
        // gradient (softmax - onehot) / N
        double third = 1.0 / 3 / 2;
        assertArrayEquals(new double[] {third, third, third - 0.5, third - 0.5, third, third}, gradOf(logits, l -> F.crossEntropy(l, t)), 1e-15);
    }

    @Property(tries = 30, seed = "162")
    void crossEntropyMatchesLogSumExpDefinition(@ForAll("batches") Batch b) {
        Tensor logits = b.logits(), t = b.targets();
        double[] x = logits.toDoubleArray();
        long[] tv = t.toLongArray();
        double loss = 0;
        for (int i = 0; i < b.n(); i++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < b.k(); j++) m = Math.max(m, x[i * b.k() + j]);
            for (int j = 0; j < b.k(); j++) s += Math.exp(x[i * b.k() + j] - m);
            loss += -(x[i * b.k() + (int) tv[i]] - m - Math.log(s));
        }
        assertEquals(loss / b.n(), F.crossEntropy(logits, t).item(), 1e-13 * Math.max(1, Math.abs(loss)));
        assertEquals(F.crossEntropy(logits, t).item(), F.nllLoss(F.logSoftmax(logits, 1), t).item(), 0.0);
        // float32 agrees with float64
        assertEquals(loss / b.n(), F.crossEntropy(logits.to(DType.F32), t).item(), 1e-5 * Math.max(1, Math.abs(loss / b.n())));
    }

    // ------------------------------------------------------------------ large logits

    @Example
    void stableOnLargeLogitsInBothDtypes() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            Tensor x = Tensor.of(new double[] {1e4, 0, -1e4, 1e4, 1e4, 1e4}, 2, 3).to(dt);
            double[] ls = F.logSoftmax(x, 1).toDoubleArray();
            assertArrayEquals(new double[] {0, -1e4, -2e4, -Math.log(3), -Math.log(3), -Math.log(3)}, ls, 1e-6, dt.toString());
            double[] sm = F.softmax(x, 1).toDoubleArray();
            assertArrayEquals(new double[] {1, 0, 0, 1 / 3.0, 1 / 3.0, 1 / 3.0}, sm, 1e-6, dt.toString());
            assertEquals(0, F.crossEntropy(x.narrow(0, 0, 1), Tensor.of(new long[] {0}, 1)).item(), 1e-6, dt.toString());
            assertEquals(2e4, F.crossEntropy(x.narrow(0, 0, 1), Tensor.of(new long[] {2}, 1)).item(), 1e-6 * 2e4, dt.toString());
            double[] g = gradOf(x.to(DType.F64).to(dt), l -> F.crossEntropy(l, Tensor.of(new long[] {2, 1}, 2)));
            for (double v : g) assertTrue(Double.isFinite(v), dt + " gradient " + java.util.Arrays.toString(g));
            assertArrayEquals(new double[] {0.5, 0, -0.5, 1 / 6.0, 1 / 6.0 - 0.5, 1 / 6.0}, g, 1e-6, dt.toString());
        }
        // -1e4 everywhere is stable too
        assertEquals(Math.log(2), F.crossEntropy(Tensor.full(DType.F64, -1e4, 1, 2), Tensor.of(new long[] {1}, 1)).item(), 1e-12);
    }

    @Example
    void secondOrderAtLargeLogitsIsFinite() {
        Tensor x = Tensor.of(new double[] {1e4, 1e4 - 1, -1e4, 3}, 2, 2);
        GradCheck.Fn f = in -> F.logSoftmax(in[0], 1);
        GradCheck.check(f, x);
        GradCheck.checkSecondOrder(f, x);
    }

    // ------------------------------------------------------------------ bad targets

    @Example
    void rejectsBadTargets() {
        Tensor logits = TensorGen.randn(3, 2, 4);
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, Tensor.of(new long[] {0, 4}, 2)), "class == K");
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, Tensor.of(new long[] {-1, 0}, 2)), "negative class");
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, Tensor.of(new double[] {0, 1}, 2)), "float64 targets");
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, Tensor.of(new float[] {0, 1}, 2)), "float32 targets");
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, Tensor.of(new long[] {0, 1, 2}, 3)), "length mismatch");
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, Tensor.of(new long[] {0, 1}, 2, 1)), "2-D targets");
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits.reshape(8), Tensor.of(new long[] {0}, 1)), "1-D logits");
        assertThrows(IllegalArgumentException.class, () -> F.nllLoss(logits, Tensor.of(new long[] {7, 0}, 2)), "nll out of range");
    }

    // ------------------------------------------------------------------ gradchecks

    @Property(tries = 30, seed = "163")
    void logSoftmaxAndSoftmaxGradchecks(@ForAll("batches") Batch b, @ForAll boolean overRows) {
        int dim = overRows ? 0 : 1;
        Tensor x = b.logits().reshape(b.n(), b.k(), 1).mul(1.0);
        try {
            GradCheck.Fn ls = in -> F.logSoftmax(in[0], dim), sm = in -> F.softmax(in[0], dim);
            if (x.size(dim) > 1) HessianProbe.assertNonZero(ls, x);
            GradCheck.check(ls, x);
            GradCheck.checkSecondOrder(ls, x);
            GradCheck.check(sm, x);
            GradCheck.checkSecondOrder(sm, x);
        } catch (AssertionError e) {
            throw new AssertionError(b + " dim " + dim + ": " + e.getMessage(), e);
        }
    }

    @Property(tries = 30, seed = "164")
    void crossEntropyAndNllGradchecks(@ForAll("batches") Batch b) {
        Tensor logits = b.logits(), t = b.targets();
        GradCheck.Fn ce = in -> F.crossEntropy(in[0], t);
        try {
            HessianProbe.assertNonZero(ce, logits);
            GradCheck.check(ce, logits);
            GradCheck.checkSecondOrder(ce, logits);
            Tensor logp = F.logSoftmax(logits, 1);
            GradCheck.check(in -> F.nllLoss(in[0], t), logp);
            // nll_loss is linear; multiply by a second copy of the input's scores to get a non-zero Hessian through gather
            GradCheck.Fn nl = in -> F.nllLoss(in[0], t).mul(F.nllLoss(in[0].mul(in[0]), t));
            HessianProbe.assertNonZero(nl, logp);
            GradCheck.checkSecondOrder(nl, logp);
        } catch (AssertionError e) {
            throw new AssertionError(b + ": " + e.getMessage(), e);
        }
    }

    @Property(tries = 20, seed = "165")
    void softmaxRowsSumToOneAndAreInvariantToShifts(@ForAll("batches") Batch b) {
        Tensor x = b.logits();
        Tensor shift = Tensor.randn(new Generator(b.seed() + 9), DType.F64, b.n(), 1).mul(100);
        double[] s = F.softmax(x, 1).toDoubleArray(), s2 = F.softmax(x.add(shift), 1).toDoubleArray();
        TensorGen.assertClose(s, s2, 1e-12, 1e-10, b.toString());
        for (int i = 0; i < b.n(); i++) {
            double sum = 0;
            for (int j = 0; j < b.k(); j++) sum += s[i * b.k() + j];
            assertEquals(1, sum, 1e-14);
        }
    }
}
