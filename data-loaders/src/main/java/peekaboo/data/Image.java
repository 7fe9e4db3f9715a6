package peekaboo.data;

import java.util.function.IntUnaryOperator;

/**
 * One image on its way through the transforms, in one of two forms, as in torchvision:
 * <ul>
 *   <li><b>uint8 HWC</b> (a decoded picture, the form of a PIL image): {@code bytes()}, values 0..255,
 *       index {@code (y * width + x) * channels + c};</li>
 *   <li><b>float32 CHW</b> (after {@link Transforms#toTensor()}): {@code floats()}, index
 *       {@code (c * height + y) * width + x}.</li>
 * </ul>
 * Geometric transforms (crop, pad, flip) work on both forms; images are immutable by convention:
 * a transform returns a new one (or the same when it changes nothing).
 */
public final class Image {
    private final int channels, height, width;
    private final byte[] bytes;
    private final float[] floats;

    private Image(int channels, int height, int width, byte[] bytes, float[] floats) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("an image needs at least 1 channel, row and column, got " + channels + "x" + height + "x" + width);
        }
        long n = (long) channels * height * width;
        int have = bytes != null ? bytes.length : floats.length;
        if (have != n) throw new IllegalArgumentException(have + " values do not make a " + channels + "x" + height + "x" + width + " image");
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.bytes = bytes;
        this.floats = floats;
    }

    /** A uint8 image in HWC order (the array is kept, not copied). */
    public static Image ofHwc(byte[] hwc, int height, int width, int channels) {
        return new Image(channels, height, width, hwc, null);
    }

    /** A float32 image in CHW order (the array is kept, not copied). */
    public static Image ofChw(float[] chw, int channels, int height, int width) {
        return new Image(channels, height, width, null, chw);
    }

    /** A uint8 image from CHW bytes (the layout of CIFAR binaries and IDX files), converted to HWC. */
    public static Image fromChwBytes(byte[] src, int offset, int channels, int height, int width) {
        byte[] hwc = new byte[channels * height * width];
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < plane; p++) hwc[p * channels + c] = src[offset + c * plane + p];
        }
        return ofHwc(hwc, height, width, channels);
    }

    public int channels() { return channels; }

    public int height() { return height; }

    public int width() { return width; }

    public boolean isUint8() { return bytes != null; }

    /** The uint8 HWC values (the backing array); fails for a float image. */
    public byte[] bytes() {
        if (bytes == null) throw new IllegalStateException("this image is float32 CHW (after ToTensor); the transform expects a uint8 image");
        return bytes;
    }

    /** The float32 CHW values (the backing array); fails for a uint8 image. */
    public float[] floats() {
        if (floats == null) throw new IllegalStateException("this image is uint8 HWC; add ToTensor before this transform");
        return floats;
    }

    /** The value at (c, y, x) as a double, in either form (uint8 as 0..255). */
    public double get(int c, int y, int x) {
        return bytes != null ? bytes[(y * width + x) * channels + c] & 0xff : floats[(c * height + y) * width + x];
    }

    /**
     * A new image of {@code outH x outW} whose pixel (y, x) is this image's pixel (rows(y), cols(x)),
     * or zero where rows or cols gives a position outside this image. Crops, zero padding and flips
     * are all of this form.
     */
    public Image remap(int outH, int outW, IntUnaryOperator rows, IntUnaryOperator cols) {
        int[] sx = new int[outW];
        for (int x = 0; x < outW; x++) {
            int s = cols.applyAsInt(x);
            sx[x] = s >= 0 && s < width ? s : -1;
        }
        if (bytes != null) {
            byte[] out = new byte[outH * outW * channels];
            for (int y = 0; y < outH; y++) {
                int r = rows.applyAsInt(y);
                if (r < 0 || r >= height) continue;
                for (int x = 0; x < outW; x++) {
                    if (sx[x] < 0) continue;
                    System.arraycopy(bytes, (r * width + sx[x]) * channels, out, (y * outW + x) * channels, channels);
                }
            }
            return ofHwc(out, outH, outW, channels);
        }
        float[] out = new float[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < outH; y++) {
                int r = rows.applyAsInt(y);
                if (r < 0 || r >= height) continue;
                int src = (c * height + r) * width, dst = (c * outH + y) * outW;
                for (int x = 0; x < outW; x++) if (sx[x] >= 0) out[dst + x] = floats[src + sx[x]];
            }
        }
        return ofChw(out, channels, outH, outW);
    }

    /** The rectangle of {@code h x w} at (top, left); parts outside this image are zero (torchvision's crop). */
    public Image crop(int top, int left, int h, int w) {
        if (top == 0 && left == 0 && h == height && w == width) return this;
        return remap(h, w, y -> y + top, x -> x + left);
    }

    @Override
    public String toString() {
        return (bytes != null ? "uint8 HWC " : "float32 CHW ") + channels + "x" + height + "x" + width + " image";
    }
}
