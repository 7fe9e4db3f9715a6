package peekaboo.optim;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import peekaboo.autograd.GradMode;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * Bop, the binary optimiser of stage 2 (spec section 3; Helwegen et al. 2019): it never changes a
 * weight's magnitude, only its sign. Per element, with gradient g, state m, adaptivity rate gamma
 * ({@code --ar}) and threshold tau ({@code --tau}):
 * <pre>
 *   first step: m = g + gamma g          later: m = (1 - gamma) m + gamma g
 *   flip (p = -p) where |m| >= tau and sign(m) == sign(p), with sign(0) = 0
 * </pre>
 * Rounding follows the PyTorch formulation {@code m = g.clone(); m.add_(g.mul(gamma))} and
 * {@code m.mul_(1 - gamma); m.add_(g.mul(gamma))}: for a float32 parameter every product and sum is
 * rounded to float (three roundings for a later step, no fma), with gamma, 1 - gamma (computed in double)
 * and tau cast to float first, as PyTorch does with Python scalars on a float tensor. Both zeros have sign 0.
 *
 * <p>m is kept as the formula gives it: a pruned entry (gradient 0) keeps m = 0 < tau when pruned
 * before training, and its m only shrinks with its sign kept when pruned later, so it never flips (for
 * tau = 0 an entry with m = 0 and p = 0 does satisfy the rule and counts as a flip, as in the reference;
 * its value stays 0). Bop has no learning rate and no weight decay. Parameters whose grad is null are skipped.
 *
 * <p>Flip counts: {@link #flipsLastStep()} (all parameters), {@link #flipsLastStepByParameter()}, and the
 * per-entry accumulated counts {@link #flipCounts()} (int64, like the reference's {@code weight_flips}).
 * State ({@link #stateDict()}): {@code bop.ar}, {@code bop.tau} (0-dim float64), per parameter
 * {@code bop.step.<name>} (0-dim int64), {@code bop.m.<name>} (the parameter's dtype) and
 * {@code bop.flip_count.<name>} (int64). Loading restores ar (it decays on schedule) and the per-parameter
 * state; tau is fixed at construction and must match.
 *
 * <p>The step runs where the parameters live, as the backend's Bop kernel ({@code Backend.bopStep}, one
 * pass; only the number of flips comes back); m and the flip counts live on the parameter's backend, and
 * {@link #stateDict()} snapshots them to the CPU.
 */
public final class Bop implements Optimizer {
    static final String PREFIX = "bop.";

    private final Map<String, Tensor> params;
    /** name -> moving average m on the parameter's backend, in the parameter's dtype. */
    private final Map<String, Tensor> m = new LinkedHashMap<>();
    /** name -> per-entry accumulated flip count (int64, on the parameter's backend). */
    private final Map<String, Tensor> flipCounts = new LinkedHashMap<>();
    private final Map<String, Long> steps = new LinkedHashMap<>();
    private final Map<String, Long> lastFlips = new LinkedHashMap<>();
    private final double tau;
    private double ar;
    private long flipsLastStep;

    /** {@code Bop(params, ar=gamma, threshold=tau)}; 0 < ar < 1 and tau >= 0. */
    public Bop(Map<String, Tensor> params, double ar, double tau) {
        checkAr(ar);
        if (!(tau >= 0) || Double.isInfinite(tau)) throw new IllegalArgumentException("--tau must be a finite number >= 0, got " + tau);
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.ar = ar;
        this.tau = tau;
        for (Map.Entry<String, Tensor> e : this.params.entrySet()) {
            Tensor p = e.getValue();
            HostArrays.checkFloating(p, e.getKey());
            m.put(e.getKey(), Tensor.zeros(p.backend(), p.dtype(), p.shape()));
            flipCounts.put(e.getKey(), Tensor.zeros(p.backend(), DType.I64, p.shape()));
            steps.put(e.getKey(), 0L);
            lastFlips.put(e.getKey(), 0L);
        }
    }

    private static void checkAr(double ar) {
        if (!(ar > 0 && ar < 1)) throw new IllegalArgumentException("--ar must be in (0, 1), got " + ar);
    }

    /** The adaptivity rate gamma. */
    public double ar() { return ar; }

    /** Sets gamma for the next steps (the reference's {@code set_ar}); 0 < ar < 1. */
    public void setAr(double ar) {
        checkAr(ar);
        this.ar = ar;
    }

    public double tau() { return tau; }

    /** The parameters, by name, in the order given. */
    public Map<String, Tensor> parameters() { return params; }

    /** Entries flipped by the last {@link #step()}, over all parameters. */
    public long flipsLastStep() { return flipsLastStep; }

    /** Entries flipped by the last {@link #step()}, per parameter (0 for a parameter it skipped). */
    public Map<String, Long> flipsLastStepByParameter() { return Collections.unmodifiableMap(lastFlips); }

    /** Per-entry flip counts accumulated over all steps (live int64 tensors; read, do not modify). */
    public Map<String, Tensor> flipCounts() { return Collections.unmodifiableMap(flipCounts); }

    /** Sets every accumulated flip count to 0 (the reference's {@code zero_weight_flips}). */
    public void zeroFlipCounts() {
        try (var scope = GradMode.noGrad()) {
            for (Tensor c : flipCounts.values()) c.fillInPlace(0);
        }
    }

    @Override
    public void step() {
        long total = 0;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            String name = e.getKey();
            Tensor p = e.getValue();
            if (p.grad() == null) {
                lastFlips.put(name, 0L);
                continue;
            }
            long flips = stepOne(p, HostArrays.gradLike(p, p.grad(), name), m.get(name), flipCounts.get(name), steps.get(name) == 0);
            steps.put(name, steps.get(name) + 1);
            lastFlips.put(name, flips);
            total += flips;
        }
        flipsLastStep = total;
    }

    /**
     * One parameter's step by its backend's Bop kernel ({@code Backend.bopStep}), where p lives; the kernel
     * works on contiguous tensors, so a strided parameter is stepped in a contiguous copy written back.
     */
    private long stepOne(Tensor p, Tensor g, Tensor mt, Tensor ct, boolean first) {
        try (var scope = GradMode.noGrad()) {
            Tensor pc = p.isContiguous() ? p.detach() : p.detach().contiguous();
            Tensor gc = (g.backend() == p.backend() ? g : g.to(p.backend())).contiguous();
            long flips = p.backend().bopStep(pc, gc, mt, ct, ar, tau, first);
            if (pc.storage() == p.storage()) p.storage().bumpVersion();
            else p.detach().copyFrom(pc);
            mt.storage().bumpVersion();
            ct.storage().bumpVersion();
            return flips;
        }
    }

    @Override
    public void zeroGrad() {
        for (Tensor p : params.values()) p.zeroGrad();
    }

    @Override
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(PREFIX + "ar", StateDicts.double0(ar));
        out.put(PREFIX + "tau", StateDicts.double0(tau));
        for (String name : params.keySet()) {
            out.put(PREFIX + "step." + name, StateDicts.long0(steps.get(name)));
            out.put(PREFIX + "m." + name, StateDicts.snapshot(m.get(name)));
            out.put(PREFIX + "flip_count." + name, StateDicts.snapshot(flipCounts.get(name)));
        }
        return out;
    }

    @Override
    public void loadStateDict(Map<String, Tensor> state) {
        StateDicts.rejectUnknown(state, PREFIX, new HashSet<>(stateDict().keySet()));
        double newAr = StateDicts.scalarEntry(state, PREFIX + "ar");
        checkAr(newAr);
        StateDicts.requireSame(state, PREFIX + "tau", tau, "--tau");
        Map<String, Long> newSteps = new LinkedHashMap<>();
        Map<String, Tensor> newM = new LinkedHashMap<>(), newCounts = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue().shape();
            long k = (long) StateDicts.scalarEntry(state, PREFIX + "step." + name);
            if (k < 0) throw new IllegalArgumentException("optimiser state '" + PREFIX + "step." + name + "' is negative: " + k);
            newSteps.put(name, k);
            newM.put(name, StateDicts.tensorEntry(state, PREFIX + "m." + name, shape, e.getValue().dtype()));
            newCounts.put(name, StateDicts.tensorEntry(state, PREFIX + "flip_count." + name, shape, DType.I64));
        }
        // Everything checked: now change the state (a failed load leaves the optimiser as it was).
        ar = newAr;
        steps.putAll(newSteps);
        newM.forEach((name, src) -> StateDicts.copyInto(m.get(name), src));
        newCounts.forEach((name, src) -> StateDicts.copyInto(flipCounts.get(name), src));
    }
}
