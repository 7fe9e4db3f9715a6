package peekaboo.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * Bop invariants (spec section 3) on random tensors: magnitudes never change; exactly the entries with
 * |m| >= tau and sign(m) == sign(p) flip; pruned entries (mask 0, so gradient 0) never flip, whether
 * pruned before training or after some steps (then m only shrinks toward 0 and keeps its sign); the
 * first step gives m = g + gamma g; flip counts equal the sign changes. Every case derives from one seed.
 */
class BopProperties {
    /** A random run: two parameters, dtype, gamma, tau, steps, a mask applied from step pruneFrom on. */
    record Case(long seed, DType dtype, double ar, double tau, int steps, int pruneFrom, int[][] shapes) {
        static Case random(long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            double[] ars = {1e-3, 0.05, 0.3, 0.5, 0.9, 1e-7};
            double[] taus = {0.0, 1e-6, 0.01, 0.1, 0.5};
            int[][] shapes = {{1 + r.nextInt(4), 1 + r.nextInt(3), 1 + r.nextInt(3), 1 + r.nextInt(3)}, {1 + r.nextInt(6)}};
            int steps = 1 + r.nextInt(7);
            return new Case(seed, r.nextBoolean() ? DType.F32 : DType.F64, ars[r.nextInt(ars.length)], taus[r.nextInt(taus.length)], steps,
                    r.nextInt(steps + 1), shapes);
        }

        Map<String, Tensor> params() {
            Generator g = new Generator(seed);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (int i = 0; i < shapes.length; i++) {
                Tensor p = Tensor.randn(g, DType.F64, shapes[i]);
                double[] v = p.toDoubleArray();
                for (int j = 0; j < v.length; j++) if (v[j] == 0) v[j] = 1; // weights are nonzero: a sign change is visible
                out.put("p" + i, Tensor.of(v, shapes[i]).to(dtype).requiresGrad(true));
            }
            return out;
        }

        double[] mask(int i) {
            SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL ^ i);
            double[] m = new double[Arrays.stream(shapes[i]).reduce(1, (a, b) -> a * b)];
            for (int j = 0; j < m.length; j++) m[j] = r.nextDouble() < 0.4 ? 0 : 1;
            return m;
        }

        /** The gradient at step k: gaussian or sign-valued (PSG), some exact zeros, times the mask once pruned. */
        Tensor grad(int i, int k) {
            SplittableRandom r = new SplittableRandom(seed * 31 + k * 7 + i);
            boolean signs = r.nextBoolean();
            double[] mask = mask(i);
            double[] g = new double[mask.length];
            double scale = Math.exp(r.nextDouble() * 6 - 4);
            for (int j = 0; j < g.length; j++) {
                double v = r.nextDouble() < 0.1 ? 0 : r.nextGaussian() * scale;
                if (signs) v = Math.signum(v);
                g[j] = k >= pruneFrom ? v * mask[j] : v;
            }
            return Tensor.of(g, shapes[i]).to(dtype);
        }

