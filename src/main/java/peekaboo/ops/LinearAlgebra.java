package peekaboo.ops;

import peekaboo.autograd.Autograd;
import peekaboo.autograd.Node;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/** Matrix products: one batched kernel op (bmm) whose derivatives are again bmm of transposed views. */
public final class LinearAlgebra {
    private LinearAlgebra() {}

    /** {@code torch.bmm}: a [B, M, K] times b [B, K, N]. */
    public static Tensor bmm(Tensor a, Tensor b) {
        if (a.dim() != 3 || b.dim() != 3 || a.size(0) != b.size(0) || a.size(2) != b.size(1)) {
            throw new IllegalArgumentException("bmm needs [B, M, K] and [B, K, N], got " + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("matmul operands must have the same dtype, got " + a.dtype() + " and " + b.dtype());
        }
        Elementwise.checkBackends(a, b);
        Tensor out = Tensor.zeros(a.backend(), a.dtype(), a.size(0), a.size(1), b.size(2));
        a.backend().matmul(a, b, out);
        if (!Autograd.needsGraph(a, b)) return out;
        return out.withGradFn(new Node("bmm", a, b) {
            final Tensor sa = save(a), sb = save(b);
            @Override protected Tensor[] backward(Tensor g) {
                return new Tensor[] {
                    a.requiresGrad() ? bmm(g, sb.transpose(1, 2)) : null,
                    b.requiresGrad() ? bmm(sa.transpose(1, 2), g) : null};
            }
        });
    }

    /** {@code torch.matmul} with its 1-D and batch-broadcasting rules. */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("matmul needs tensors of rank at least 1, got " + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        }
        if (a.dim() == 1 && b.dim() == 1) return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
        if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
        int m = a.size(-2), k = a.size(-1), k2 = b.size(-2), n = b.size(-1);
        if (k != k2) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(a.shape()) + " and " + Shape.str(b.shape())
                    + " cannot be multiplied (" + k + " columns vs " + k2 + " rows)");
        }
        int[] batchA = java.util.Arrays.copyOf(a.shape(), a.dim() - 2), batchB = java.util.Arrays.copyOf(b.shape(), b.dim() - 2);
        int[] batch = Shape.broadcast(batchA, batchB);
        int bn = Shape.numel(batch);
        Tensor a3 = a.expand(concat(batch, m, k)).reshape(bn, m, k);
        Tensor b3 = b.expand(concat(batch, k, n)).reshape(bn, k, n);
        return bmm(a3, b3).reshape(concat(batch, m, n));
    }

    /** {@code F.linear(x, weight, bias)} = x weightᵀ + bias; weight [out, in]; bias may be null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.dim() != 2 || x.dim() < 1 || x.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear: input " + Shape.str(x.shape()) + " does not match weight " + Shape.str(weight.shape())
                    + " (expected the input's last dimension to be " + (weight.dim() == 2 ? weight.size(1) : -1) + ")");
        }
        Tensor y = matmul(x, weight.t());
        return bias == null ? y : y.add(bias);
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }
}
