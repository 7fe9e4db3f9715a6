package peekaboo.ops;

import peekaboo.autograd.Autograd;
import peekaboo.autograd.GradMode;
import peekaboo.autograd.Node;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * Training-mode batch norm as one op (spec section 1). Forward: per-channel mean and biased variance
 * accumulated in double (as PyTorch's CPU kernel), invstd = 1/sqrt(var + eps) in double, then
 * y = fma(x, alpha, beta) with alpha = weight invstd, beta = fma(-mean, alpha, bias). The running
 * statistics move by momentum towards the batch mean and the unbiased variance (n/(n-1)).
 *
 * <p>Backward: a fused two-pass kernel when no graph is being recorded; when one is (createGraph),
 * the same gradient written with differentiable ops, so second derivatives through the batch
 * statistics are exact.
 */
final class BatchNormTraining {
    private BatchNormTraining() {}

    static Tensor apply(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, double momentum, double eps) {
        return apply(x, runningMean, runningVar, weight, bias, momentum, eps, false);
    }

    /**
     * With relu: max(batch_norm(x), 0) as one op, the ReLU applied while the normalised value is stored and
     * its mask applied while the gradient is read (the output y is saved: y > 0 exactly where the ReLU passed).
     */
    static Tensor apply(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, double momentum, double eps,
                        boolean relu) {
        int c = x.size(1);
        long n = x.numel() / c;
        Tensor mean64 = Tensor.zeros(x.backend(), DType.F64, c), var64 = Tensor.zeros(x.backend(), DType.F64, c);
        x.backend().batchNormStats(x, mean64, var64);
        Tensor mean, invstd, y, alpha, beta;
        try (var scope = GradMode.noGrad()) {
            if (runningMean != null) {
                Tensor updated = runningMean.to(DType.F64).mul(1 - momentum).add(mean64.reshape(runningMean.shape()).mul(momentum));
                runningMean.copyFrom(updated);
            }
            if (runningVar != null) {
                Tensor unbiased = var64.mul((double) n / (n - 1));
                runningVar.copyFrom(runningVar.to(DType.F64).mul(1 - momentum).add(unbiased.reshape(runningVar.shape()).mul(momentum)));
            }
            mean = mean64.to(x.dtype());
            invstd = var64.add(eps).rsqrt().to(x.dtype());
            alpha = weight == null ? invstd : weight.reshape(c).mul(invstd);
            Tensor shift = bias == null ? Tensor.zerosLike(alpha) : bias.reshape(c);
            beta = Normalization.channelAffine(mean.neg().reshape(1, c), alpha, shift).reshape(c);
            y = relu ? Normalization.channelAffineRelu(x, alpha, beta) : Normalization.channelAffine(x, alpha, beta);
        }
        if (!Autograd.needsGraph(x, weight, bias)) return y;
        Tensor m = mean, is = invstd, out = y, a = alpha, b = beta;
        return y.withGradFn(new Node(relu ? "batch_norm_relu" : "batch_norm", x, weight, bias) {
            final Tensor sx = save(x), sw = weight == null ? null : save(weight);
            @Override protected Tensor[] backward(Tensor g) {
                if (GradMode.isEnabled()) {
                    // relu'' = 0: the mask is a constant of the graph
                    Tensor gz = relu ? g.mul(Elementwise.step(out.detach())) : g;
                    return differentiable(sx, sw, bias, gz, eps);
                }
                return relu ? fusedRelu(sx, out, a, b, sw, bias, g, m, is) : fused(sx, sw, bias, g, m, is);
            }
        });
    }

    /** The fused backward. */
    private static Tensor[] fused(Tensor x, Tensor weight, Tensor bias, Tensor g, Tensor mean, Tensor invstd) {
        Grads d = new Grads(x, weight);
        x.backend().batchNormBackward(x, g.contiguous(), mean, invstd, d.weight, d.gx, d.gw, d.gb);
        return d.shaped(weight, bias);
    }

    /** The fused backward of the op fused with its ReLU: y = max(fma(x, alpha, beta), 0) is the forward's output. */
    private static Tensor[] fusedRelu(Tensor x, Tensor y, Tensor alpha, Tensor beta, Tensor weight, Tensor bias, Tensor g,
                                      Tensor mean, Tensor invstd) {
        Grads d = new Grads(x, weight);
        x.backend().batchNormReluBackward(x, y, alpha, beta, g.contiguous(), mean, invstd, d.weight, d.gx, d.gw, d.gb);
        return d.shaped(weight, bias);
    }

    /** The fused kernels' outputs (gx, and gw, gb per channel) and their weight as a contiguous [c] tensor (null without one). */
    private static final class Grads {
        final Tensor gx, gw, gb, weight;

        Grads(Tensor x, Tensor weight) {
            int c = x.size(1);
            gx = Tensor.emptyLike(x);
            gw = Tensor.zeros(x.backend(), x.dtype(), c);
            gb = Tensor.zeros(x.backend(), x.dtype(), c);
            this.weight = weight == null ? null : weight.reshape(c).contiguous();
        }

        /** {gx, gw, gb} in the shapes of x, the weight and the bias (null for an absent one). */
        Tensor[] shaped(Tensor weight, Tensor bias) {
            return new Tensor[] {gx, weight == null ? null : gw.reshape(weight.shape()), bias == null ? null : gb.reshape(bias.shape())};
        }
    }

    /** The same gradient from differentiable ops (recomputing the statistics from x). */
    private static Tensor[] differentiable(Tensor x, Tensor weight, Tensor bias, Tensor g, double eps) {
        int[] dims = Normalization.reduceDims(x.dim());
        int[] b = Normalization.broadcastShape(x.dim(), x.size(1));
        Tensor centred = x.sub(x.mean(dims, true));
        Tensor invstd = centred.mul(centred).mean(dims, true).add(eps).rsqrt();
        Tensor xhat = centred.mul(invstd);
        Tensor gxhat = weight == null ? g : g.mul(weight.reshape(b));
        Tensor gx = gxhat.sub(gxhat.mean(dims, true)).sub(xhat.mul(gxhat.mul(xhat).mean(dims, true))).mul(invstd);
        Tensor gw = weight == null ? null : g.mul(xhat).sum(dims, false).reshape(weight.shape());
        Tensor gb = bias == null ? null : g.sum(dims, false).reshape(bias.shape());
        return new Tensor[] {gx, gw, gb};
    }
}
