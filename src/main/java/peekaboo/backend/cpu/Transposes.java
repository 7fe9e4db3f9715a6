package peekaboo.backend.cpu;

/**
 * Square transpositions one vector wide, for the outer-product convolutions ({@link Conv2dOuterForward},
 * {@link Conv2dOuterInputGrad}, {@link Conv2dOuterWeightGrad}): 16 x 16 blocks ({@link Transpose16}) where vectors
 * have 16 lanes, 8 x 8 ({@link Transpose8}) where they have 8.
 */
final class Transposes {
    /** The side of one block: the vector length. */
    static final int SIDE = SgemmKernel.VL;

    private Transposes() {
    }

    /**
     * dst[d + ch*pixels + p] = src[p*channels + ch]: one image's values kept channels-last (a pixel's channels side by
     * side) written channels-first, a block at a time; pixels and channels are multiples of {@link #SIDE}.
     */
    static void toChannelsFirst(float[] src, int pixels, int channels, float[] dst, int d) {
        for (int p = 0; p < pixels; p += SIDE) {
            for (int ch = 0; ch < channels; ch += SIDE) {
                block(src, p * channels + ch, channels, dst, d + ch * pixels + p, pixels);
            }
        }
    }

    /** dst[d + i*dstStride + j] = src[s + j*srcStride + i] for i, j in [0, {@link #SIDE}). */
    static void block(float[] src, int s, int srcStride, float[] dst, int d, int dstStride) {
        if (SIDE == 16) {
            Transpose16.transpose(src, s, srcStride, dst, d, dstStride);
        } else {
            Transpose8.transpose(src, s, srcStride, dst, d, dstStride);
        }
    }
}
