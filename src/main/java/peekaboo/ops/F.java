package peekaboo.ops;

import peekaboo.tensor.Tensor;

/**
 * The functional API in one place, named as {@code torch.nn.functional}:
 * {@code F.conv2d(x, w, b, 1, 1)}, {@code F.batchNorm(...)}, {@code F.crossEntropy(logits, y)}.
 */
public final class F {
    private F() {}

    /** {@code F.conv2d(x, w, b, stride, padding)} with square stride/padding, dilation 1, groups 1. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(x, weight, bias, stride, padding, 1, 1);
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return Convolution.conv2d(x, weight, bias, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {dilation, dilation}, groups);
    }

    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) { return LinearAlgebra.linear(x, weight, bias); }

    public static Tensor relu(Tensor x) { return x.relu(); }

    /** {@code F.max_pool2d(x, kernel, stride, padding)}. */
    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pooling.maxPool2d(x, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, false);
    }

    /** {@code F.avg_pool2d(x, kernel)} (stride = kernel, no padding). */
    public static Tensor avgPool2d(Tensor x, int kernel) {
        return Pooling.avgPool2d(x, new int[] {kernel, kernel}, new int[] {kernel, kernel}, new int[] {0, 0}, false, true);
    }

    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pooling.avgPool2d(x, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, false, true);
    }

    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) { return Pooling.adaptiveAvgPool2d(x, outH, outW); }

    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        return Normalization.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /** {@code F.relu(a + b)} as one op for operands of one shape (a residual sum and its ReLU). */
    public static Tensor addRelu(Tensor a, Tensor b) { return Elementwise.addRelu(a, b); }

    /** {@code F.relu(F.batch_norm(...))}, one fused op in training mode. */
    public static Tensor batchNormRelu(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                       boolean training, double momentum, double eps) {
        return Normalization.batchNormRelu(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    public static Tensor logSoftmax(Tensor x, int dim) { return Losses.logSoftmax(x, dim); }

    public static Tensor softmax(Tensor x, int dim) { return Losses.softmax(x, dim); }

    public static Tensor crossEntropy(Tensor logits, Tensor target) { return Losses.crossEntropy(logits, target); }

    public static Tensor nllLoss(Tensor logp, Tensor target) { return Losses.nllLoss(logp, target); }
}
