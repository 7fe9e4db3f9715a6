package peekaboo.ops;

import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/** log_softmax, softmax and the classification losses, composed from differentiable ops. */
public final class Losses {
    private Losses() {}

    /** {@code F.log_softmax(x, dim)} = x - max - log(sum(exp(x - max))); the max is a constant shift. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        Tensor m = x.detach().max(dim, true).values();
        Tensor shifted = x.sub(m);
        return shifted.sub(shifted.exp().sum(new int[] {dim}, true).log());
    }

    /** {@code F.softmax(x, dim)}. */
    public static Tensor softmax(Tensor x, int dim) { return logSoftmax(x, dim).exp(); }

    /** {@code F.nll_loss(logp, target)} with mean reduction: -mean(logp[i, target[i]]). */
    public static Tensor nllLoss(Tensor logp, Tensor target) {
        if (logp.dim() != 2 || target.dim() != 1 || target.size(0) != logp.size(0)) {
            throw new IllegalArgumentException("nll_loss expects scores [N, K] and targets [N], got " + Shape.str(logp.shape())
                    + " and " + Shape.str(target.shape()));
        }
        if (target.dtype() != DType.I64) {
            throw new IllegalArgumentException("class targets must be int64, got " + target.dtype());
        }
        int k = logp.size(1);
        for (long t : target.toLongArray()) {
            if (t < 0 || t >= k) throw new IllegalArgumentException("target class " + t + " is out of range for " + k + " classes");
        }
        return Indexing.gather(logp, 1, target.reshape(-1, 1)).mean().neg();
    }

    /** {@code F.cross_entropy(logits, target)}: mean over the batch of -log softmax(logits)[target]. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) { return nllLoss(logSoftmax(logits, 1), target); }
}