        @Override
        public String toString() {
            return "Case[seed=" + seed + ", " + dtype + ", ar=" + ar + ", tau=" + tau + ", steps=" + steps + ", pruneFrom=" + pruneFrom
                    + ", shapes=" + Arrays.deepToString(shapes) + "]";
        }
    }

    @Provide
    Arbitrary<Case> cases() { return Arbitraries.longs().map(Case::random); }

    /** One step's before/after values per parameter, checked by the caller. */
    interface StepCheck {
        void check(String name, int k, double[] gBefore, double[] pBefore, double[] mBefore, double[] pAfter, double[] mAfter, long flips);
    }

    static Bop run(Case c, StepCheck check) {
        Map<String, Tensor> ps = c.params();
        Bop bop = new Bop(ps, c.ar(), c.tau());
        for (int k = 0; k < c.steps(); k++) {
            Map<String, double[]> pBefore = new LinkedHashMap<>(), mBefore = new LinkedHashMap<>(), gs = new LinkedHashMap<>();
            Map<String, Tensor> s0 = bop.stateDict();
            int i = 0;
            for (Map.Entry<String, Tensor> e : ps.entrySet()) {
                Tensor g = c.grad(i++, k);
                e.getValue().setGrad(g);
                gs.put(e.getKey(), g.toDoubleArray());
                pBefore.put(e.getKey(), e.getValue().toDoubleArray());
                mBefore.put(e.getKey(), s0.get("bop.m." + e.getKey()).toDoubleArray());
            }
            bop.step();
            Map<String, Tensor> s1 = bop.stateDict();
            long total = 0;
            for (String n : ps.keySet()) {
                long f = bop.flipsLastStepByParameter().get(n);
                total += f;
                check.check(n, k, gs.get(n), pBefore.get(n), mBefore.get(n), ps.get(n).toDoubleArray(), s1.get("bop.m." + n).toDoubleArray(), f);
            }
            assertEquals(total, bop.flipsLastStep(), "total flips of step " + k);
        }
        return bop;
    }

    @Property(seed = "204")
    void magnitudesNeverChange(@ForAll("cases") Case c) {
        run(c, (n, k, g, p0, m0, p1, m1, flips) -> {
            for (int j = 0; j < p0.length; j++) assertEquals(Math.abs(p0[j]), Math.abs(p1[j]), 0.0, n + "[" + j + "] step " + k);
        });
    }

    @Property(seed = "205")
    void exactlyTheEntriesWithLargeAgreeingMomentumFlip(@ForAll("cases") Case c) {
        double tau = c.dtype() == DType.F32 ? (float) c.tau() : c.tau();
        run(c, (n, k, g, p0, m0, p1, m1, flips) -> {
            long changes = 0;
            for (int j = 0; j < p0.length; j++) {
                boolean flipped = Math.signum(p0[j]) != Math.signum(p1[j]);
                boolean due = Math.abs(m1[j]) >= tau && Math.signum(m1[j]) == Math.signum(p0[j]);
                assertEquals(due, flipped, n + "[" + j + "] step " + k + ": m " + m1[j] + ", p " + p0[j] + ", tau " + tau);
                if (flipped) changes++;
                // after every step: sign(m) != sign(p) or |m| < tau (why pruned entries can never flip later)
                assertTrue(Math.abs(m1[j]) < tau || Math.signum(m1[j]) != Math.signum(p1[j]), n + "[" + j + "] step " + k);
            }
            assertEquals(changes, flips, "flip count = sign changes, " + n + " step " + k);
        });
    }

    @Property(seed = "206")
    void prunedEntriesNeverFlipAndTheirMomentumOnlyDecays(@ForAll("cases") Case c) {
        run(c, (n, k, g, p0, m0, p1, m1, flips) -> {
            if (k < c.pruneFrom()) return;
            double[] mask = c.mask(Integer.parseInt(n.substring(1)));
            for (int j = 0; j < p0.length; j++) {
                if (mask[j] != 0) continue;
                assertTrue(g[j] == 0, "a pruned entry has gradient 0");
                assertEquals(p0[j], p1[j], 0.0, "pruned " + n + "[" + j + "] flipped at step " + k);
                assertTrue(Math.abs(m1[j]) <= Math.abs(m0[j]), "|m| of pruned " + n + "[" + j + "] grew at step " + k);
                assertTrue(Math.signum(m1[j]) == Math.signum(m0[j]) || m1[j] == 0, "m of pruned " + n + "[" + j + "] changed sign");
            }
        });
    }

    @Property(seed = "207")
    void theFirstStepGivesGPlusGammaG(@ForAll("cases") Case c) {
        float yf = (float) c.ar();
        run(c, (n, k, g, p0, m0, p1, m1, flips) -> {
            if (k != 0) return;
            for (int j = 0; j < g.length; j++) {
                double expected = c.dtype() == DType.F32 ? (double) ((float) g[j] + (float) g[j] * yf) : g[j] + g[j] * c.ar();
                assertEquals(expected, m1[j], 0.0, n + "[" + j + "]");
            }
        });
    }

    @Property(seed = "208")
    void laterStepsAverageWithOneMinusGamma(@ForAll("cases") Case c) {
        float yf = (float) c.ar(), keep = (float) (1 - c.ar());
        run(c, (n, k, g, p0, m0, p1, m1, flips) -> {
            if (k == 0) return;
            for (int j = 0; j < g.length; j++) {
                double expected = c.dtype() == DType.F32 ? (double) ((float) m0[j] * keep + (float) g[j] * yf) : m0[j] * (1 - c.ar()) + g[j] * c.ar();
                assertEquals(expected, m1[j], 0.0, n + "[" + j + "] step " + k);
            }
        });
    }

    @Property(seed = "209")
    void accumulatedCountsAreTheSignChangesPerEntry(@ForAll("cases") Case c) {
        Map<String, long[]> changes = new LinkedHashMap<>();
        Bop bop = run(c, (n, k, g, p0, m0, p1, m1, flips) -> {
            long[] ch = changes.computeIfAbsent(n, x -> new long[p0.length]);
            for (int j = 0; j < p0.length; j++) if (Math.signum(p0[j]) != Math.signum(p1[j])) ch[j]++;
        });
        changes.forEach((n, ch) -> assertEquals(Arrays.toString(ch), Arrays.toString(bop.flipCounts().get(n).toLongArray()), n));
    }
}
