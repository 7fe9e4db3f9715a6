package peekaboo.pab.prune;

import java.util.ArrayList;
import java.util.List;
import peekaboo.data.Batch;
import peekaboo.data.DataLoader;
import peekaboo.data.Dataset;
import peekaboo.data.Sampler;
import peekaboo.data.Transform;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** The batches the data-dependent pruners score on; every {@link #pass()} is one pass over them. */
public interface PruneData {
    /** One pass: the batches in this pass's order (and augmentation). */
    List<Batch> pass();

    /** The input [C, H, W], for SynFlow's all-ones input. */
    int[] inputShape();

    /**
     * Exactly these samples (a {@code --prune-batch} file), in this order, split into batches of
     * {@code batchSize}, identical on every pass.
     */
    static PruneData fixed(Tensor input, Tensor target, int batchSize) {
        if (input.dim() != 4 || target.dim() != 1 || target.size(0) != input.size(0)) {
            throw new IllegalArgumentException("a pruning batch needs input [N, C, H, W] and target [N], got "
                    + peekaboo.tensor.Shape.str(input.shape()) + " and " + peekaboo.tensor.Shape.str(target.shape()));
        }
        if (target.dtype() != DType.I64) throw new IllegalArgumentException("the pruning batch's target must be int64, got " + target.dtype());
        List<Batch> batches = new ArrayList<>();
        int n = input.size(0);
        for (int s = 0; s < n; s += batchSize) {
            int m = Math.min(batchSize, n - s);
            int[] idx = new int[m];
            for (int i = 0; i < m; i++) idx[i] = s + i;
            batches.add(new Batch(input.narrow(0, s, m).contiguous(), target.narrow(0, s, m).contiguous(), idx));
        }
        int[] shape = {input.size(1), input.size(2), input.size(3)};
        return new PruneData() {
            @Override public List<Batch> pass() { return batches; }

            @Override public int[] inputShape() { return shape.clone(); }
        };
    }

    /**
     * The spec's pruning set: these dataset indices (drawn once), passed through the training
     * transform and reshuffled on every pass, in batches of {@code batchSize}.
     */
    static PruneData subset(Dataset dataset, Transform trainTransform, int[] indices, int batchSize, long seed, int[] inputShape) {
        DataLoader loader = new DataLoader(dataset, trainTransform, Sampler.subset(indices, seed),
                DataLoader.Options.of(batchSize).withSeed(seed));
        return new PruneData() {
            @Override public List<Batch> pass() {
                List<Batch> out = new ArrayList<>();
                loader.iterator().forEachRemaining(out::add);
                return out;
            }

            @Override public int[] inputShape() { return inputShape.clone(); }
        };
    }

    /** No data: only SynFlow, Mag and Rand can use it. */
    static PruneData none(int[] inputShape) {
        return new PruneData() {
            @Override public List<Batch> pass() {
                throw new IllegalArgumentException("this pruner scores on training data: give --data (and --dataset) or --prune-batch FILE");
            }

            @Override public int[] inputShape() { return inputShape.clone(); }
        };
    }
}
