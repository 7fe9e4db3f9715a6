package peekaboo.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import peekaboo.tensor.Tensor;

/**
 * The CIFAR learning-rate schedule (spec section 3): {@code torch.optim.lr_scheduler.MultiStepLR(optimizer,
 * milestones, gamma)}, stepped once after each epoch. Like PyTorch's (chainable) form, each {@link #step()}
 * increments {@code lastEpoch} and multiplies the optimiser's current lr by gamma^k, k = how often the new
 * {@code lastEpoch} occurs in the milestones (so 0.1 * 0.1 gives 0.010000000000000002, as in PyTorch).
 * Construction counts as PyTorch's initial step: {@code lastEpoch} becomes 0.
 *
 * <p>State: {@code multistep_lr.last_epoch} (0-dim int64); the lr itself lives in the optimiser's state.
 */
public final class MultiStepLr {
    static final String PREFIX = "multistep_lr.";

    private final Sgd optimizer;
    private final int[] milestones;
    private final double gamma;
    private int lastEpoch;

    /** {@code MultiStepLR(optimizer, milestones, gamma)}; milestones (e.g. {@code --milestones 80,120}) need not be sorted. */
    public MultiStepLr(Sgd optimizer, int[] milestones, double gamma) {
        if (!(gamma > 0) || Double.isInfinite(gamma)) throw new IllegalArgumentException("the lr decay gamma must be > 0, got " + gamma);
        for (int m : milestones) {
            if (m < 0) throw new IllegalArgumentException("--milestones must be >= 0, got " + Arrays.toString(milestones));
        }
        this.optimizer = optimizer;
        this.milestones = milestones.clone();
        this.gamma = gamma;
        this.lastEpoch = -1;
        step();
    }

    /** Call after each epoch: {@code scheduler.step()}. */
    public void step() {
        lastEpoch++;
        int k = 0;
        for (int m : milestones) if (m == lastEpoch) k++;
        if (k > 0) optimizer.setLr(optimizer.lr() * Math.pow(gamma, k));
    }

    /** The number of {@link #step()} calls since construction ({@code scheduler.last_epoch}). */
    public int lastEpoch() { return lastEpoch; }

    public int[] milestones() { return milestones.clone(); }

    public double gamma() { return gamma; }

    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(PREFIX + "last_epoch", StateDicts.long0(lastEpoch));
        return out;
    }

    /** Restores {@code lastEpoch} (the optimiser's lr is restored by the optimiser's own state). */
    public void loadStateDict(Map<String, Tensor> state) {
        double e = StateDicts.scalarEntry(state, PREFIX + "last_epoch");
        if (e < 0 || e != Math.rint(e)) throw new IllegalArgumentException("optimiser state '" + PREFIX + "last_epoch' must be an integer >= 0, got " + e);
        lastEpoch = (int) e;
    }
}
