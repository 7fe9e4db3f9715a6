package peekaboo.backend;

/** Geometry of a 2-D pooling window over NCHW input; output size as PyTorch (floor, or ceil mode). */
public record PoolShape(int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                        int padH, int padW, boolean ceilMode, boolean countIncludePad) {
    public PoolShape {
        if (kh <= 0 || kw <= 0 || strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("pooling needs kernel and stride >= 1 and padding >= 0, got kernel (" + kh + ", " + kw
                    + "), stride (" + strideH + ", " + strideW + "), padding (" + padH + ", " + padW + ")");
        }
        if (padH * 2 > kh || padW * 2 > kw) {
            throw new IllegalArgumentException("pooling padding (" + padH + ", " + padW + ") must be at most half the kernel (" + kh + ", " + kw + ")");
        }
        if (h + 2 * padH < kh || w + 2 * padW < kw) {
            throw new IllegalArgumentException("pooling input " + h + "x" + w + " is too small for kernel " + kh + "x" + kw);
        }
    }

    public int outH() { return outSize(h, kh, strideH, padH); }

    public int outW() { return outSize(w, kw, strideW, padW); }

    private int outSize(int in, int k, int stride, int pad) {
        int span = in + 2 * pad - k;
        int out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
        // PyTorch: the last window must start inside the input or the left padding
        if (ceilMode && (out - 1) * stride >= in + pad) out--;
        return out;
    }
}
