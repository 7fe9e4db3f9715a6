package peekaboo.data;

import java.util.List;
import peekaboo.tensor.Generator;

/**
 * The image transforms of spec section 5, named and behaving as in torchvision.transforms. Random
 * ones draw from the generator passed to {@link Transform#apply}; torchvision's
 * {@code torch.randint(0, n)} is {@code g.nextInt(n)} here and {@code torch.rand(1)} is
 * {@code g.nextDouble()}.
 */
public final class Transforms {
    private Transforms() {}

    /** The transforms one after another ({@code transforms.Compose}). */
    public static Transform compose(Transform... steps) {
        List<Transform> list = List.of(steps);
        return (img, g) -> {
            for (Transform t : list) img = t.apply(img, g);
            return img;
        };
    }

    /** {@code transforms.ToTensor()}: uint8 HWC to float32 CHW in [0, 1] (value / 255). */
    public static Transform toTensor() {
        return (img, g) -> {
            if (!img.isUint8()) return img;
            int c = img.channels(), h = img.height(), w = img.width(), plane = h * w;
            byte[] src = img.bytes();
            float[] out = new float[c * plane];
            for (int p = 0; p < plane; p++) {
                for (int ch = 0; ch < c; ch++) out[ch * plane + p] = (src[p * c + ch] & 0xff) / 255f;
            }
            return Image.ofChw(out, c, h, w);
        };
    }

    /** {@code transforms.Normalize(mean, std)}: (x - mean[c]) / std[c] in float32, on a float image. */
    public static Transform normalize(float[] mean, float[] std) {
        if (mean.length != std.length) throw new IllegalArgumentException("Normalize needs as many means as stds, got " + mean.length + " and " + std.length);
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("Normalize needs positive stds, got " + s);
        float[] m = mean.clone(), s = std.clone();
        return (img, g) -> {
            if (img.channels() != m.length) throw new IllegalArgumentException("Normalize has " + m.length + " channels' constants for a " + img + "; add GrayscaleToRgb for 1-channel images");
            float[] src = img.floats();
            float[] out = new float[src.length];
            int plane = img.height() * img.width();
            for (int c = 0; c < m.length; c++) {
                for (int p = c * plane; p < (c + 1) * plane; p++) out[p] = (src[p] - m[c]) / s[c];
            }
            return Image.ofChw(out, img.channels(), img.height(), img.width());
        };
    }

    public static Transform normalize(MeanStd stats) { return normalize(stats.mean(), stats.std()); }

    /** Zero padding of {@code p} pixels on every side ({@code transforms.Pad(p)}). */
    public static Transform pad(int p) {
        if (p < 0) throw new IllegalArgumentException("padding must be non-negative, got " + p);
        return (img, g) -> p == 0 ? img : img.crop(-p, -p, img.height() + 2 * p, img.width() + 2 * p);
    }

    /** Zero padding around the image, centred, up to {@code size x size} (28x28 Fashion-MNIST to 32x32: 2 on each side). */
    public static Transform padTo(int size) {
        return (img, g) -> {
            if (img.height() > size || img.width() > size) throw new IllegalArgumentException("cannot pad a " + img + " to " + size + "x" + size);
            return img.crop(-(size - img.height()) / 2, -(size - img.width()) / 2, size, size);
        };
    }

