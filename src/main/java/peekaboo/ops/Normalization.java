package peekaboo.ops;

import peekaboo.autograd.Autograd;
import peekaboo.autograd.GradMode;
import peekaboo.autograd.Node;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * Batch normalisation (spec section 1) built on one kernel op, the per-channel affine map
 * y = fma(x, scale[c], shift[c]). Its scale and shift are computed with ordinary ops, so every
 * derivative, including second derivatives through the batch statistics, comes from autograd.
 */
public final class Normalization {
    private Normalization() {}

    /** y = fma(x, scale[c], shift[c]) for x [N, C, ...]; scale and shift have C elements. */
    /** max(fma(x, scale[c], shift[c]), 0) without a graph (the forward of batch norm fused with ReLU). */
    static Tensor channelAffineRelu(Tensor x, Tensor scale, Tensor shift) {
        Tensor out = Tensor.empty(x.backend(), x.dtype(), x.shape());
        x.backend().channelAffineRelu(x.contiguous(), scale.contiguous(), shift.contiguous(), out);
        return out;
    }

    public static Tensor channelAffine(Tensor x, Tensor scale, Tensor shift) {
        if (x.dim() < 2 || scale.numel() != x.size(1) || shift.numel() != x.size(1)) {
            throw new IllegalArgumentException("channelAffine: input " + Shape.str(x.shape()) + " needs scale and shift of " + (x.dim() < 2 ? "?" : x.size(1))
                    + " elements, got " + Shape.str(scale.shape()) + " and " + Shape.str(shift.shape()));
        }
        if (scale.dtype() != x.dtype() || shift.dtype() != x.dtype()) {
            throw new IllegalArgumentException("channelAffine: input " + x.dtype() + " with scale " + scale.dtype() + " and shift " + shift.dtype()
                    + "; all three must share one dtype");
        }
        Tensor out = Tensor.empty(x.backend(), x.dtype(), x.shape());
        x.backend().channelAffine(x.contiguous(), scale.contiguous(), shift.contiguous(), out);
        if (!Autograd.needsGraph(x, scale, shift)) return out;
        int c = x.size(1);
        int[] reduce = reduceDims(x.dim());
        int[] bshape = broadcastShape(x.dim(), c);
        return out.withGradFn(new Node("channel_affine", x, scale, shift) {
            final Tensor sx = save(x), ss = save(scale);
            @Override protected Tensor[] backward(Tensor g) {
                return new Tensor[] {
                    x.requiresGrad() ? g.mul(ss.reshape(bshape)) : null,
                    scale.requiresGrad() ? g.mul(sx).sum(reduce, false).reshape(scale.shape()) : null,
                    shift.requiresGrad() ? g.sum(reduce, false).reshape(shift.shape()) : null};
            }
        });
    }

    /**
     * {@code F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)} for [N, C] or [N, C, H, W].
     * Training: normalise with the batch mean and biased variance; update the running statistics with the
     * unbiased variance: running = (1 - momentum) running + momentum batch. Eval: use the running statistics.
     * weight and bias may be null (no affine).
     */
    /**
     * relu(batchNorm(...)) with the same arguments: in training mode one fused op (the ReLU applied as the
     * output is stored, its mask as the gradient is read); in eval mode the two ops.
     */
    public static Tensor batchNormRelu(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                       boolean training, double momentum, double eps) {
        if (!training || (x.dim() != 2 && x.dim() != 4) || x.numel() / Math.max(1, x.size(1)) <= 1) {
            return batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps).relu();
        }
        checkParameters(x, runningMean, runningVar, weight, bias);
        return BatchNormTraining.apply(x.contiguous(), runningMean, runningVar, weight, bias, momentum, eps, true);
    }

    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        if (x.dim() != 2 && x.dim() != 4) {
            throw new IllegalArgumentException("batch_norm expects [N, C] or [N, C, H, W] input, got " + Shape.str(x.shape()));
        }
        int c = x.size(1);
        checkParameters(x, runningMean, runningVar, weight, bias);
        Tensor mean, var;
        if (training) {
            long n = x.numel() / c;
            if (n <= 1) {
                throw new IllegalArgumentException("batch_norm in training mode needs more than one value per channel, got input " + Shape.str(x.shape()));
            }
            return BatchNormTraining.apply(x.contiguous(), runningMean, runningVar, weight, bias, momentum, eps);
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("batch_norm in eval mode needs running_mean and running_var");
            }
            mean = runningMean.reshape(c);
            var = runningVar.reshape(c);
        }
        // invstd = 1/sqrt(var + eps), alpha = weight invstd, beta = fma(-mean, alpha, bias), y = fma(x, alpha, beta)
        Tensor invstd = var.add(eps).sqrt().reciprocal();
        Tensor alpha = weight == null ? invstd : weight.reshape(c).mul(invstd);
        Tensor shift = bias == null ? Tensor.zerosLike(alpha) : bias.reshape(c);
        Tensor beta = channelAffine(mean.neg().reshape(1, c), alpha, shift).reshape(c);
        return channelAffine(x, alpha, beta);
    }

    private static void checkParameters(Tensor x, Tensor... parameters) {
        int c = x.size(1);
        for (Tensor t : parameters) {
            if (t != null && t.numel() != c) {
                throw new IllegalArgumentException("batch_norm: input " + Shape.str(x.shape()) + " has " + c + " channels but a parameter has shape "
                        + Shape.str(t.shape()));
            }
        }
    }

    static int[] reduceDims(int rank) {
        int[] dims = new int[rank - 1];
        dims[0] = 0;
        for (int i = 2; i < rank; i++) dims[i - 1] = i;
        return dims;
    }

    static int[] broadcastShape(int rank, int c) {
        int[] s = new int[rank];
        java.util.Arrays.fill(s, 1);
        s[1] = c;
        return s;
    }
}
