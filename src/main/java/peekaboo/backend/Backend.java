package peekaboo.backend;

import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * The backend SPI: allocation, host transfers and the kernels the engine needs, nothing else.
 * Everything above this interface (tensors, autograd, layers, PaB) is backend-neutral.
 *
 * <p>Conventions: {@code out} tensors are freshly allocated, contiguous and on this backend; inputs
 * may be strided views (elementwise, copy and reduce kernels must honour strides, including the zero
 * strides of broadcast views). Kernels documented as taking contiguous inputs receive them so.
 */
public interface Backend {

    /** Short name used by {@code --device}, e.g. {@code cpu}. */
    String name();

    /** A zero-filled storage of {@code size} elements. */
    Storage allocate(DType dtype, int size);

    /**
     * A storage of {@code size} elements whose contents are unspecified, for an op output that the
     * kernel writes in full ({@code torch.empty}): a backend that recycles memory skips zeroing it.
     * The default is {@link #allocate}.
     */
    default Storage allocateUninitialized(DType dtype, int size) {
        return allocate(dtype, size);
    }

    /**
     * Says that nothing refers to the storage any more (autograd calls it for gradients that die
     * during a backward pass), so its memory may back a later {@link #allocate}. Never required: the
     * default does nothing and leaves the memory to the garbage collector.
     */
    default void recycle(Storage storage) {
    }

    /**
     * Drops the memory kept by {@link #recycle} for later allocations (as PyTorch's
     * {@code torch.cuda.empty_cache()}), leaving it to the garbage collector. For a change of shapes:
     * a test pass whose batch size differs from the training batch reuses none of the training
     * step's memory, and keeping both would add the two. The default does nothing.
     */
    default void releaseCachedMemory() {
    }

    /** A storage holding a copy of a host array: float[], double[], long[] or byte[] (U8 and BOOL). */
    Storage upload(DType dtype, Object hostArray);

    /** The elements of a (possibly strided) tensor in row-major order, converted to double. */
    double[] readDoubles(Tensor t);

    /** The elements of a (possibly strided) tensor in row-major order, converted to float. */
    float[] readFloats(Tensor t);

    /** The elements of a (possibly strided) tensor in row-major order, converted to long. */
    long[] readLongs(Tensor t);

    /** dst[i] = (dst dtype) src[i] elementwise over dst's shape; src is broadcast to it. dst may be a view. */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of the view {@code dst} to {@code value}. */
    void fill(Tensor dst, double value);

    /** out = op(x; p0, p1), elementwise, out has x's shape and out's dtype. */
    void unary(UnaryOp op, Tensor x, double p0, double p1, Tensor out);

