package peekaboo.pab.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import peekaboo.autograd.Autograd;
import peekaboo.autograd.GradMode;
import peekaboo.data.Batch;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

class PruningProperties {

    static PruneOptions options(PrunerKind kind, double density, int iters, PruneOptions.Scope scope) {
        return new PruneOptions(kind, density, iters, PruneOptions.Schedule.EXPONENTIAL, scope, -1, false);
    }

    static Network resnet20(long seed) { return Models.build("ResNet20", 10, null, InitMethod.KAIMING_NORMAL, new Generator(seed)); }

    static double[] mask(Network net) {
        List<Double> all = new ArrayList<>();
        for (Tensor[] wm : net.prunable().values()) for (double v : wm[1].toDoubleArray()) all.add(v);
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static PruneData batch(long seed, int n) {
        Generator g = new Generator(seed);
        long[] y = new long[n];
        for (int i = 0; i < n; i++) y[i] = g.nextInt(10);
        return PruneData.fixed(Tensor.randn(g, DType.F32, n, 3, 32, 32), Tensor.of(y, n), 256);
    }

    @Property(tries = 8, seed = "210")
    void randomScoresHitTheTargetDensityExactly(@ForAll @DoubleRange(min = 0.01, max = 0.99) double density, @ForAll long seed) {
        Network net = resnet20(1);
        Pruning.Report r = Pruning.prune(net, options(PrunerKind.RAND, density, 1, PruneOptions.Scope.GLOBAL), PruneData.none(new int[] {3, 32, 32}),
                new Generator(seed), null);
        long k = (long) ((1.0 - density) * r.total());
        assertEquals(r.total() - k, r.remaining(), "global: exactly N - k survive when scores have no ties");
    }

    @Property(tries = 5, seed = "211")
    void localScopeHitsTheDensityPerLayer(@ForAll @DoubleRange(min = 0.05, max = 0.95) double density, @ForAll long seed) {
        Network net = resnet20(2);
        Pruning.Report r = Pruning.prune(net, options(PrunerKind.RAND, density, 1, PruneOptions.Scope.LOCAL), PruneData.none(new int[] {3, 32, 32}),
                new Generator(seed), null);
        r.layers().forEach((name, rt) -> {
            long k = (long) ((1.0 - density) * rt[1]);
            assertEquals(k < 1 ? rt[1] : rt[1] - k, rt[0], name);
        });
    }

    @Test
    void localScopeGivesTheClassifierItsOwnDensity() {
        Network net = Models.build("VGG11", 10, null, InitMethod.KAIMING_NORMAL, new Generator(3));
        PruneOptions o = new PruneOptions(PrunerKind.MAG, 0.2, 1, PruneOptions.Schedule.EXPONENTIAL, PruneOptions.Scope.LOCAL, 0.9, false);
        Pruning.Report r = Pruning.prune(net, o, PruneData.none(new int[] {3, 32, 32}), new Generator(0), null);
        long[] cls = r.layers().get("classifier.weight");
        assertEquals(5120 - (long) ((1.0 - 0.9) * 5120), cls[0]);
        long[] conv = r.layers().get("features.0.weight");
        assertEquals(1728 - (long) ((1.0 - 0.2) * 1728), conv[0]);
    }

    @Test
    void magnitudeKeepsTheLargestWeightsAndItsMasksOnlyShrink() {
        Network net = resnet20(4);
        Pruning.prune(net, options(PrunerKind.MAG, 0.5, 1, PruneOptions.Scope.GLOBAL), PruneData.none(new int[] {3, 32, 32}), new Generator(0), null);
        double minKept = Double.MAX_VALUE, maxPruned = 0;
        for (Tensor[] wm : net.prunable().values()) {
            double[] w = wm[0].toDoubleArray(), m = wm[1].toDoubleArray();
            for (int i = 0; i < w.length; i++) {
                if (m[i] == 1) minKept = Math.min(minKept, Math.abs(w[i]));
                else maxPruned = Math.max(maxPruned, Math.abs(w[i]));
            }
        }
        assertTrue(minKept > maxPruned, "every kept |w| exceeds every pruned |w|");
        double[] before = mask(net);
        Pruning.prune(net, options(PrunerKind.MAG, 0.3, 3, PruneOptions.Scope.GLOBAL), PruneData.none(new int[] {3, 32, 32}), new Generator(0), null);
        assertSubset(before, mask(net));
    }

    @Test
    void synflowMasksOnlyShrinkButSnipAndGraspCanBringWeightsBack() {
        PruneData data = batch(5, 16);
        Network net = resnet20(5);
        Pruning.prune(net, options(PrunerKind.MAG, 0.6, 1, PruneOptions.Scope.GLOBAL), data, new Generator(0), null);
        double[] magMask = mask(net);
        Network syn = resnet20(5);
        syn.loadStateDict(net.stateDict(), true);
        Pruning.prune(syn, options(PrunerKind.SYNFLOW, 0.4, 2, PruneOptions.Scope.GLOBAL), data, new Generator(0), null);
        assertSubset(magMask, mask(syn));
        for (PrunerKind kind : new PrunerKind[] {PrunerKind.SNIP, PrunerKind.GRASP}) {
            Network other = resnet20(5);
            other.loadStateDict(net.stateDict(), true);
            // GraSP scores are signed and a pruned weight scores exactly 0: it comes back when the threshold is negative
            double density = kind == PrunerKind.GRASP ? 0.8 : 0.4;
            Pruning.prune(other, options(kind, density, 1, PruneOptions.Scope.GLOBAL), data, new Generator(0), null);
            double[] m = mask(other);
            int revived = 0;
            for (int i = 0; i < m.length; i++) if (magMask[i] == 0 && m[i] == 1) revived++;
            assertTrue(revived > 0, kind + " rebuilds masks from scratch, so weights pruned before can come back");
        }
    }

    static void assertSubset(double[] before, double[] after) {
        for (int i = 0; i < before.length; i++) assertTrue(after[i] <= before[i], "entry " + i + " came back");
    }

    @Property(tries = 10, seed = "212")
    void synflowOnALinearChainEqualsTheClosedForm(@ForAll @IntRange(min = 0, max = 1000) int seed) {
        TinyNet net = TinyNet.chain(seed);
        Tensor w1 = net.prunable().get("fc1.weight")[0].abs(), w2 = net.prunable().get("fc2.weight")[0].abs();
        Map<String, Tensor> s = Scoring.synflow(net, new int[] {4, 1, 1});
        // R = 1' W2 W1 1: dR/dW1[i][j] = sum_k W2[k][i]; dR/dW2[k][i] = sum_j W1[i][j]
        double[][] a = rows(w1), b = rows(w2);
        double[] s1 = s.get("fc1.weight").toDoubleArray(), s2 = s.get("fc2.weight").toDoubleArray();
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 4; j++) {
                double col = 0;
                for (int k = 0; k < 3; k++) col += b[k][i];
                assertEquals(a[i][j] * col, s1[i * 4 + j], 1e-12);
            }
        }
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < 5; i++) {
                double row = 0;
                for (int j = 0; j < 4; j++) row += a[i][j];
                assertEquals(b[k][i] * row, s2[k * 5 + i], 1e-12);
            }
        }
    }

    static double[][] rows(Tensor t) {
        double[] v = t.toDoubleArray();
        int r = t.size(0), c = t.size(1);
        double[][] out = new double[r][c];
        for (int i = 0; i < r; i++) System.arraycopy(v, i * c, out[i], 0, c);
        return out;
    }

    @Test
    void float64SynflowOnDeepNetworksStaysFinite() {
        for (String arch : new String[] {"ResNet110", "VGG19"}) {
            Network twin = Pruning.scoringCopy(Models.build(arch, 10, null, InitMethod.KAIMING_NORMAL, new Generator(6)));
            for (Tensor s : Scoring.synflow(twin, new int[] {3, 32, 32}).values()) {
                for (double v : s.toDoubleArray()) assertTrue(Double.isFinite(v), arch + " produced " + v);
            }
        }
    }

    @Test
    void snipScoreIsTheMaskGradientEvenWherePruned() {
        TinyNet net = TinyNet.conv(7);
        Tensor mask = net.prunable().get("conv.weight")[1];
        try (var s = GradMode.noGrad()) {
            mask.copyFrom(Tensor.rand(new Generator(8), DType.F64, mask.shape()).gt(0.5));
        }
        Generator g = new Generator(9);
        Tensor x = Tensor.randn(g, DType.F64, 4, 2, 5, 5);
        Tensor y = Tensor.of(new long[] {0, 1, 2, 1}, 4);
        PruneData data = PruneData.fixed(x.to(DType.F32), y, 256);
        Map<String, Tensor> scores = Scoring.snip(net, data);
        double total = 0;
        for (Tensor t : scores.values()) total += t.sum().item();
        assertEquals(1.0, total, 1e-12, "normalised to sum 1");
        // unnormalised |dL/dm| by central differences on a few mask entries, pruned ones included
        Batch b = data.pass().get(0);
        double[] m = mask.toDoubleArray();
        double[] raw = Scoring.snip(net, data).get("conv.weight").toDoubleArray();
        double scale = 0;
        int checked = 0;
        for (int i = 0; i < m.length && checked < 12; i += 5, checked++) {
            double fd = Math.abs(lossWithMaskEntry(net, b, mask, i, m[i] + 1e-6) - lossWithMaskEntry(net, b, mask, i, m[i] - 1e-6)) / 2e-6;
            if (scale == 0 && fd > 1e-6) scale = fd / raw[i];
            if (scale != 0) assertEquals(fd, raw[i] * scale, 1e-5 * (1 + fd), "entry " + i + " (mask " + m[i] + ")");
        }
        assertTrue(scale > 0);
    }

    static double lossWithMaskEntry(Network net, Batch b, Tensor mask, int index, double value) {
        double[] m = mask.toDoubleArray();
        double old = m[index];
        m[index] = value;
        try (var s = GradMode.noGrad()) {
            mask.copyFrom(Tensor.of(m, mask.shape()));
            double loss = F.crossEntropy(net.forward(b.inputs().to(DType.F64)), b.targets()).item();
            m[index] = old;
            mask.copyFrom(Tensor.of(m, mask.shape()));
            return loss;
        }
    }

    @Test
    void graspScoreIsWeightTimesHessianGradientProduct() {
        TinyNet net = TinyNet.conv(10);
        Generator g = new Generator(11);
        Tensor x = Tensor.randn(g, DType.F64, 6, 2, 5, 5);
        Tensor y = Tensor.of(new long[] {0, 1, 2, 1, 0, 2}, 6);
        PruneData data = PruneData.fixed(x.to(DType.F32), y, 256);
        Map<String, Tensor> scores = Scoring.grasp(net, data);
        Map<String, Tensor[]> prunable = net.prunable();
        List<String> names = new ArrayList<>(prunable.keySet());
        Tensor[] w = new Tensor[names.size()];
        for (int i = 0; i < w.length; i++) w[i] = prunable.get(names.get(i))[0];
        Batch b = data.pass().get(0);
        Tensor[] grad = gradient(net, b, w);
        // H g by central differences of the gradient along g
        double eps = 1e-5;
        Tensor[] plus = shifted(net, b, w, grad, eps), minus = shifted(net, b, w, grad, -eps);
        double total = 0;
        double[][] raw = new double[w.length][];
        for (int i = 0; i < w.length; i++) {
            double[] p = plus[i].toDoubleArray(), m = minus[i].toDoubleArray(), wv = w[i].toDoubleArray();
            raw[i] = new double[p.length];
            for (int j = 0; j < p.length; j++) {
                raw[i][j] = wv[j] * (p[j] - m[j]) / (2 * eps);
                total += raw[i][j];
            }
        }
        double norm = Math.abs(total) + Scoring.GRASP_EPS;
        for (int i = 0; i < w.length; i++) {
            double[] s = scores.get(names.get(i)).toDoubleArray();
            for (int j = 0; j < s.length; j++) assertEquals(raw[i][j] / norm, s[j], 1e-6 * (1 + Math.abs(s[j])), names.get(i) + "[" + j + "]");
        }
    }

    static Tensor[] gradient(Network net, Batch b, Tensor[] w) {
        Tensor loss = F.crossEntropy(net.forward(b.inputs().to(DType.F64)).div(Scoring.GRASP_TEMPERATURE), b.targets());
        return Autograd.grad(new Tensor[] {loss}, null, w, false, false, true);
    }

    static Tensor[] shifted(Network net, Batch b, Tensor[] w, Tensor[] direction, double eps) {
        Tensor[] saved = new Tensor[w.length];
        try (var s = GradMode.noGrad()) {
            for (int i = 0; i < w.length; i++) {
                saved[i] = w[i].clone();
                w[i].copyFrom(w[i].add(direction[i].mul(eps)));
            }
        }
        Tensor[] g = gradient(net, b, w);
        try (var s = GradMode.noGrad()) {
            for (int i = 0; i < w.length; i++) w[i].copyFrom(saved[i]);
        }
        return g;
    }
}
