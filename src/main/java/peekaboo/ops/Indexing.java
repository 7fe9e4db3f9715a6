package peekaboo.ops;

import java.util.Arrays;
import peekaboo.autograd.Autograd;
import peekaboo.autograd.Node;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/** gather and scatter-add along a dimension: each is the other's adjoint, so derivatives of any order exist. */
public final class Indexing {
    private Indexing() {}

    /** {@code torch.gather(x, dim, index)}: out[i][j] = x[i][index[i][j]] for dim 1. */
    public static Tensor gather(Tensor x, int dim, Tensor index) {
        int d = checkIndex(x, dim, index, "gather");
        Tensor out = Tensor.zeros(x.backend(), x.dtype(), index.shape());
        x.backend().gather(x, d, index, out);
        if (!Autograd.needsGraph(x)) return out;
        int[] xShape = x.shape();
        return out.withGradFn(new Node("gather", x) {
            @Override protected Tensor[] backward(Tensor g) {
                return new Tensor[] {scatterAdd(Tensor.zeros(g.backend(), g.dtype(), xShape), d, index, g)};
            }
        });
    }

    /** {@code base.scatter_add(dim, index, src)} out of place: a copy of base with src added at the indexed positions. */
    public static Tensor scatterAdd(Tensor base, int dim, Tensor index, Tensor src) {
        int d = checkIndex(base, dim, index, "scatterAdd");
        if (!Arrays.equals(index.shape(), src.shape())) {
            throw new IllegalArgumentException("scatterAdd index shape " + Shape.str(index.shape()) + " differs from src shape " + Shape.str(src.shape()));
        }
        Tensor out = base.detach().clone();
        base.backend().scatterAdd(src.to(base.dtype()), d, index, out);
        if (!Autograd.needsGraph(base, src)) return out;
        return out.withGradFn(new Node("scatter_add", base, src) {
            @Override protected Tensor[] backward(Tensor g) { return new Tensor[] {g, gather(g, d, index)}; }
        });
    }

    private static int checkIndex(Tensor x, int dim, Tensor index, String op) {
        if (index.dtype() != DType.I64) throw new IllegalArgumentException(op + " needs an int64 index, got " + index.dtype());
        if (index.dim() != x.dim()) {
            throw new IllegalArgumentException(op + " index of shape " + Shape.str(index.shape()) + " must have the rank of the input "
                    + Shape.str(x.shape()));
        }
        int d = Shape.dim(dim, x.dim());
        for (int i = 0; i < x.dim(); i++) {
            if (i != d && index.size(i) > x.size(i)) {
                throw new IllegalArgumentException(op + " index of shape " + Shape.str(index.shape()) + " is larger than the input "
                        + Shape.str(x.shape()) + " in dimension " + i);
            }
        }
        return d;
    }
}
