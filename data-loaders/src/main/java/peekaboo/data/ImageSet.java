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

    /**
     * Every image of {@code dataset} decoded once into memory ({@code threads} decoding threads), for
     * datasets of small images of one size (the CIFAR-10 JPEG folder: 50,000 x 3 x 32 x 32 = 150 MB).
     */
    public static ImageSet copyOf(Dataset dataset, int threads) {
        int n = dataset.size();
        if (n == 0) throw new DatasetException("cannot cache an empty dataset");
        Image first = dataset.image(0);
        int c = first.channels(), h = first.height(), w = first.width(), size = c * h * w;
        byte[] pixels = new byte[Math.multiplyExact(n, size)];
        int[] labels = new int[n];
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<RuntimeException> error = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable work = () -> {
            for (int i; error.get() == null && (i = next.getAndIncrement()) < n; ) {
                try {
                    Image img = dataset.image(i);
                    if (img.channels() != c || img.height() != h || img.width() != w) {
                        throw new DatasetException("image " + i + " is " + img.channels() + "x" + img.height() + "x" + img.width()
                                + " but image 0 is " + c + "x" + h + "x" + w + "; only a dataset of one image size can be cached");
                    }
                    byte[] hwc = img.bytes();
                    int plane = h * w;
                    for (int p = 0; p < plane; p++) for (int ch = 0; ch < c; ch++) pixels[i * size + ch * plane + p] = hwc[p * c + ch];
                    labels[i] = dataset.label(i);
                } catch (RuntimeException e) {
                    error.compareAndSet(null, e);
                }
            }
        };
        Thread[] pool = new Thread[Math.max(1, threads)];
        for (int t = 0; t < pool.length; t++) {
            pool[t] = new Thread(work, "peekaboo-data-cache-" + t);
            pool[t].setDaemon(true);
            pool[t].start();
        }
        for (Thread t : pool) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while decoding the dataset", e);
            }
        }
        if (error.get() != null) throw error.get();
        return new ImageSet(pixels, n, c, h, w, labels, dataset.classes());
    }
}
