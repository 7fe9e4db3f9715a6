package peekaboo.pab.prune;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import peekaboo.autograd.GradMode;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * Stage 1 of PaB (spec section 2): score-and-mask iterations on a float64 copy of the model in eval
 * mode, masks rebuilt from the scores each iteration, the final masks copied into the model.
 * Weights are never changed.
 */
public final class Pruning {
    private Pruning() {}

    /** Per-layer and overall outcome: remaining and total prunable weights. */
    public record Report(Map<String, long[]> layers, long remaining, long total, double target) {
        public double density() { return total == 0 ? 1 : (double) remaining / total; }

        /** The reference's check: |remaining - density * total| >= 5 deserves a warning. */
        public boolean offTarget() { return Math.abs(remaining - target * total) >= 5; }
    }

    /**
     * Prunes {@code model} in place to {@code options.density()} and returns the report. Progress and the
     * spec's remaining/total line and warning go to {@code log} (null for silence).
     */
    public static Report prune(Network model, PruneOptions options, PruneData data, Generator g, PrintStream log) {
        Network twin = scoringCopy(model);
        int n = options.iterations();
        for (int i = 1; i <= n; i++) {
            Map<String, Tensor> scores = Scoring.score(options.pruner(), twin, data, g);
            double d = options.schedule().density(options.density(), i, n);
            if (options.scope() == PruneOptions.Scope.GLOBAL) {
                Masking.global(scores, twin.prunable(), d);
            } else {
                double cd = options.classifierDensity() >= 0 ? options.schedule().density(options.classifierDensity(), i, n) : -1;
                Masking.local(scores, twin.prunable(), d, cd, model.numClasses());
            }
            if (options.verbose() && log != null) {
                log.printf("Iteration %d of %d: target density %.6f%n", i, n, d);
                printTable(report(twin, options.density()), log);
            }
        }
        copyMasks(twin, model);
        Report r = report(model, options.density());
        if (log != null) {
            log.printf("Finished pruning (%s): %d of %d prunable weights remain (density %.6f)%n",
                    options.pruner().flag(), r.remaining(), r.total(), r.density());
            if (r.offTarget()) {
                log.printf("WARNING: %d prunable parameters remaining, expected %.1f%n", r.remaining(), r.total() * options.density());
            }
        }
        return r;
    }

    /**
     * A float64 copy of the model in eval mode with the same weights, buffers and masks. A Psg model is
     * scored through its plain twin (PSG convs have no second derivatives, spec section 4): the twin is
     * built under the plain name and loads the Psg state dict by name, without the unused
     * {@code quant_input} buffers; a conv bias the Psg model lacks (PsgVGG) is zero, and the masks of
     * convs the plain twin leaves unmasked (the ImageNet downsample convs) are not scored.
     */
    static Network scoringCopy(Network model) {
        String arch = Models.plainTwin(model.arch());
        Network twin = Models.build(arch, model.numClasses(), model.inputShape(), InitMethod.STANDARD, new Generator(0));
        if (Models.isPsg(model.arch())) loadPsgState(twin, model.stateDict());
        else twin.loadStateDict(model.stateDict(), true);
        twin.to(DType.F64);
        twin.eval();
        return twin;
    }

    private static void loadPsgState(Network twin, Map<String, Tensor> psgState) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        psgState.forEach((k, v) -> { if (!k.contains("quant_input.")) state.put(k, v); });
        var report = twin.loadStateDict(state, false);
        Map<String, Tensor> own = twin.stateDict();
        try (var s = GradMode.noGrad()) {
            for (String k : report.missing()) {
                if (k.endsWith(".bias")) own.get(k).fillInPlace(0); // bias_mask stays one
                else if (!k.endsWith(".bias_mask")) throw new IllegalStateException("the plain twin of " + twin.arch() + " has '" + k + "', which the Psg model lacks");
            }
        }
        for (String k : report.unexpected()) {
            if (!k.endsWith(".weight_mask")) throw new IllegalStateException("the Psg model has '" + k + "', which its plain twin " + twin.arch() + " lacks");
        }
        if (!report.mismatched().isEmpty()) throw new IllegalStateException("cannot load a Psg model into its plain twin: " + report.describe());
    }

    private static void copyMasks(Network from, Network to) {
        Map<String, Tensor[]> src = from.prunable(), dst = to.prunable();
        try (var s = GradMode.noGrad()) {
            src.forEach((name, wm) -> dst.get(name)[1].copyFrom(wm[1]));
        }
    }

    public static Report report(Network model, double target) {
        Map<String, long[]> layers = new LinkedHashMap<>();
        long remaining = 0, total = 0;
        for (Map.Entry<String, Tensor[]> e : model.prunable().entrySet()) {
            Tensor mask = e.getValue()[1];
            long r = (long) mask.sum().item(), t = mask.numel();
            layers.put(e.getKey(), new long[] {r, t});
            remaining += r;
            total += t;
        }
        return new Report(layers, remaining, total, target);
    }

    /** The per-layer remaining/total table of {@code --prune-verbose}. */
    public static void printTable(Report r, PrintStream out) {
        List<String> names = new ArrayList<>(r.layers().keySet());
        int width = names.stream().mapToInt(String::length).max().orElse(5);
        for (String name : names) {
            long[] rt = r.layers().get(name);
            out.printf("  %-" + width + "s %,12d / %,12d  (%.4f)%n", name, rt[0], rt[1], (double) rt[0] / rt[1]);
        }
        out.printf("  %-" + width + "s %,12d / %,12d  (%.4f)%n", "total", r.remaining(), r.total(), r.density());
    }
}
