package peekaboo.backend;

/**
 * Geometry of a 2-D convolution over NCHW input [n, c, h, w] with weight [k, c/groups, r, s].
 * Output size follows PyTorch: (h + 2 padH - dilH (r - 1) - 1) / strideH + 1.
 */
public record ConvShape(int n, int c, int h, int w, int k, int r, int s,
                        int strideH, int strideW, int padH, int padW, int dilH, int dilW, int groups) {
    public ConvShape {
        if (n < 0 || c <= 0 || h <= 0 || w <= 0 || k <= 0 || r <= 0 || s <= 0) {
            throw new IllegalArgumentException("conv2d sizes must be positive: input [" + n + ", " + c + ", " + h + ", " + w
                    + "], weight [" + k + ", " + (groups > 0 ? c / groups : c) + ", " + r + ", " + s + "]");
        }
        if (strideH <= 0 || strideW <= 0 || dilH <= 0 || dilW <= 0 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d needs stride and dilation >= 1 and padding >= 0, got stride ("
                    + strideH + ", " + strideW + "), padding (" + padH + ", " + padW + "), dilation (" + dilH + ", " + dilW + ")");
        }
        if (groups <= 0 || c % groups != 0 || k % groups != 0) {
            throw new IllegalArgumentException("conv2d groups=" + groups + " must divide both in_channels=" + c + " and out_channels=" + k);
        }
        // fields are not assigned yet inside a compact constructor: compute from the parameters
        if ((h + 2 * padH - dilH * (r - 1) - 1) < 0 || (w + 2 * padW - dilW * (s - 1) - 1) < 0) {
            throw new IllegalArgumentException("conv2d input " + h + "x" + w + " is too small for kernel " + r + "x" + s
                    + " with padding (" + padH + ", " + padW + ") and dilation (" + dilH + ", " + dilW + ")");
        }
    }

    public int outH() { return (h + 2 * padH - dilH * (r - 1) - 1) / strideH + 1; }

    public int outW() { return (w + 2 * padW - dilW * (s - 1) - 1) / strideW + 1; }

    /** A square, ungrouped, undilated convolution. */
    public static ConvShape of(int n, int c, int hw, int k, int rs, int stride, int pad) {
        return new ConvShape(n, c, hw, hw, k, rs, rs, stride, stride, pad, pad, 1, 1, 1);
    }

    /** Input channels per group. */
    public int cg() { return c / groups; }

    /** Output channels per group. */
    public int kg() { return k / groups; }

    public int cPerGroup() { return cg(); }

    public int kPerGroup() { return kg(); }

    /** Floating-point operations (2 per multiply-add) of one pass, bias excluded. */
    public double flops() { return 2.0 * macs(); }

    public int inputSize() { return n * c * h * w; }

    public int outputSize() { return n * k * outH() * outW(); }

    public int weightSize() { return k * cg() * r * s; }

    /** Multiply-accumulates of one pass (forward, input-grad and weight-grad each cost this). */
    public long macs() { return (long) n * k * outH() * outW() * cg() * r * s; }
}
