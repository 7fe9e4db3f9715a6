package peekaboo.backend.cpu;

/**
 * The geometry of a 2-d convolution (PyTorch {@code nn.Conv2d} semantics): input [n, c, h, w],
 * weight [k, c/groups, r, s], output [n, k, outH(), outW()], all NCHW contiguous.
 *
 * <p>Example: {@code new ConvShape(128, 16, 32, 32, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1)} is a 3x3,
 * stride 1, pad 1 layer of ResNet-20.
 */
public record ConvShape(int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW,
        int padH, int padW, int dilH, int dilW, int groups) {

    public ConvShape {
        if (n < 1 || c < 1 || h < 1 || w < 1 || k < 1 || r < 1 || s < 1) {
            throw new IllegalArgumentException("conv sizes must be positive: n=" + n + " c=" + c + " h=" + h
                    + " w=" + w + " k=" + k + " r=" + r + " s=" + s);
        }
        if (strideH < 1 || strideW < 1 || dilH < 1 || dilW < 1 || groups < 1) {
            throw new IllegalArgumentException("stride, dilation and groups must be positive: strideH="
                    + strideH + " strideW=" + strideW + " dilH=" + dilH + " dilW=" + dilW + " groups=" + groups);
        }
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("padding must be >= 0: padH=" + padH + " padW=" + padW);
        }
        if (c % groups != 0 || k % groups != 0) {
            throw new IllegalArgumentException("channels must be divisible by groups: c=" + c + " k=" + k
                    + " groups=" + groups);
        }
        int oh = (h + 2 * padH - dilH * (r - 1) - 1) / strideH + 1;
        int ow = (w + 2 * padW - dilW * (s - 1) - 1) / strideW + 1;
        if (h + 2 * padH - dilH * (r - 1) - 1 < 0 || w + 2 * padW - dilW * (s - 1) - 1 < 0) {
            throw new IllegalArgumentException("kernel larger than padded input: h=" + h + " w=" + w
                    + " padH=" + padH + " padW=" + padW + " r=" + r + " s=" + s + " dilH=" + dilH
                    + " dilW=" + dilW + " (output would be " + oh + "x" + ow + ")");
        }
    }

    /** A square, ungrouped, undilated convolution. */
    public static ConvShape of(int n, int c, int hw, int k, int rs, int stride, int pad) {
        return new ConvShape(n, c, hw, hw, k, rs, rs, stride, stride, pad, pad, 1, 1, 1);
    }

    /** Output height: (h + 2 padH - dilH (r - 1) - 1) / strideH + 1. */
    public int outH() {
        return (h + 2 * padH - dilH * (r - 1) - 1) / strideH + 1;
    }

    /** Output width: (w + 2 padW - dilW (s - 1) - 1) / strideW + 1. */
    public int outW() {
        return (w + 2 * padW - dilW * (s - 1) - 1) / strideW + 1;
    }

    /** Input channels per group. */
    public int cPerGroup() {
        return c / groups;
    }

    /** Output channels per group. */
    public int kPerGroup() {
        return k / groups;
    }

    /** Multiply-adds times two of one pass (forward, input-grad or weight-grad), bias excluded. */
    public double flops() {
        return 2.0 * n * k * outH() * outW() * cPerGroup() * r * s;
    }

    public int inputSize() {
        return n * c * h * w;
    }

    public int outputSize() {
        return n * k * outH() * outW();
    }

    public int weightSize() {
        return k * cPerGroup() * r * s;
    }
}
