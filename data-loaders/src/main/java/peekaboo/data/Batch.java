package peekaboo.data;

import peekaboo.tensor.Tensor;

/**
 * One batch from a {@link DataLoader}: float32 inputs [N, C, H, W], int64 class targets [N], and the
 * dataset indices the samples came from (in batch order).
 */
public record Batch(Tensor inputs, Tensor targets, int[] indices) {
    public int size() { return indices.length; }
}
