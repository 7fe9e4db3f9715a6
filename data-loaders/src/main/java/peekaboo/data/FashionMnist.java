package peekaboo.data;

import java.nio.file.Path;

/** Fashion-MNIST (and MNIST) from the four IDX files in a directory. */
public final class FashionMnist {
    public static final String[] CLASSES = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

    /** MNIST's digits: the same file names and format. */
    public static final String[] DIGITS = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

    private FashionMnist() {}

    /** The training split ({@code train-*}) or the test split ({@code t10k-*}). */
    public static ImageSet load(Path dir, boolean train) { return load(dir, train, CLASSES); }

    /** MNIST (handwritten digits) from the same four file names. */
    public static ImageSet loadMnist(Path dir, boolean train) { return load(dir, train, DIGITS); }

    static ImageSet load(Path dir, boolean train, String[] classes) {
        if (!java.nio.file.Files.isDirectory(dir)) throw new DatasetException("IDX directory " + dir + " does not exist");
        String prefix = train ? "train" : "t10k";
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        IdxFile img = IdxFile.read(images);
        IdxFile lab = IdxFile.read(labels);
        if (img.shape().length != 3) throw new DatasetException("IDX file " + images + " should hold [n, rows, cols] images, has " + img.shape().length + " dimensions");
        if (lab.shape().length != 1 || lab.shape()[0] != img.shape()[0]) {
            throw new DatasetException("IDX file " + labels + " holds " + lab.shape()[0] + " labels but " + images + " holds " + img.shape()[0] + " images");
        }
        int[] y = new int[lab.shape()[0]];
        for (int i = 0; i < y.length; i++) {
            y[i] = lab.data()[i] & 0xff;
            if (y[i] >= classes.length) throw new DatasetException("IDX file " + labels + " has label " + y[i] + " at index " + i + "; expected 0 to 9");
        }
        return new ImageSet(img.data(), img.shape()[0], 1, img.shape()[1], img.shape()[2], y, classes);
    }

    private static Path find(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        if (gz.toFile().isFile()) return gz;
        Path raw = dir.resolve(base);
        if (raw.toFile().isFile()) return raw;
        throw new DatasetException("no " + base + "[.gz] in " + dir + "; expected the four Fashion-MNIST IDX files there");
    }
}
