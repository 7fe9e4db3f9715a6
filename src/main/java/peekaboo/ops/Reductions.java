package peekaboo.ops;

import peekaboo.autograd.Autograd;
import peekaboo.autograd.Node;
import peekaboo.backend.ReduceOp;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/** sum, mean, max/min (with indices) and sumTo, with derivatives made of expand and scatter-add. */
public final class Reductions {
    private Reductions() {}

    /** Values and int64 indices of a max/min along a dimension. */
    public record ValuesIndices(Tensor values, Tensor indices) {}

    /** {@code x.sum(dims, keepdim)}; no dims means all. Integer and bool tensors sum to int64. */
    public static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        int[] d = reducedDims(x, dims);
        int[] kept = keptShape(x.shape(), d);
        DType dtype = x.dtype().isFloating() ? x.dtype() : DType.I64;
        Tensor out = Tensor.zeros(x.backend(), dtype, kept);
        x.backend().reduce(ReduceOp.SUM, x, d, out, null);
        Tensor result = keepDim ? out : Views.reshapeNoGrad(out, droppedShape(x.shape(), d));
        if (!Autograd.needsGraph(x)) return result;
        int[] inShape = x.shape();
        return result.withGradFn(new Node("sum", x) {
            @Override protected Tensor[] backward(Tensor g) { return new Tensor[] {g.reshape(kept).expand(inShape)}; }
        });
    }

    /** {@code x.mean(dims, keepdim)}. */
    public static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException("mean needs a floating-point tensor, got " + x.dtype() + "; convert it with to(DType.F32) first");
        }
        int[] d = reducedDims(x, dims);
        long count = 1;
        for (int i : d) count *= x.size(i);
        return sum(x, dims, keepDim).div(count);
    }

    /** Max or min of all elements (0-dim). */
    public static Tensor extreme(ReduceOp op, Tensor x) {
        if (x.numel() == 0) throw new IllegalArgumentException("max/min of an empty tensor has no value");
        return extreme(op, x.reshape(-1), 0, false).values();
    }

    /** Max or min along one dimension, with the index of the first extreme element. */
    public static ValuesIndices extreme(ReduceOp op, Tensor x, int dim, boolean keepDim) {
        int rank = Math.max(x.dim(), 1);
        Tensor xv = x.dim() == 0 ? x.reshape(1) : x;
        int d = Shape.dim(dim, rank);
        int[] kept = keptShape(xv.shape(), new int[] {d});
        Tensor values = Tensor.zeros(x.backend(), x.dtype(), kept);
        Tensor indices = Tensor.zeros(x.backend(), DType.I64, kept);
        x.backend().reduce(op, xv, new int[] {d}, values, indices);
        Tensor idx = indices;
        if (!keepDim || x.dim() == 0) { // a 0-dim input gives 0-dim results, as in PyTorch
            int[] dropped = droppedShape(xv.shape(), new int[] {d});
            values = Views.reshapeNoGrad(values, dropped);
            indices = Views.reshapeNoGrad(indices, dropped);
        }
        if (Autograd.needsGraph(x)) {
            int[] inShape = xv.shape();
            int[] xShape = x.shape();
            values.withGradFn(new Node(op == ReduceOp.MAX ? "max" : "min", x) {
                @Override protected Tensor[] backward(Tensor g) {
                    Tensor base = Tensor.zeros(g.backend(), g.dtype(), inShape);
                    return new Tensor[] {Indexing.scatterAdd(base, d, idx, g.reshape(kept)).reshape(xShape)};
                }
            });
        }
        return new ValuesIndices(values, indices);
    }

    /** Sums x down to {@code target}, a shape x was broadcast from (the adjoint of expand). */
    public static Tensor sumTo(Tensor x, int[] target) {
        int[] shape = x.shape();
        if (java.util.Arrays.equals(shape, target)) return x;
        int lead = shape.length - target.length;
        if (lead < 0) throw new IllegalArgumentException("cannot sum shape " + Shape.str(shape) + " to the larger rank of " + Shape.str(target));
        int[] dims = new int[shape.length];
        int n = 0;
        for (int i = 0; i < shape.length; i++) {
            if (i < lead) dims[n++] = i;
            else if (target[i - lead] == 1 && shape[i] != 1) dims[n++] = i;
            else if (target[i - lead] != shape[i]) {
                throw new IllegalArgumentException("shape " + Shape.str(shape) + " was not broadcast from " + Shape.str(target));
            }
        }
        Tensor s = n == 0 ? x : sum(x, java.util.Arrays.copyOf(dims, n), true);
        return s.reshape(target);
    }

    /** Normalised dims to reduce; a 0-dim tensor accepts dim 0 or -1 (as PyTorch) and has nothing to reduce. */
    private static int[] reducedDims(Tensor x, int[] dims) {
        int[] d = Shape.dims(dims, x.dim());
        return x.dim() == 0 ? new int[0] : d;
    }

    static int[] keptShape(int[] shape, int[] dims) {
        int[] out = shape.clone();
        for (int d : dims) out[d] = 1;
        return out;
    }

    static int[] droppedShape(int[] shape, int[] dims) {
        int[] out = new int[shape.length - dims.length];
        int j = 0;
        outer:
        for (int i = 0; i < shape.length; i++) {
            for (int d : dims) if (d == i) continue outer;
            out[j++] = shape[i];
        }
        return out;
    }
}
