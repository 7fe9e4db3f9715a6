package peekaboo.ops;

import java.util.Arrays;
import peekaboo.autograd.Autograd;
import peekaboo.autograd.Node;
import peekaboo.backend.Backend;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * Views that share storage (reshape, permute, slice, expand, squeeze) and the copies that go with
 * them (contiguous/clone, cat, stack, moving between backends), each with its adjoint as backward.
 */
public final class Views {
    private Views() {}

    private static Tensor view(Tensor x, int[] shape, int[] strides, int offset, String name, Rule backward) {
        Tensor out = new Tensor(x.storage(), shape, strides, offset);
        if (!Autograd.needsGraph(x)) return out;
        return out.withGradFn(new Node(name, x) {
            @Override protected Tensor[] backward(Tensor g) { return new Tensor[] {backward.apply(g)}; }
        });
    }

    interface Rule { Tensor apply(Tensor g); }

    // ------------------------------------------------------------------ reshape

    public static Tensor reshape(Tensor x, int[] shape) {
        int[] target = inferShape(x, shape);
        int[] strides = viewStrides(x.shape(), x.strides(), target);
        if (strides == null) return view(copy(x), target);
        int[] in = x.shape();
        return view(x, target, strides, x.offset(), "reshape", g -> g.reshape(in));
    }

    public static Tensor view(Tensor x, int[] shape) {
        int[] target = inferShape(x, shape);
        int[] strides = viewStrides(x.shape(), x.strides(), target);
        if (strides == null) {
            throw new IllegalArgumentException("view of shape " + Shape.str(target) + " is incompatible with the strides "
                    + Shape.str(x.strides()) + " of a tensor of shape " + Shape.str(x.shape()) + "; use reshape(), which copies");
        }
        int[] in = x.shape();
        return view(x, target, strides, x.offset(), "view", g -> g.reshape(in));
    }

    /** A reshape of a contiguous tensor without recording a node (for reductions' own outputs). */
    static Tensor reshapeNoGrad(Tensor x, int[] shape) {
        return new Tensor(x.storage(), shape, Shape.contiguousStrides(shape), x.offset());
    }

