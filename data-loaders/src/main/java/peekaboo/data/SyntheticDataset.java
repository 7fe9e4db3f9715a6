package peekaboo.data;

import peekaboo.tensor.Generator;

/**
 * Random images for tests and benchmarks, nothing read from disk: sample i has label i mod classes
 * and pixels drawn from a generator seeded by (seed, i), brighter in a class-dependent channel, so
 * the same (seed, i) always gives the same image on any thread and a net can learn the classes.
 */
public final class SyntheticDataset implements Dataset {
    private final int n, channels, height, width;
    private final String[] classes;
    private final long seed;

    public SyntheticDataset(int n, int channels, int height, int width, int classes, long seed) {
        if (n < 0 || channels < 1 || height < 1 || width < 1 || classes < 1) {
            throw new IllegalArgumentException("a synthetic dataset needs n >= 0 and positive channels, height, width and classes");
        }
        this.n = n;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.seed = seed;
        this.classes = new String[classes];
        for (int c = 0; c < classes; c++) this.classes[c] = "class" + c;
    }

    /** 32x32 RGB, 10 classes: CIFAR-shaped. */
    public static SyntheticDataset cifarLike(int n, long seed) { return new SyntheticDataset(n, 3, 32, 32, 10, seed); }

    @Override
    public int size() { return n; }

    @Override
    public int label(int index) { return index % classes.length; }

    @Override
    public String[] classes() { return classes.clone(); }

    @Override
    public Image image(int index) {
        java.util.Objects.checkIndex(index, n);
        Generator g = new Generator(Seeds.mix(seed, index));
        int bright = label(index) % channels;
        byte[] hwc = new byte[height * width * channels];
        for (int p = 0; p < hwc.length; p++) {
            int v = g.nextInt(192) + (p % channels == bright ? 63 : 0);
            hwc[p] = (byte) v;
        }
        return Image.ofHwc(hwc, height, width, channels);
    }
}
