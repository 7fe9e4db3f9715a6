package peekaboo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import peekaboo.tensor.Generator;

/** The transforms of spec section 5: shapes, value ranges, bounds, flips, determinism, torchvision's formulas. */
class TransformsProperties {

    /** A uint8 HWC image whose pixels encode their position and channel, drawn from the seed. */
    static Image image(int c, int h, int w, long seed) {
        Generator g = new Generator(seed);
        byte[] b = new byte[c * h * w];
        for (int i = 0; i < b.length; i++) b[i] = (byte) g.nextInt(256);
        return Image.ofHwc(b, h, w, c);
    }

    @Property(tries = 50)
    void toTensorGivesChwInUnitRange(@ForAll @IntRange(min = 1, max = 4) int c, @ForAll @IntRange(min = 1, max = 20) int h,
                                     @ForAll @IntRange(min = 1, max = 20) int w, @ForAll long seed) {
        Image in = image(c, h, w, seed);
        Image t = Transforms.toTensor().apply(in, null);
        assertEquals(c, t.channels());
        assertEquals(h, t.height());
        assertEquals(w, t.width());
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = t.floats()[(ch * h + y) * w + x];
                    assertTrue(v >= 0 && v <= 1);
                    assertEquals((in.bytes()[(y * w + x) * c + ch] & 0xff) / 255f, v);
                }
            }
        }
    }

    @Property(tries = 30)
    void normalizeIsFloat32SubThenDiv(@ForAll long seed) {
        Image t = Transforms.toTensor().apply(image(3, 5, 7, seed), null);
        Image n = Transforms.normalize(MeanStd.CIFAR10).apply(t, null);
        float[] m = MeanStd.CIFAR10.mean(), s = MeanStd.CIFAR10.std();
        for (int i = 0; i < t.floats().length; i++) {
            int c = i / 35;
            assertEquals((t.floats()[i] - m[c]) / s[c], n.floats()[i]);
        }
    }

    @Property(tries = 100)
    void randomCropKeepsSizeAndTakesAWindowOfThePaddedImage(@ForAll @IntRange(min = 1, max = 12) int size, @ForAll @IntRange(min = 0, max = 5) int pad,
                                                            @ForAll @IntRange(min = 0, max = 6) int extraH, @ForAll @IntRange(min = 0, max = 6) int extraW,
                                                            @ForAll boolean asFloat, @ForAll long seed) {
        int h = Math.max(1, size + extraH - pad), w = Math.max(1, size + extraW - pad);
        if (h + 2 * pad < size || w + 2 * pad < size) return;
        Image in = image(2, h, w, seed);
        if (asFloat) in = Transforms.toTensor().apply(in, null);
        Image out = Transforms.randomCrop(size, pad).apply(in, new Generator(seed));
        assertEquals(size, out.height());
        assertEquals(size, out.width());
        // The same window of the explicitly padded image, found by replaying the generator.
        Generator g = new Generator(seed);
        int ph = h + 2 * pad, pw = w + 2 * pad;
        int top = ph == size && pw == size ? 0 : g.nextInt(ph - size + 1);
        int left = ph == size && pw == size ? 0 : g.nextInt(pw - size + 1);
        assertTrue(top >= 0 && top + size <= ph && left >= 0 && left + size <= pw);
        Image padded = Transforms.pad(pad).apply(in, null);
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) assertEquals(padded.get(c, top + y, left + x), out.get(c, y, x));
            }
        }
    }

    @Property(tries = 50)
    void flipTwiceIsIdentity(@ForAll @IntRange(min = 1, max = 9) int h, @ForAll @IntRange(min = 1, max = 9) int w, @ForAll boolean asFloat, @ForAll long seed) {
        Image in = image(3, h, w, seed);
        if (asFloat) in = Transforms.toTensor().apply(in, null);
        Image once = Transforms.horizontalFlip(in), twice = Transforms.horizontalFlip(once);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    assertEquals(in.get(c, y, x), twice.get(c, y, x));
                    assertEquals(in.get(c, y, w - 1 - x), once.get(c, y, x));
                }
            }
        }
    }

    @Property(tries = 50)
    void randomFlipFlipsWhenTheDrawIsBelowP(@ForAll long seed) {
        Image in = image(3, 4, 5, seed);
        boolean flips = new Generator(seed).nextDouble() < 0.5;
        Image out = Transforms.randomHorizontalFlip().apply(in, new Generator(seed));
        if (!flips) assertSame(in, out);
        else assertArrayEquals(Transforms.horizontalFlip(in).bytes(), out.bytes());
    }

    @Property(tries = 60)
    void randomResizedCropBoxIsInsideTheImage(@ForAll @IntRange(min = 1, max = 600) int h, @ForAll @IntRange(min = 1, max = 600) int w, @ForAll long seed) {
        int[] box = Transforms.resizedCropBox(h, w, 0.08, 1.0, 3.0 / 4, 4.0 / 3, new Generator(seed));
        assertTrue(box[2] >= 1 && box[3] >= 1, "non-empty");
        assertTrue(box[0] >= 0 && box[1] >= 0 && box[0] + box[2] <= h && box[1] + box[3] <= w, "inside");
    }

    @Property(tries = 15)
    void randomResizedCropGivesTheSizeAskedAndStaysInRange(@ForAll @IntRange(min = 8, max = 90) int h, @ForAll @IntRange(min = 8, max = 90) int w, @ForAll long seed) {
        Image out = Transforms.compose(Transforms.randomResizedCrop(24), Transforms.toTensor()).apply(image(3, h, w, seed), new Generator(seed));
        assertEquals(24, out.height());
        assertEquals(24, out.width());
        for (float v : out.floats()) assertTrue(v >= 0 && v <= 1);
    }

    @Example
    void randomResizedCropFallsBackToTheCentreWhenNoAttemptFits() {
        // A 1x100 strip: no window with ratio in [3/4, 4/3] fits within 10 attempts, so the fallback
        // (ratio 100 > 4/3: h = 1, w = round(1 * 4/3) = 1, centred) is used.
        int[] box = Transforms.resizedCropBox(1, 100, 0.08, 1.0, 3.0 / 4, 4.0 / 3, new Generator(7));
        assertArrayEquals(new int[] {0, 49, 1, 1}, box);
        // A scale range above 1 never fits either: the whole image (ratio inside the range) is taken.
        assertArrayEquals(new int[] {0, 0, 30, 40}, Transforms.resizedCropBox(30, 40, 1.5, 2.0, 3.0 / 4, 4.0 / 3, new Generator(7)));
    }

    @Property(tries = 30)
    void sameSeedSameAugmentation(@ForAll long seed, @ForAll long imageSeed) {
        Transform t = Transforms.compose(Transforms.randomResizedCrop(16), Transforms.randomHorizontalFlip(), Transforms.randomCrop(16, 2),
                Transforms.toTensor(), Transforms.normalize(MeanStd.IMAGENET));
        Image in = image(3, 23, 31, imageSeed);
        assertArrayEquals(t.apply(in, new Generator(seed)).floats(), t.apply(in, new Generator(seed)).floats());
    }

    @Example
    void resizeShorterSideAndCenterCrop() {
        Image in = image(3, 300, 400, 1);
        Image r = Transforms.resize(256).apply(in, null);
        assertEquals(256, r.height());
        assertEquals(341, r.width()); // int(256 * 400 / 300)
        Image c = Transforms.centerCrop(224).apply(r, null);
        assertEquals(224, c.height());
        assertEquals(224, c.width());
        assertEquals(r.get(1, 16, 58), c.get(1, 0, 0)); // top = round(32 / 2) = 16, left = round(117 / 2) = 58 (half to even)
        Image t = Transforms.imagenetVal().apply(in, null);
        assertEquals(3 * 224 * 224, t.floats().length);
    }

    @Property(tries = 30)
    void bilinearResizeOfAConstantImageIsConstantAndUpDownKeepsRange(@ForAll @IntRange(min = 1, max = 40) int oh, @ForAll @IntRange(min = 1, max = 40) int ow,
                                                                    @ForAll @IntRange(min = 0, max = 255) int value) {
        byte[] b = new byte[3 * 17 * 13];
        java.util.Arrays.fill(b, (byte) value);
        Image out = Resize.bilinear(Image.ofHwc(b, 17, 13, 3), oh, ow);
        for (byte v : out.bytes()) assertEquals(value, v & 0xff);
    }

    @Example
    void bilinearFollowsPillowsCoefficientsOnASmallCase() {
        // Pillow's precompute_coeffs halving 4 pixels to 2 (scale 2, support 2), worked by hand:
        // output 0: centre 1.0, taps 0..2 with triangle weights 0.75, 0.75, 0.25 (sum 1.75) -> 500/7 = 71.4 -> 71;
        // output 1: centre 3.0, taps 1..3 with weights 0.25, 0.75, 0.75 -> 362.5/1.75 = 207.1 -> 207.
        // (Not checked against Pillow itself here: there is no Pillow on this machine.)
        byte[] row = {0, 100, (byte) 200, (byte) 250};
        Image out = Resize.bilinear(Image.ofHwc(row, 1, 4, 1), 1, 2);
        assertEquals(71, out.bytes()[0] & 0xff);
        assertEquals(207, out.bytes()[1] & 0xff);
        // Upscaling 2 -> 4 (support 1): output 1 has centre 0.75, taps 0 and 1 with weights 0.75 and 0.25.
        Image up = Resize.bilinear(Image.ofHwc(new byte[] {0, 100}, 1, 2, 1), 1, 4);
        assertArrayEquals(new byte[] {0, 25, 75, 100}, up.bytes());
    }

    @Example
    void grayTo3ChannelsAndPadTo32() {
        Image in = image(1, 28, 28, 3);
        Image out = Transforms.compose(Transforms.padTo(32), Transforms.grayscaleToRgb()).apply(in, null);
        assertEquals(3, out.channels());
        assertEquals(32, out.height());
        assertEquals(32, out.width());
        for (int c = 0; c < 3; c++) {
            assertEquals(0, out.get(c, 0, 0));
            assertEquals(0, out.get(c, 31, 31));
            assertEquals(in.get(0, 0, 0), out.get(c, 2, 2));
            assertEquals(in.get(0, 27, 27), out.get(c, 29, 29));
        }
        Image t = Datasets.cifarTransform("fashion-mnist", true).apply(in, new Generator(1));
        assertEquals(3 * 32 * 32, t.floats().length);
    }

    @Example
    void normalizeRejectsAChannelMismatchAndAUint8Image() {
        Image gray = Transforms.toTensor().apply(image(1, 4, 4, 1), null);
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(MeanStd.CIFAR10).apply(gray, null));
        assertThrows(IllegalStateException.class, () -> Transforms.normalize(MeanStd.CIFAR10).apply(image(3, 4, 4, 1), null));
    }
}