    private static int[] inferShape(Tensor x, int[] shape) {
        int numel = x.numel(), known = 1, infer = -1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one dimension can be -1 in " + Shape.str(shape));
                infer = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException("invalid dimension " + shape[i] + " in shape " + Shape.str(shape));
            } else {
                known *= shape[i];
            }
        }
        int[] out = shape.clone();
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("cannot reshape a tensor of shape " + Shape.str(x.shape()) + " into " + Shape.str(shape));
            }
            out[infer] = numel / known;
        } else if (known != numel) {
            throw new IllegalArgumentException("cannot reshape a tensor of shape " + Shape.str(x.shape()) + " (" + numel
                    + " elements) into " + Shape.str(shape) + " (" + known + " elements)");
        }
        return out;
    }

    /**
     * Strides for viewing (shape, strides) as newShape without copying, or null when impossible
     * (PyTorch's computeStride: each chunk of old dimensions that is contiguous in memory may be re-split).
     */
    static int[] viewStrides(int[] shape, int[] strides, int[] newShape) {
        int[] out = new int[newShape.length];
        if (Shape.numel(shape) == 0) return Shape.contiguousStrides(newShape);
        if (shape.length == 0) {
            Arrays.fill(out, 1);
            return out;
        }
        int viewD = newShape.length - 1;
        int chunkBase = strides.length > 0 ? strides[strides.length - 1] : 1;
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    out[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? out : null;
    }

    // ------------------------------------------------------------------ permute, transpose

    public static Tensor permute(Tensor x, int[] dims) {
        int n = x.dim();
        if (dims.length != n) {
            throw new IllegalArgumentException("permute needs " + n + " dimensions for a tensor of shape " + Shape.str(x.shape()) + ", got " + Arrays.toString(dims));
        }
        int[] shape = x.shape(), strides = x.strides(), ns = new int[n], nst = new int[n], inverse = new int[n];
        boolean[] seen = new boolean[n];
        for (int i = 0; i < n; i++) {
            int d = Shape.dim(dims[i], n);
            if (seen[d]) throw new IllegalArgumentException("permute got dimension " + d + " twice in " + Arrays.toString(dims));
            seen[d] = true;
            ns[i] = shape[d];
            nst[i] = strides[d];
            inverse[d] = i;
        }
        return view(x, ns, nst, x.offset(), "permute", g -> g.permute(inverse));
    }

    public static Tensor transpose(Tensor x, int d0, int d1) {
        int n = x.dim();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        int a = Shape.dim(d0, n), b = Shape.dim(d1, n);
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    // ------------------------------------------------------------------ slicing

    public static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shape.dim(dim, x.dim());
        if (start < 0) start += x.size(d);
        if (start < 0 || length < 0 || start + length > x.size(d)) {
            throw new IllegalArgumentException("narrow(" + dim + ", " + start + ", " + length + ") is out of range for dimension "
                    + d + " of size " + x.size(d) + " in shape " + Shape.str(x.shape()));
        }
        return slice(x, d, start, start + length, 1);
    }

    /** x[start:end:step] along dim (end clamped to the size, like Python). */
    public static Tensor slice(Tensor x, int dim, int start, int end, int step) {
        int d = Shape.dim(dim, x.dim());
        int size = x.size(d);
        if (step <= 0) throw new IllegalArgumentException("slice step must be positive, got " + step);
        if (start < 0) start += size;
        if (end < 0) end += size;
        start = Math.max(0, Math.min(start, size));
        end = Math.max(start, Math.min(end, size));
        int len = (end - start + step - 1) / step;
        int[] shape = x.shape(), strides = x.strides();
        shape[d] = len;
        int offset = x.offset() + start * strides[d];
        strides[d] *= step;
        int[] in = x.shape();
        int s0 = start;
        return view(x, shape, strides, offset, "slice", g -> sliceBackward(g, in, d, s0, step));
    }

    /** The adjoint of slice: g placed into zeros of the input's shape. */
    static Tensor sliceBackward(Tensor g, int[] inShape, int dim, int start, int step) {
        Tensor out = Tensor.zeros(g.backend(), g.dtype(), inShape);
        Tensor window = slice(out, dim, start, start + (g.size(dim) - 1) * step + 1, step);
        g.backend().copy(g, window);
        if (!Autograd.needsGraph(g)) return out;
        int end = start + (g.size(dim) - 1) * step + 1;
        return out.withGradFn(new Node("slice_backward", g) {
            @Override protected Tensor[] backward(Tensor gg) { return new Tensor[] {slice(gg, dim, start, end, step)}; }
        });
    }

    // ------------------------------------------------------------------ expand, squeeze

    public static Tensor expand(Tensor x, int[] shape) {
        int[] in = x.shape();
        if (shape.length < in.length) {
            throw new IllegalArgumentException("cannot expand shape " + Shape.str(in) + " to the smaller rank of " + Shape.str(shape));
        }
        int[] target = shape.clone();
        int lead = shape.length - in.length;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == -1) {
                if (i < lead) throw new IllegalArgumentException("expand: -1 is not allowed for the new leading dimension " + i);
                target[i] = in[i - lead];
            }
        }
        if (Arrays.equals(target, in)) return x;
        int[] strides = Shape.broadcastStrides(in, x.strides(), target);
        return view(x, target, strides, x.offset(), "expand", g -> g.sumTo(in));
    }

    public static Tensor squeeze(Tensor x, int dim) {
        int d = Shape.dim(dim, x.dim());
        if (x.dim() == 0 || x.size(d) != 1) return x;
        int[] in = x.shape();
        int[] shape = new int[in.length - 1], strides = new int[in.length - 1];
        for (int i = 0, j = 0; i < in.length; i++) {
            if (i == d) continue;
            shape[j] = in[i];
            strides[j++] = x.stride(i);
        }
        return view(x, shape, strides, x.offset(), "squeeze", g -> g.reshape(in));
    }

    public static Tensor squeezeAll(Tensor x) {
        Tensor out = x;
        for (int i = x.dim() - 1; i >= 0; i--) out = squeeze(out, i);
        return out;
    }

    public static Tensor unsqueeze(Tensor x, int dim) {
        int d = Shape.dim(dim, x.dim() + 1);
        int[] in = x.shape(), st = x.strides();
        int[] shape = new int[in.length + 1], strides = new int[in.length + 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i == d) {
                shape[i] = 1;
                strides[i] = j < in.length ? st[j] * in[j] : 1;
            } else {
                shape[i] = in[j];
                strides[i] = st[j++];
            }
        }
        return view(x, shape, strides, x.offset(), "unsqueeze", g -> g.reshape(in));
    }

    public static Tensor flatten(Tensor x, int startDim, int endDim) {
        if (x.dim() == 0) return x.reshape(1);
        int s = Shape.dim(startDim, x.dim()), e = Shape.dim(endDim, x.dim());
        if (s > e) throw new IllegalArgumentException("flatten: start dimension " + s + " comes after end dimension " + e);
        int[] in = x.shape();
        int[] shape = new int[in.length - (e - s)];
        int j = 0;
        for (int i = 0; i < s; i++) shape[j++] = in[i];
        int m = 1;
        for (int i = s; i <= e; i++) m *= in[i];
        shape[j++] = m;
        for (int i = e + 1; i < in.length; i++) shape[j++] = in[i];
        return reshape(x, shape);
    }

    // ------------------------------------------------------------------ copies

    /** A contiguous copy (clone); differentiable, gradient passes through unchanged. */
    public static Tensor copy(Tensor x) {
        Tensor out = Tensor.zeros(x.backend(), x.dtype(), x.shape());
        x.backend().copy(x, out);
        if (!Autograd.needsGraph(x)) return out;
        return out.withGradFn(new Node("clone", x) {
            @Override protected Tensor[] backward(Tensor g) { return new Tensor[] {g}; }
        });
    }

    public static Tensor cat(int dim, Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("cat needs at least one tensor");
        Tensor first = tensors[0];
        int d = Shape.dim(dim, first.dim());
        int[] shape = first.shape();
        int total = 0;
        DType dtype = first.dtype();
        for (Tensor t : tensors) {
            if (t.dim() != first.dim()) {
                throw new IllegalArgumentException("cat needs tensors of equal rank, got " + Shape.str(first.shape()) + " and " + Shape.str(t.shape()));
            }
            for (int i = 0; i < shape.length; i++) {
                if (i != d && t.size(i) != shape[i]) {
                    throw new IllegalArgumentException("cat along dimension " + d + ": shapes " + Shape.str(first.shape()) + " and "
                            + Shape.str(t.shape()) + " differ in dimension " + i);
                }
            }
            total += t.size(d);
            dtype = DType.promote(dtype, t.dtype());
        }
        shape[d] = total;
        Tensor out = Tensor.zeros(first.backend(), dtype, shape);
        int[] starts = new int[tensors.length];
        int at = 0;
        for (int i = 0; i < tensors.length; i++) {
            starts[i] = at;
            Elementwise.checkBackends(first, tensors[i]);
            first.backend().copy(tensors[i], new Tensor(out.storage(), narrowShape(shape, d, tensors[i].size(d)), out.strides(),
                    at * out.stride(d)));
            at += tensors[i].size(d);
        }
        if (!Autograd.needsGraph(tensors)) return out;
        return out.withGradFn(new Node("cat", tensors) {
            @Override protected Tensor[] backward(Tensor g) {
                Tensor[] grads = new Tensor[tensors.length];
                for (int i = 0; i < tensors.length; i++) grads[i] = g.narrow(d, starts[i], tensors[i].size(d));
                return grads;
            }
        });
    }

    private static int[] narrowShape(int[] shape, int d, int len) {
        int[] s = shape.clone();
        s[d] = len;
        return s;
    }

    public static Tensor stack(int dim, Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("stack needs at least one tensor");
        int d = Shape.dim(dim, tensors[0].dim() + 1);
        Tensor[] parts = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            if (!Arrays.equals(tensors[i].shape(), tensors[0].shape())) {
                throw new IllegalArgumentException("stack needs tensors of equal shape, got " + Shape.str(tensors[0].shape()) + " and "
                        + Shape.str(tensors[i].shape()));
            }
            parts[i] = tensors[i].unsqueeze(d);
        }
        return cat(d, parts);
    }

    /** A copy on another backend; the gradient travels back. */
    public static Tensor toBackend(Tensor x, Backend target) {
        if (x.backend() == target) return x;
        Object host = switch (x.dtype()) {
            case F32 -> x.toFloatArray();
            case F64 -> x.toDoubleArray();
            case I64 -> x.toLongArray();
            case U8, BOOL -> {
                long[] v = x.toLongArray();
                byte[] b = new byte[v.length];
                for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
                yield b;
            }
        };
        int[] shape = x.shape();
        Tensor out = new Tensor(target.upload(x.dtype(), host), shape, Shape.contiguousStrides(shape), 0);
        if (!Autograd.needsGraph(x)) return out;
        Backend source = x.backend();
        return out.withGradFn(new Node("to_" + target.name(), x) {
            @Override protected Tensor[] backward(Tensor g) { return new Tensor[] {g.to(source)}; }
        });
    }
}
