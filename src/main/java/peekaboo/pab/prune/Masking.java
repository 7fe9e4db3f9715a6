package peekaboo.pab.prune;

import java.util.Map;
import peekaboo.autograd.GradMode;
import peekaboo.tensor.Tensor;

/**
 * Turning scores into masks (spec section 2): masks are rebuilt from scratch; with N scores and
 * k = (int)((1.0 - density) * N), nothing changes when k < 1, otherwise the threshold is the k-th
 * smallest score and mask = score > threshold (ties at the threshold are pruned).
 */
final class Masking {
    private Masking() {}

    /** Global scope: one threshold over all scores together. */
    static void global(Map<String, Tensor> scores, Map<String, Tensor[]> prunable, double density) {
        long n = 0;
        for (Tensor s : scores.values()) n += s.numel();
        long k = (long) ((1.0 - density) * n);
        if (k < 1) return;
        double[] all = new double[Math.toIntExact(n)];
        int at = 0;
        for (Tensor s : scores.values()) {
            double[] v = s.toDoubleArray();
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        double threshold = Tensor.of(all, all.length).kthSmallest(k);
        scores.forEach((name, s) -> setMask(prunable.get(name)[1], s, threshold));
    }

    /**
     * Local scope: each tensor keeps its own fraction; a classifier (2-D with shape[0] == classes) uses
     * {@code classifierDensity} when that is not negative.
     */
    static void local(Map<String, Tensor> scores, Map<String, Tensor[]> prunable, double density, double classifierDensity, int classes) {
        scores.forEach((name, s) -> {
            Tensor w = prunable.get(name)[0];
            boolean classifier = w.dim() == 2 && w.size(0) == classes;
            double d = classifier && classifierDensity >= 0 ? classifierDensity : density;
            long k = (long) ((1.0 - d) * s.numel());
            if (k < 1) return;
            setMask(prunable.get(name)[1], s, s.kthSmallest(k));
        });
    }

    private static void setMask(Tensor mask, Tensor score, double threshold) {
        try (var scope = GradMode.noGrad()) {
            mask.copyFrom(score.gt(threshold));
        }
    }
}
