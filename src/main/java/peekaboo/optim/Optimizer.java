package peekaboo.optim;

import java.util.Map;
import peekaboo.tensor.Tensor;

/**
 * An optimiser that updates parameters in place, outside the autograd graph (STYLE rule 7), and whose
 * whole state can be written to a safetensors checkpoint and read back to resume exactly.
 *
 * <p>PyTorch equivalent: {@code torch.optim.Optimizer} ({@code step()}, {@code zero_grad()},
 * {@code state_dict()}, {@code load_state_dict()}), with the state flattened to named tensors.
 */
public interface Optimizer {
    /** One update from the parameters' current gradients; parameters whose grad is null are skipped. */
    void step();

    /** Drops every parameter's gradient ({@code zero_grad(set_to_none=True)}). */
    void zeroGrad();

    /**
     * The optimiser state as named tensors: per-parameter buffers under {@code <prefix>.<buffer>.<param name>},
     * hyper-parameters and step counters as 0-dim tensors. The tensors are copies: later steps do not change them.
     */
    Map<String, Tensor> stateDict();

    /**
     * Restores a state written by {@link #stateDict()}. Keys of other owners (other prefixes) are ignored;
     * a missing, unknown or mis-shaped entry of this optimiser is an {@link IllegalArgumentException} that
     * names it.
     */
    void loadStateDict(Map<String, Tensor> state);
}
