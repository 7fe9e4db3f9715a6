package peekaboo.ops;

import peekaboo.autograd.Autograd;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/** Order statistics for pruning thresholds: k-th value in linear expected time, sort and top-k. */
public final class Sorting {
    private Sorting() {}

    /** The k-th smallest (1-based) of all elements, computed in double without a full sort. */
    public static double kthSmallest(Tensor x, long k) {
        if (k < 1 || k > x.numel()) {
            throw new IllegalArgumentException("kthSmallest: k = " + k + " is out of range for a tensor of " + x.numel() + " elements");
        }
        return x.backend().kthSmallest(x, k);
    }

    /** {@code torch.sort(x, dim=-1, descending)}: values and int64 indices, stable; no gradient. */
    public static Reductions.ValuesIndices sort(Tensor x, boolean descending) {
        if (Autograd.needsGraph(x)) {
            throw new UnsupportedOperationException("sort is not differentiable here; call it on x.detach()");
        }
        Tensor values = Tensor.zeros(x.backend(), x.dtype(), x.shape());
        Tensor indices = Tensor.zeros(x.backend(), DType.I64, x.shape());
        x.backend().sort(x.contiguous(), descending, values, indices);
        return new Reductions.ValuesIndices(values, indices);
    }

    /** {@code torch.topk(x, k, dim=-1, largest)}: the k largest (or smallest) along the last dimension, sorted. */
    public static Reductions.ValuesIndices topk(Tensor x, int k, boolean largest) {
        int n = x.dim() == 0 ? 1 : x.size(-1);
        if (k < 0 || k > n) throw new IllegalArgumentException("topk: k = " + k + " is out of range for a last dimension of size " + n + " in " + Shape.str(x.shape()));
        Reductions.ValuesIndices s = sort(x, largest);
        return new Reductions.ValuesIndices(s.values().narrow(-1, 0, k).contiguous(), s.indices().narrow(-1, 0, k).contiguous());
    }
}
