package peekaboo.data;

/**
 * Images held in memory as unsigned bytes, [n, channels, height, width], with int class labels.
 * The common form every dataset reader produces for small datasets.
 */
public record ImageSet(byte[] pixels, int n, int channels, int height, int width, int[] labels, String[] classes) implements Dataset {
    public ImageSet {
        if (pixels.length != n * channels * height * width) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes do not make " + n + " images of " + channels + "x" + height + "x" + width);
        }
        if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " images");
    }

    public int imageSize() { return channels * height * width; }

    @Override
    public int size() { return n; }

    /** Image {@code index} as uint8 HWC (a copy). */
    @Override
    public Image image(int index) {
        java.util.Objects.checkIndex(index, n);
        return Image.fromChwBytes(pixels, index * imageSize(), channels, height, width);
    }

    @Override
    public int label(int index) { return labels[index]; }
}