    /** out = a op b, elementwise; a and b are already broadcast (expanded) to out's shape. */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** out = cond ? a : b; all three already broadcast to out's shape. */
    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    /**
     * Reduces x over the sorted dimensions {@code dims}; out has x's rank with those dimensions of size 1.
     * For MAX/MIN over exactly one dimension {@code indices} (int64, out's shape) receives the arg index
     * of the first extreme element; otherwise it is null.
     */
    void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out, Tensor indices);

    /** Batched matrix product: a [B, M, K] times b [B, K, N] into out [B, M, N]; a and b may be transposed views. */
    void matmul(Tensor a, Tensor b, Tensor out);

    /** Convolution forward; x, w contiguous; bias null or [k]. */
    void conv2d(Tensor x, Tensor w, Tensor bias, ConvShape g, Tensor out);

    /** Gradient of conv2d with respect to its input (a transposed convolution); dy, w contiguous. */
    void conv2dInputGrad(Tensor dy, Tensor w, ConvShape g, Tensor dx);

    /** Gradient of conv2d with respect to its weight; x, dy contiguous. */
    void conv2dWeightGrad(Tensor x, Tensor dy, ConvShape g, Tensor dw);

    /**
     * PSG's low-precision weight gradient: {@link #conv2dWeightGrad} of Q(x) and Q(dy) ({@link #quantize};
     * a null quantisation leaves its operand as it is), float32, x and dy contiguous. The CPU quantises
     * while its weight-gradient kernels copy their operands (bit for bit the same values, and no Q(x) or
     * Q(dy) written out); this default quantises into temporaries first.
     */
    default void conv2dWeightGradQuantized(Tensor x, Quantization qx, Tensor dy, Quantization qdy, ConvShape g,
            Tensor dw) {
        conv2dWeightGrad(quantized(x, qx), quantized(dy, qdy), g, dw);
    }

    private Tensor quantized(Tensor t, Quantization q) {
        if (q == null) {
            return t;
        }
        Tensor out = Tensor.zeros(this, t.dtype(), t.shape());
        quantize(t, q.bits(), q.max(), q.signed(), out);
        return out;
    }

    /** Max pooling (padding counts as -infinity); indices (int64) are flat positions in each h*w plane. x contiguous. */
    void maxPool2d(Tensor x, PoolShape p, Tensor out, Tensor indices);

    /** Average pooling; x contiguous. */
    void avgPool2d(Tensor x, PoolShape p, Tensor out);

    /** The adjoint of avgPool2d: spreads each output gradient evenly over its window. dy contiguous. */
    void avgPool2dBackward(Tensor dy, PoolShape p, Tensor dx);

    /** out[..., i, ...] = x[..., index[..., i, ...], ...] along {@code dim}; index is int64 of out's shape. */
    void gather(Tensor x, int dim, Tensor index, Tensor out);

    /** out[..., index[..., i, ...], ...] += src[..., i, ...] along {@code dim}; out is contiguous and pre-filled. */
    void scatterAdd(Tensor src, int dim, Tensor index, Tensor out);

    /** out = fma(x, scale[c], shift[c]) for NCHW (or NC) x with per-channel scale and shift of length C. x contiguous. */
    void channelAffine(Tensor x, Tensor scale, Tensor shift, Tensor out);

    /**
     * Batch-norm statistics of x [N, C, ...] (contiguous) per channel over all dimensions but 1:
     * the mean and the biased variance, accumulated in double, into float64 tensors [C].
     */
    void batchNormStats(Tensor x, Tensor mean, Tensor var);

    /**
     * The fused training-mode batch-norm backward for x [N, C, ...] and its output gradient gy (both
     * contiguous, M values per channel), with per-channel mean and invstd (x's dtype) and weight (null: 1):
     * gb = sum(gy), gw = sum(gy (x - mean)) invstd, gx = (gy - gb/M - (x - mean) invstd^2 sum(gy (x - mean))/M) invstd w.
     */
    void batchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor invstd, Tensor weight, Tensor gx, Tensor gw, Tensor gb);

    /**
     * out = relu(a + b) for a, b and out of one shape (a residual sum and the ReLU after it). The default
     * composes the two kernels.
     */
    default void addRelu(Tensor a, Tensor b, Tensor out) {
        Tensor sum = Tensor.zeros(this, out.dtype(), out.shape());
        binary(BinaryOp.ADD, a, b, sum);
        unary(UnaryOp.RELU, sum, 0, 0, out);
    }

    /**
     * The ReLU's backward: out = g * step(z), step(z) = 1 where z > 0 else 0, for g, z and out of one shape
     * (z: the ReLU's input or output, positive at the same places). The default composes two kernels.
     */
    default void reluBackward(Tensor g, Tensor z, Tensor out) {
        Tensor step = Tensor.zeros(this, z.dtype(), z.shape());
        unary(UnaryOp.STEP, z, 0, 0, step);
        binary(BinaryOp.MUL, g, step, out);
    }

    /**
     * out = max(fma(x, scale[c], shift[c]), 0): {@link #channelAffine} followed by ReLU (batch norm fused
     * with the ReLU after it). The default composes the two kernels.
     */
    default void channelAffineRelu(Tensor x, Tensor scale, Tensor shift, Tensor out) {
        Tensor affine = Tensor.zeros(this, out.dtype(), out.shape());
        channelAffine(x, scale, shift, affine);
        unary(UnaryOp.RELU, affine, 0, 0, out);
    }

    /**
     * {@link #batchNormBackward} for batch norm fused with a ReLU: y (contiguous) is the fused output
     * max(fma(x, alpha[c], beta[c]), 0) of {@link #channelAffineRelu}, and the output gradient gy counts
     * only where y > 0, which is where fma(x, alpha[c], beta[c]) > 0: a backend may test either. The
     * default masks gy with separate kernels first.
     */
    default void batchNormReluBackward(Tensor x, Tensor y, Tensor alpha, Tensor beta, Tensor gy, Tensor mean, Tensor invstd,
                                       Tensor weight, Tensor gx, Tensor gw, Tensor gb) {
        Tensor step = Tensor.zeros(this, y.dtype(), y.shape()), masked = Tensor.zeros(this, gy.dtype(), gy.shape());
        unary(UnaryOp.STEP, y, 0, 0, step);
        binary(BinaryOp.MUL, gy, step, masked);
        batchNormBackward(x, masked, mean, invstd, weight, gx, gw, gb);
    }

    /** The k-th smallest element (1-based) of all elements of x, in double. */
    double kthSmallest(Tensor x, long k);

    /** Sorts each row of the last dimension ascending (or descending); values into out, int64 positions into indices. */
    void sort(Tensor x, boolean descending, Tensor out, Tensor indices);

    // ---------------------------------------------------------------- PaB kernels (spec sections 3 and 4)

    /**
     * PSG's quantiser Q(x, bits, max, signed) on contiguous float32 x (bits 1..31), every step rounded to
     * float32 and no fma: min = signed ? -max : 0, delta = (max - min) / 2^bits,
     * t = min(max((x - min) / delta, 0), 2^bits - 1), out = rint(t) * delta + min (rint: half to even);
     * where x == 0 (either sign) out is +0. NaN propagates. Like {@code Quantizer.quantizeOps} on float32 tensors.
     */
    void quantize(Tensor x, int bits, double max, boolean signed, Tensor out);

    /**
     * PSG's weight-gradient combine (spec section 4) of contiguous G_msb and G_exact (same shape, float32 or
     * float64; exact may be null where it is never selected): keep = t == 0 or |msb| >= t (t in msb's dtype),
     * r = keep ? msb : (sparsify || exact == null ? +0 : exact), out = takeSign ? sign(r) : r
     * (sign keeps +-0 and NaN). Like {@code where(|msb| >= t, msb, sparsify ? 0 : exact)} then {@code sign}.
     */
    void psgCombine(Tensor msb, Tensor exact, double t, boolean sparsify, boolean takeSign, Tensor out);

    /**
     * One Bop step (spec section 3) in place on contiguous p, m (p's dtype, float32 or float64), gradient g
     * (p's dtype and shape, contiguous) and int64 per-entry flip counts: with y = ar, keep = 1 - ar, t = tau
     * rounded to p's dtype, m = firstStep ? g + g*y : m*keep + g*y (each product and sum rounded, no fma);
     * where |m| >= t and sign(m) == sign(p) (sign(+-0) = 0): p = -p and the count is incremented.
     * Returns the number of flips.
     */
    long bopStep(Tensor p, Tensor g, Tensor m, Tensor flipCounts, double ar, double tau, boolean firstStep);

    /** Rank used to pick a default backend among those available; higher wins. */
    default int rank() { return 0; }
}
