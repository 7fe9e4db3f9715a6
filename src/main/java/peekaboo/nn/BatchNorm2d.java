package peekaboo.nn;

import peekaboo.autograd.GradMode;
import peekaboo.ops.Normalization;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * {@code nn.BatchNorm2d}: weight 1, bias 0, running_mean 0, running_var 1, num_batches_tracked (int64);
 * training forwards use batch statistics and update the running ones (spec section 1).
 */
public class BatchNorm2d extends Module {
    public final int channels;
    public final double eps, momentum;

    public BatchNorm2d(int channels, double eps, double momentum) {
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        registerParameter("weight", Tensor.ones(channels));
        registerParameter("bias", Tensor.zeros(channels));
        registerBuffer("running_mean", Tensor.zeros(channels));
        registerBuffer("running_var", Tensor.ones(channels));
        registerBuffer("num_batches_tracked", Tensor.zeros(DType.I64));
    }

    public BatchNorm2d(int channels) { this(channels, 1e-5, 0.1); }

    @Override
    protected Tensor compute(Tensor x) {
        countBatch();
        return Normalization.batchNorm(x, buffer("running_mean"), buffer("running_var"), param("weight"), param("bias"),
                isTraining(), momentum, eps);
    }

    /**
     * {@code relu(forward(x))} as one fused op in training mode (forward hooks see the ReLU's output). Models
     * call it where a ReLU follows the batch norm directly.
     */
    public Tensor forwardRelu(Tensor x) {
        countBatch();
        Tensor y = Normalization.batchNormRelu(x, buffer("running_mean"), buffer("running_var"), param("weight"), param("bias"),
                isTraining(), momentum, eps);
        tellHooks(x, y);
        return y;
    }

    private void countBatch() {
        if (isTraining()) {
            try (var scope = GradMode.noGrad()) {
                Tensor n = buffer("num_batches_tracked");
                n.copyFrom(n.add(1.0));
            }
        }
    }

    @Override
    public String describe() { return "BatchNorm2d(" + channels + (momentum != 0.1 ? ", momentum " + momentum : "") + ")"; }
}
