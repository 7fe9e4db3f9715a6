package peekaboo.tensor;

import java.util.Arrays;
import peekaboo.autograd.Autograd;
import peekaboo.autograd.GradMode;
import peekaboo.autograd.Node;
import peekaboo.backend.Backend;
import peekaboo.backend.Backends;
import peekaboo.backend.BinaryOp;
import peekaboo.backend.ReduceOp;
import peekaboo.backend.Storage;
import peekaboo.backend.UnaryOp;
import peekaboo.ops.Elementwise;
import peekaboo.ops.LinearAlgebra;
import peekaboo.ops.Reductions;
import peekaboo.ops.Sorting;
import peekaboo.ops.Views;

/**
 * An n-dimensional array: a view (shape, strides, offset) onto a {@link Storage} of one {@link DType}
 * that lives on a {@link Backend}, plus what autograd needs (requiresGrad, grad, the node that made it).
 *
 * <p>Ops return new tensors; methods that change a tensor say so in their name ({@code addInPlace},
 * {@code copyFrom}, {@code fillInPlace}). Views ({@code reshape}, {@code permute}, {@code narrow},
 * {@code expand}, ...) share storage with their base.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;
    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    /** A view onto a storage (for ops and backends; users create tensors with the factories). */
    public Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        checkBounds();
    }

    private void checkBounds() {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Shape.str(shape) + " and strides " + Shape.str(strides) + " differ in rank");
        }
        long lo = offset, hi = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) throw new IllegalArgumentException("negative dimension in shape " + Shape.str(shape));
            if (shape[i] == 0) return;
            long span = (long) (shape[i] - 1) * strides[i];
            if (span < 0) lo += span;
            else hi += span;
        }
        if (lo < 0 || hi >= storage.size()) {
            throw new IllegalArgumentException("a view of shape " + Shape.str(shape) + ", strides " + Shape.str(strides) + " and offset "
                    + offset + " reaches outside its storage of " + storage.size() + " elements");
        }
    }

    // ---------------------------------------------------------------- creation

    /** A zero-filled tensor on the given backend. */
    public static Tensor zeros(Backend backend, DType dtype, int... shape) {
        return new Tensor(backend.allocate(dtype, Shape.numel(shape)), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    /** {@code torch.zeros(shape, dtype=dtype)} on the default backend. */
    public static Tensor zeros(DType dtype, int... shape) { return zeros(Backends.getDefault(), dtype, shape); }

    /** {@code torch.zeros(shape)}: float32 on the default backend. */
    public static Tensor zeros(int... shape) { return zeros(DType.F32, shape); }

    public static Tensor ones(DType dtype, int... shape) { return full(dtype, 1.0, shape); }

    public static Tensor ones(int... shape) { return ones(DType.F32, shape); }

    /** {@code torch.full(shape, value, dtype=dtype)}. */
    public static Tensor full(DType dtype, double value, int... shape) {
        Tensor t = zeros(dtype, shape);
        if (value != 0) t.backend().fill(t, value);
        return t;
    }

    public static Tensor zerosLike(Tensor t) { return zeros(t.backend(), t.dtype(), t.shape); }

    /**
     * {@code torch.empty}: a contiguous tensor with unspecified contents, for op outputs that a kernel
     * writes in full (a backend that recycles memory then skips zeroing it).
     */
    public static Tensor empty(Backend backend, DType dtype, int... shape) {
        return new Tensor(backend.allocateUninitialized(dtype, Shape.numel(shape)), shape.clone(),
                Shape.contiguousStrides(shape), 0);
    }

    public static Tensor emptyLike(Tensor t) { return empty(t.backend(), t.dtype(), t.shape); }

    public static Tensor onesLike(Tensor t) { return fullLike(t, 1.0); }

    public static Tensor fullLike(Tensor t, double value) {
        Tensor out = zerosLike(t);
        if (value != 0) out.backend().fill(out, value);
        return out;
    }

    /** A 0-dimensional tensor holding one value. */
    public static Tensor scalar(DType dtype, double value) { return full(dtype, value); }

    /** {@code torch.arange(start, end, step)}; int64 when all three are whole numbers, else float32. */
    public static Tensor arange(double start, double end, double step) {
        if (step == 0 || (end - start) / step < 0) {
            throw new IllegalArgumentException("arange(" + start + ", " + end + ", " + step + ") is empty or infinite: step must move start towards end");
        }
        int n = (int) Math.ceil((end - start) / step);
        boolean integral = start == Math.rint(start) && end == Math.rint(end) && step == Math.rint(step);
        if (integral) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) v[i] = (long) (start + i * step);
            return of(v, n);
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (start + i * step);
        return of(v, n);
    }

    public static Tensor arange(int end) { return arange(0, end, 1); }

    /** A float32 tensor holding a copy of {@code data} with the given shape. */
    public static Tensor of(float[] data, int... shape) { return fromHost(DType.F32, data, data.length, shape); }

    /** A float64 tensor holding a copy of {@code data}. */
    public static Tensor of(double[] data, int... shape) { return fromHost(DType.F64, data, data.length, shape); }

    /** An int64 tensor holding a copy of {@code data}. */
    public static Tensor of(long[] data, int... shape) { return fromHost(DType.I64, data, data.length, shape); }

    /** A bool tensor. */
    public static Tensor of(boolean[] data, int... shape) {
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (data[i] ? 1 : 0);
        return fromHost(DType.BOOL, b, b.length, shape);
    }

    /** A uint8 (or bool) tensor over a copy of bytes. */
    public static Tensor ofBytes(DType dtype, byte[] data, int... shape) { return fromHost(dtype, data, data.length, shape); }

    private static Tensor fromHost(DType dtype, Object data, int length, int[] shape) {
        if (Shape.numel(shape) != length) {
            throw new IllegalArgumentException("cannot shape " + length + " values as " + Shape.str(shape) + " (" + Shape.numel(shape) + " elements)");
        }
        Backend b = Backends.getDefault();
        return new Tensor(b.upload(dtype, data), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    /** Uniform in [0, 1): {@code torch.rand}. */
    public static Tensor rand(Generator g, DType dtype, int... shape) { return uniform(g, 0, 1, dtype, shape); }

    /** Standard normal: {@code torch.randn}. */
    public static Tensor randn(Generator g, DType dtype, int... shape) { return normal(g, 0, 1, dtype, shape); }

    /** Uniform in [low, high). */
    public static Tensor uniform(Generator g, double low, double high, DType dtype, int... shape) {
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            double x = low + (high - low) * g.nextDouble();
            // keep the interval half-open after rounding (to float32, or of low + (high - low) u itself)
            if (dtype == DType.F32 && (float) x >= high) x = Math.nextDown((float) high);
            else if (x >= high) x = Math.nextDown(high);
            v[i] = x;
        }
        return of(v, shape).to(dtype);
    }

    /** Normal with the given mean and standard deviation. */
    public static Tensor normal(Generator g, double mean, double std, DType dtype, int... shape) {
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = mean + std * g.nextGaussian();
        return of(v, shape).to(dtype);
    }

    /** Laplace(loc, scale). */
    public static Tensor laplace(Generator g, double loc, double scale, DType dtype, int... shape) {
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = g.nextLaplace(loc, scale);
        return of(v, shape).to(dtype);
    }

    /** A random permutation of 0..n-1 as int64: {@code torch.randperm}. */
    public static Tensor randperm(Generator g, int n) {
        int[] p = g.permutation(n);
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = p[i];
        return of(v, n);
    }

    // ---------------------------------------------------------------- metadata

    public Storage storage() { return storage; }

    public Backend backend() { return storage.backend(); }

    public DType dtype() { return storage.dtype(); }

    public int[] shape() { return shape.clone(); }

    /** Size of one dimension (negative counts from the end). */
    public int size(int dim) { return shape[Shape.dim(dim, shape.length)]; }

    public int[] strides() { return strides.clone(); }

    public int stride(int dim) { return strides[Shape.dim(dim, shape.length)]; }

    public int offset() { return offset; }

    public int dim() { return shape.length; }

    public int numel() { return Shape.numel(shape); }

    public boolean isContiguous() { return Shape.isContiguous(shape, strides); }

    /** Version of the underlying storage; bumped by every in-place write. */
    public int version() { return storage.version(); }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() { return requiresGrad || gradFn != null; }

    /** Marks a leaf as a variable to differentiate with respect to; returns this. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null && !value) {
            throw new IllegalStateException("cannot clear requiresGrad on a tensor computed by " + gradFn.name() + "; use detach()");
        }
        if (value && !dtype().isFloating()) {
            throw new IllegalArgumentException("only floating-point tensors can require gradients, this one is " + dtype());
        }
        this.requiresGrad = value;
        return this;
    }

    public Tensor grad() { return grad; }

    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape)) {
            throw new IllegalArgumentException("gradient of shape " + Shape.str(g.shape) + " assigned to a tensor of shape " + Shape.str(shape));
        }
        this.grad = g;
    }

    /** Sets grad to null (PyTorch's {@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() { this.grad = null; }

    public Node gradFn() { return gradFn; }

    /** Attaches the node that produced this tensor (for ops). */
    public Tensor withGradFn(Node node) {
        this.gradFn = node;
        return this;
    }

    public boolean isLeaf() { return gradFn == null; }

    /** {@code loss.backward()}: a one-element tensor's gradient 1 back-propagated into every leaf's grad. */
    public void backward() { Autograd.backward(this, null, false, false); }

    /** {@code t.backward(gradient)}. */
    public void backward(Tensor gradient) { Autograd.backward(this, gradient, false, false); }

    public void backward(Tensor gradient, boolean retainGraph, boolean createGraph) {
        Autograd.backward(this, gradient, retainGraph, createGraph);
    }

    /** The same data without the graph: {@code t.detach()}. Shares storage. */
    public Tensor detach() { return new Tensor(storage, shape, strides, offset); }

    // ---------------------------------------------------------------- data access

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalStateException("item() needs a tensor with one element, this one has shape " + Shape.str(shape));
        }
        return backend().readDoubles(this)[0];
    }

    public float[] toFloatArray() { return backend().readFloats(this); }

    public double[] toDoubleArray() { return backend().readDoubles(this); }

    public long[] toLongArray() { return backend().readLongs(this); }

    /** Converts to another dtype (a copy; the same tensor when the dtype already matches). */
    public Tensor to(DType target) { return Elementwise.cast(this, target); }

    /** Moves to another backend (a copy; the same tensor when already there). */
    public Tensor to(Backend target) { return Views.toBackend(this, target); }

    @Override
    public String toString() { return TensorFormat.format(this); }

    // ---------------------------------------------------------------- in-place (outside autograd)

    /** Copies src (broadcast to this shape, converted to this dtype) into this tensor's elements. */
    public Tensor copyFrom(Tensor src) {
        checkInPlace("copyFrom");
        backend().copy(src.backend() == backend() ? src : src.to(backend()), this);
        storage.bumpVersion();
        return this;
    }

    public Tensor fillInPlace(double value) {
        checkInPlace("fillInPlace");
        backend().fill(this, value);
        storage.bumpVersion();
        return this;
    }

    public Tensor addInPlace(Tensor other) { return copyFrom(Elementwise.binaryNoGrad(BinaryOp.ADD, this, other)); }

    public Tensor subInPlace(Tensor other) { return copyFrom(Elementwise.binaryNoGrad(BinaryOp.SUB, this, other)); }

    public Tensor mulInPlace(Tensor other) { return copyFrom(Elementwise.binaryNoGrad(BinaryOp.MUL, this, other)); }

    public Tensor mulInPlace(double value) { return copyFrom(Elementwise.unaryNoGrad(UnaryOp.MUL_SCALAR, this, value, 0)); }

    private void checkInPlace(String what) {
        if (GradMode.isEnabled() && requiresGrad()) {
            throw new IllegalStateException(what + " on a tensor of shape " + Shape.str(shape)
                    + " that requires grad would corrupt the graph; do it inside GradMode.noGrad() or use an out-of-place op");
        }
    }

    // ---------------------------------------------------------------- elementwise

    public Tensor add(Tensor o) { return Elementwise.binary(BinaryOp.ADD, this, o); }

    public Tensor add(double v) { return Elementwise.addScalar(this, v); }

    public Tensor sub(Tensor o) { return Elementwise.binary(BinaryOp.SUB, this, o); }

    public Tensor sub(double v) { return Elementwise.addScalar(this, -v); }

    public Tensor mul(Tensor o) { return Elementwise.binary(BinaryOp.MUL, this, o); }

    public Tensor mul(double v) { return Elementwise.mulScalar(this, v); }

    public Tensor div(Tensor o) { return Elementwise.binary(BinaryOp.DIV, this, o); }

    /** {@code x / v}; as in PyTorch the scalar is first converted to this tensor's dtype. */
    public Tensor div(double v) { return div(scalarLike(v)); }

    /** {@code v / this}. */
    public Tensor rdiv(double v) { return Elementwise.rdivScalar(this, v); }

    public Tensor pow(Tensor exponent) { return Elementwise.binary(BinaryOp.POW, this, exponent); }

    public Tensor pow(double exponent) { return Elementwise.powScalar(this, exponent); }

    public Tensor maximum(Tensor o) { return Elementwise.binary(BinaryOp.MAXIMUM, this, o); }

    public Tensor minimum(Tensor o) { return Elementwise.binary(BinaryOp.MINIMUM, this, o); }

    public Tensor neg() { return Elementwise.unary(UnaryOp.NEG, this); }

    public Tensor abs() { return Elementwise.unary(UnaryOp.ABS, this); }

    /** -1, 0 or +1 (sign(0) = 0); no gradient flows through it (the derivative is 0 almost everywhere). */
    public Tensor sign() { return Elementwise.unary(UnaryOp.SIGN, this); }

    public Tensor exp() { return Elementwise.unary(UnaryOp.EXP, this); }

    public Tensor log() { return Elementwise.unary(UnaryOp.LOG, this); }

    public Tensor sqrt() { return Elementwise.unary(UnaryOp.SQRT, this); }

    public Tensor rsqrt() { return Elementwise.unary(UnaryOp.RSQRT, this); }

    public Tensor reciprocal() { return Elementwise.unary(UnaryOp.RECIPROCAL, this); }

    public Tensor relu() { return Elementwise.unary(UnaryOp.RELU, this); }

    public Tensor sigmoid() { return Elementwise.unary(UnaryOp.SIGMOID, this); }

    public Tensor tanh() { return Elementwise.unary(UnaryOp.TANH, this); }

    /** Round half to even, like {@code torch.round}; gradient zero. */
    public Tensor round() { return Elementwise.unary(UnaryOp.ROUND, this); }

    /** {@code torch.clamp(x, min, max)}; pass Double.NaN for a missing bound. */
    public Tensor clamp(double min, double max) { return Elementwise.clamp(this, min, max); }

    public Tensor eq(Tensor o) { return Elementwise.compare(BinaryOp.EQ, this, o); }

    public Tensor ne(Tensor o) { return Elementwise.compare(BinaryOp.NE, this, o); }

    public Tensor lt(Tensor o) { return Elementwise.compare(BinaryOp.LT, this, o); }

    public Tensor le(Tensor o) { return Elementwise.compare(BinaryOp.LE, this, o); }

    public Tensor gt(Tensor o) { return Elementwise.compare(BinaryOp.GT, this, o); }

    public Tensor ge(Tensor o) { return Elementwise.compare(BinaryOp.GE, this, o); }

    public Tensor eq(double v) { return eq(comparand(v)); }

    public Tensor ne(double v) { return ne(comparand(v)); }

    public Tensor lt(double v) { return lt(comparand(v)); }

    public Tensor le(double v) { return le(comparand(v)); }

    public Tensor gt(double v) { return gt(comparand(v)); }

    public Tensor ge(double v) { return ge(comparand(v)); }

    /**
     * The scalar side of a comparison: in this dtype when the value survives the conversion (as PyTorch
     * converts a Python int for an int tensor), else in float64 (so {@code ints.lt(2.5)} is not {@code ints.lt(2)}).
     */
    private Tensor comparand(double v) {
        boolean fits = switch (dtype()) {
            case F32, F64 -> true;
            case I64 -> v == Math.rint(v) && Math.abs(v) < 0x1p63;
            case U8 -> v == Math.rint(v) && v >= 0 && v <= 255;
            case BOOL -> v == 0 || v == 1;
        };
        return fits ? scalarLike(v) : zeros(backend(), DType.F64).fillInPlace(v);
    }

    /** {@code torch.where(cond, a, b)}. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return Elementwise.where(cond, a, b); }

    /** {@code x.masked_fill(mask, value)}. */
    public Tensor maskedFill(Tensor mask, double value) { return Elementwise.where(mask, scalarLike(value), this); }

    /** A 0-dim tensor of this dtype and backend (for comparisons and where). */
    public Tensor scalarLike(double v) {
        Tensor s = zeros(backend(), dtype());
        backend().fill(s, v);
        return s;
    }

    // ---------------------------------------------------------------- reductions

    /** Sum of all elements (0-dim). */
    public Tensor sum() { return Reductions.sum(this, new int[0], false); }

    /** Sum over dims ({@code x.sum(dims, keepdim)}). */
    public Tensor sum(int[] dims, boolean keepDim) { return Reductions.sum(this, dims, keepDim); }

    public Tensor sum(int dim) { return sum(new int[] {dim}, false); }

    public Tensor mean() { return Reductions.mean(this, new int[0], false); }

    public Tensor mean(int[] dims, boolean keepDim) { return Reductions.mean(this, dims, keepDim); }

    public Tensor mean(int dim) { return mean(new int[] {dim}, false); }

    /** Largest element (0-dim); gradient flows to the first maximal element. */
    public Tensor max() { return Reductions.extreme(ReduceOp.MAX, this); }

    public Tensor min() { return Reductions.extreme(ReduceOp.MIN, this); }

    /** Values and int64 indices of the maxima along a dimension ({@code torch.max(x, dim, keepdim)}). */
    public Reductions.ValuesIndices max(int dim, boolean keepDim) { return Reductions.extreme(ReduceOp.MAX, this, dim, keepDim); }

    public Reductions.ValuesIndices min(int dim, boolean keepDim) { return Reductions.extreme(ReduceOp.MIN, this, dim, keepDim); }

    public Tensor argmax(int dim, boolean keepDim) { return max(dim, keepDim).indices(); }

    /** Index of the largest element of the flattened tensor. */
    public Tensor argmax() { return reshape(-1).argmax(0, false); }

    public Tensor argmin(int dim, boolean keepDim) { return min(dim, keepDim).indices(); }

    /** Sums broadcast dimensions away so the result has {@code target} shape (the adjoint of expand). */
    public Tensor sumTo(int[] target) { return Reductions.sumTo(this, target); }

    /** The k-th smallest value (1-based) over all elements, in double ({@code torch.kthvalue} of the flattened tensor). */
    public double kthSmallest(long k) { return Sorting.kthSmallest(this, k); }

    // ---------------------------------------------------------------- linear algebra

    /** {@code torch.matmul} for 1-D and (batched, broadcast) 2-D and higher operands. */
    public Tensor matmul(Tensor o) { return LinearAlgebra.matmul(this, o); }

    // ---------------------------------------------------------------- views and shape

    /** {@code x.reshape(shape)} (a view when the strides allow, else a copy); one entry may be -1. */
    public Tensor reshape(int... newShape) { return Views.reshape(this, newShape); }

    /** {@code x.view(shape)}: like reshape but never copies (fails on incompatible strides). */
    public Tensor view(int... newShape) { return Views.view(this, newShape); }

    public Tensor permute(int... dims) { return Views.permute(this, dims); }

    public Tensor transpose(int d0, int d1) { return Views.transpose(this, d0, d1); }

    /** The transpose of a 2-D tensor ({@code x.t()}). */
    public Tensor t() {
        if (dim() != 2) throw new IllegalArgumentException("t() expects a 2-D tensor, got shape " + Shape.str(shape));
        return transpose(0, 1);
    }

    /** {@code x.narrow(dim, start, length)}: a view of a slice. */
    public Tensor narrow(int dim, int start, int length) { return Views.narrow(this, dim, start, length); }

    /** {@code x[..., start:end:step, ...]} along one dimension, as a view. */
    public Tensor slice(int dim, int start, int end, int step) { return Views.slice(this, dim, start, end, step); }

    /** Selects one index along a dimension, removing it ({@code x.select(dim, i)}). */
    public Tensor select(int dim, int index) { return narrow(dim, index, 1).squeeze(dim); }

    /** {@code x.expand(shape)}: broadcast view with zero strides; -1 keeps a dimension. */
    public Tensor expand(int... newShape) { return Views.expand(this, newShape); }

    public Tensor squeeze(int dim) { return Views.squeeze(this, dim); }

    /** Removes every dimension of size 1. */
    public Tensor squeeze() { return Views.squeezeAll(this); }

    public Tensor unsqueeze(int dim) { return Views.unsqueeze(this, dim); }

    /** Flattens dims startDim..endDim into one. */
    public Tensor flatten(int startDim, int endDim) { return Views.flatten(this, startDim, endDim); }

    public Tensor flatten() { return flatten(0, -1); }

    /** This tensor if contiguous, else a contiguous copy (differentiable). */
    public Tensor contiguous() { return isContiguous() ? this : Views.copy(this); }

    /** A contiguous copy that does not share storage (differentiable): {@code x.clone()}. */
    public Tensor clone() { return Views.copy(this); }

    /** {@code torch.cat(tensors, dim)}. */
    public static Tensor cat(int dim, Tensor... tensors) { return Views.cat(dim, tensors); }

    /** {@code torch.stack(tensors, dim)}. */
    public static Tensor stack(int dim, Tensor... tensors) { return Views.stack(dim, tensors); }
}