    /** One channel repeated to three ({@code transforms.Grayscale(3)} on a gray image); other images pass unchanged. */
    public static Transform grayscaleToRgb() {
        return (img, g) -> {
            if (img.channels() != 1) return img;
            if (img.isUint8()) {
                byte[] src = img.bytes(), out = new byte[src.length * 3];
                for (int p = 0; p < src.length; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = src[p];
                return Image.ofHwc(out, img.height(), img.width(), 3);
            }
            float[] src = img.floats(), out = new float[src.length * 3];
            for (int c = 0; c < 3; c++) System.arraycopy(src, 0, out, c * src.length, src.length);
            return Image.ofChw(out, 3, img.height(), img.width());
        };
    }

    /**
     * {@code transforms.RandomCrop(size, padding)}: zero padding on every side, then a
     * {@code size x size} window at top = randint(0, H - size + 1), left = randint(0, W - size + 1).
     */
    public static Transform randomCrop(int size, int padding) {
        if (size < 1 || padding < 0) throw new IllegalArgumentException("RandomCrop needs size >= 1 and padding >= 0, got " + size + ", " + padding);
        return (img, g) -> {
            int h = img.height() + 2 * padding, w = img.width() + 2 * padding;
            if (h < size || w < size) throw new IllegalArgumentException("RandomCrop(" + size + ") is larger than the padded " + h + "x" + w + " image");
            if (h == size && w == size) return img.crop(-padding, -padding, size, size);
            int top = g.nextInt(h - size + 1), left = g.nextInt(w - size + 1);
            return img.crop(top - padding, left - padding, size, size);
        };
    }

    /** {@code transforms.RandomHorizontalFlip(p)}: mirrored left-right when {@code g.nextDouble() < p}. */
    public static Transform randomHorizontalFlip(double p) {
        return (img, g) -> g.nextDouble() < p ? horizontalFlip(img) : img;
    }

    public static Transform randomHorizontalFlip() { return randomHorizontalFlip(0.5); }

    /** The image mirrored left-right. */
    public static Image horizontalFlip(Image img) {
        int w = img.width();
        return img.remap(img.height(), w, y -> y, x -> w - 1 - x);
    }

    /** {@code transforms.Resize(size)}: the shorter side to {@code size}, the longer one to int(size * long / short), bilinear. */
    public static Transform resize(int size) {
        if (size < 1) throw new IllegalArgumentException("Resize needs a positive size, got " + size);
        return (img, g) -> {
            int h = img.height(), w = img.width();
            if (w <= h) return Resize.bilinear(img, (int) ((long) size * h / w), size);
            return Resize.bilinear(img, size, (int) ((long) size * w / h));
        };
    }

    /** Resizing to exactly {@code height x width}, bilinear ({@code transforms.Resize((h, w))}). */
    public static Transform resize(int height, int width) {
        return (img, g) -> Resize.bilinear(img, height, width);
    }

    /** {@code transforms.CenterCrop(size)}: top = round((H - size) / 2) (half to even), zero padding when the image is smaller. */
    public static Transform centerCrop(int size) {
        return (img, g) -> img.crop((int) Math.rint((img.height() - size) / 2.0), (int) Math.rint((img.width() - size) / 2.0), size, size);
    }

    /** {@code transforms.RandomResizedCrop(size)} with scale (0.08, 1) and ratio (3/4, 4/3). */
    public static Transform randomResizedCrop(int size) {
        return randomResizedCrop(size, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
    }

    /**
     * {@code transforms.RandomResizedCrop(size, scale, ratio)}: up to 10 attempts at a window of
     * area in {@code scale} times the image's and aspect ratio log-uniform in {@code ratio}; when none
     * fits, the central crop clamped to the ratio range. The window is resized to size x size, bilinear.
     */
    public static Transform randomResizedCrop(int size, double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
        if (!(scaleMin > 0 && scaleMin <= scaleMax && ratioMin > 0 && ratioMin <= ratioMax)) {
            throw new IllegalArgumentException("RandomResizedCrop needs 0 < scale min <= max and 0 < ratio min <= max");
        }
        return (img, g) -> {
            int[] box = resizedCropBox(img.height(), img.width(), scaleMin, scaleMax, ratioMin, ratioMax, g);
            return Resize.bilinear(img.crop(box[0], box[1], box[2], box[3]), size, size);
        };
    }

    /** torchvision's RandomResizedCrop.get_params: {top, left, height, width}. */
    static int[] resizedCropBox(int height, int width, double scaleMin, double scaleMax, double ratioMin, double ratioMax, Generator g) {
        double area = (double) height * width;
        double logMin = Math.log(ratioMin), logMax = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * (scaleMin + (scaleMax - scaleMin) * g.nextDouble());
            double aspect = Math.exp(logMin + (logMax - logMin) * g.nextDouble());
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = g.nextInt(height - h + 1), left = g.nextInt(width - w + 1);
                return new int[] {top, left, h, w};
            }
        }
        double inRatio = (double) width / height;
        int w, h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    // ---- the pipelines of spec section 5 ----

    /** CIFAR training: RandomCrop(32, padding 4), RandomHorizontalFlip, ToTensor, Normalize. */
    public static Transform cifarTrain(MeanStd stats) {
        return compose(randomCrop(32, 4), randomHorizontalFlip(), toTensor(), normalize(stats));
    }

    /** CIFAR test: ToTensor, Normalize. */
    public static Transform cifarTest(MeanStd stats) {
        return compose(toTensor(), normalize(stats));
    }

    /** ImageNet training: RandomResizedCrop(224), RandomHorizontalFlip, ToTensor, Normalize. */
    public static Transform imagenetTrain() {
        return compose(randomResizedCrop(224), randomHorizontalFlip(), toTensor(), normalize(MeanStd.IMAGENET));
    }

    /** ImageNet validation: Resize(256), CenterCrop(224), ToTensor, Normalize. */
    public static Transform imagenetVal() {
        return compose(resize(256), centerCrop(224), toTensor(), normalize(MeanStd.IMAGENET));
    }

    /**
     * A 28x28 gray image (Fashion-MNIST) made CIFAR-shaped: padded to 32x32 and repeated to 3 channels,
     * then {@code rest} (for example RandomCrop + flip + ToTensor + Normalize).
     */
    public static Transform asCifarShaped(Transform rest) {
        return compose(padTo(32), grayscaleToRgb(), rest);
    }
}
