package peekaboo.pab.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import peekaboo.autograd.Autograd;
import peekaboo.autograd.GradMode;
import peekaboo.data.Batch;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * The five scores of spec section 2, computed on a float64 model in eval mode whose masks are applied
 * in the forward pass. Each returns weight name -> score tensor (float64, the weight's shape).
 */
final class Scoring {
    /** GraSP's logit temperature and normalisation epsilon. */
    static final double GRASP_TEMPERATURE = 200, GRASP_EPS = 1e-10;

    private Scoring() {}

    static Map<String, Tensor> score(PrunerKind kind, Network model, PruneData data, Generator g) {
        return switch (kind) {
            case MAG -> magnitude(model);
            case SNIP -> snip(model, data);
            case GRASP -> grasp(model, data);
            case SYNFLOW -> synflow(model, data.inputShape());
            case RAND -> random(model, g);
        };
    }

    /** Mag: |w| of the stored weight (the mask is not applied to it). */
    static Map<String, Tensor> magnitude(Network model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var s = GradMode.noGrad()) {
            model.prunable().forEach((name, wm) -> out.put(name, wm[0].abs()));
        }
        return out;
    }

    /** Rand: standard normal scores. */
    static Map<String, Tensor> random(Network model, Generator g) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.prunable().forEach((name, wm) -> out.put(name, Tensor.randn(g, DType.F64, wm[0].shape())));
        return out;
    }

    /** SNIP: |sum over batches of dL/dm| with the mask as the variable, divided by the sum of all scores. */
    static Map<String, Tensor> snip(Network model, PruneData data) {
        Map<String, Tensor[]> prunable = model.prunable();
        List<String> names = new ArrayList<>(prunable.keySet());
        Tensor[] masks = new Tensor[names.size()];
        for (int i = 0; i < masks.length; i++) masks[i] = prunable.get(names.get(i))[1].requiresGrad(true);
        Tensor[] sum = new Tensor[masks.length];
        try {
            for (Batch b : data.pass()) {
                Tensor loss = F.crossEntropy(model.forward(b.inputs().to(DType.F64)), b.targets());
                Tensor[] g = Autograd.grad(new Tensor[] {loss}, null, masks, false, false, true);
                for (int i = 0; i < g.length; i++) {
                    Tensor gi = g[i] == null ? Tensor.zerosLike(masks[i]) : g[i];
                    sum[i] = sum[i] == null ? gi : sum[i].add(gi);
                }
            }
        } finally {
            for (Tensor m : masks) m.requiresGrad(false);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) out.put(names.get(i), sum[i].abs());
        return normalise(out, false, 0);
    }

    /**
     * GraSP: with logits / 200, g = sum over batches of dL/dw (no graph); then per batch, z = sum(g * dL/dw)
     * with the graph, and Hg = sum over batches of dz/dw; score = w * Hg (signed), divided by
     * |sum of all scores| + 1e-10. Two passes over the data, as the reference iterates its loader twice.
     */
    static Map<String, Tensor> grasp(Network model, PruneData data) {
        Map<String, Tensor[]> prunable = model.prunable();
        List<String> names = new ArrayList<>(prunable.keySet());
        Tensor[] weights = new Tensor[names.size()];
        for (int i = 0; i < weights.length; i++) weights[i] = prunable.get(names.get(i))[0];
        Tensor[] stopped = new Tensor[weights.length];
        for (Batch b : data.pass()) {
            Tensor loss = F.crossEntropy(model.forward(b.inputs().to(DType.F64)).div(GRASP_TEMPERATURE), b.targets());
            Tensor[] g = Autograd.grad(new Tensor[] {loss}, null, weights, false, false, true);
            for (int i = 0; i < g.length; i++) stopped[i] = accumulate(stopped[i], g[i], weights[i]);
        }
        Tensor[] hg = new Tensor[weights.length];
        for (Batch b : data.pass()) {
            Tensor loss = F.crossEntropy(model.forward(b.inputs().to(DType.F64)).div(GRASP_TEMPERATURE), b.targets());
            Tensor[] g = Autograd.grad(new Tensor[] {loss}, null, weights, true, true, true);
            Tensor z = Tensor.zeros(DType.F64);
            for (int i = 0; i < g.length; i++) if (g[i] != null) z = z.add(stopped[i].mul(g[i]).sum());
            if (!z.requiresGrad()) continue;
            Tensor[] h = Autograd.grad(new Tensor[] {z}, null, weights, false, false, true);
            for (int i = 0; i < h.length; i++) hg[i] = accumulate(hg[i], h[i], weights[i]);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var s = GradMode.noGrad()) {
            for (int i = 0; i < names.size(); i++) {
                out.put(names.get(i), (hg[i] == null ? Tensor.zerosLike(weights[i]) : hg[i]).mul(weights[i]));
            }
        }
        return normalise(out, true, GRASP_EPS);
    }

    /**
     * SynFlow: every parameter and buffer replaced by its absolute value, one all-ones float64 input
     * [1, C, H, W], R = sum(output), score = |w * dR/dw|. The model is a scoring copy: the signs of the
     * real model are untouched, which is what the reference's sign restore achieves.
     */
    static Map<String, Tensor> synflow(Network model, int[] inputShape) {
        try (var s = GradMode.noGrad()) {
            for (Tensor t : model.stateDict().values()) if (t.dtype().isFloating()) t.copyFrom(t.abs());
        }
        Map<String, Tensor[]> prunable = model.prunable();
        List<String> names = new ArrayList<>(prunable.keySet());
        Tensor[] weights = new Tensor[names.size()];
        for (int i = 0; i < weights.length; i++) weights[i] = prunable.get(names.get(i))[0];
        Tensor r = model.forward(Tensor.ones(DType.F64, 1, inputShape[0], inputShape[1], inputShape[2])).sum();
        Tensor[] g = Autograd.grad(new Tensor[] {r}, null, weights, false, false, true);
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var s = GradMode.noGrad()) {
            for (int i = 0; i < names.size(); i++) {
                out.put(names.get(i), g[i] == null ? Tensor.zerosLike(weights[i]) : g[i].mul(weights[i]).abs());
            }
        }
        return out;
    }

    private static Tensor accumulate(Tensor sum, Tensor g, Tensor like) {
        Tensor gi = g == null ? Tensor.zerosLike(like) : g.detach();
        return sum == null ? gi : sum.add(gi);
    }

    /** Divides every score by the sum of all scores (SNIP) or by |sum| + eps (GraSP). */
    private static Map<String, Tensor> normalise(Map<String, Tensor> scores, boolean absoluteOfSum, double eps) {
        double total = 0;
        for (Tensor t : scores.values()) total += t.sum().item();
        double norm = absoluteOfSum ? Math.abs(total) + eps : total;
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var s = GradMode.noGrad()) {
            scores.forEach((k, v) -> out.put(k, v.div(norm)));
        }
        return out;
    }
}
