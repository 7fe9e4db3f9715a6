package peekaboo.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import peekaboo.data.Batch;
import peekaboo.data.DataLoader;
import peekaboo.data.Dataset;
import peekaboo.data.Datasets;
import peekaboo.data.FashionMnist;
import peekaboo.data.ImageFolder;
import peekaboo.data.ImageSet;
import peekaboo.data.MeanStd;
import peekaboo.data.Transform;
import peekaboo.data.Transforms;

/**
 * Data-loading throughput (a timed main, not JMH: one pass over a dataset is seconds long): images/s
 * for decode + augment + batch of the CIFAR-10 JPEG ImageFolder with 1 and 2 workers, and for the
 * in-memory CIFAR-shaped and IDX paths, batches of 128 with the spec's CIFAR training transform;
 * each figure is the median of three full passes after a warm-up pass.
 *
 * <pre>
 * mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp target/test-classes:target/classes:$(cat target/classpath.txt) peekaboo.bench.DataLoadingBench [SHARED_DATA_DIR]
 * </pre>
 * Without an argument it looks for {@code shared/data} above the working directory, then falls back
 * to the bundled samples in {@code data-loaders/sample}.
 */
public final class DataLoadingBench {
    private DataLoadingBench() {}

    public static void main(String[] args) {
        Path shared = args.length > 0 ? Path.of(args[0]) : findShared();
        Path jpeg = shared != null && Files.isDirectory(shared.resolve("cifar10-jpeg/train")) ? shared.resolve("cifar10-jpeg/train") : Path.of("data-loaders/sample/cifar10/train.zip");
        Path idx = shared != null && Files.isDirectory(shared.resolve("fashion-mnist")) ? shared.resolve("fashion-mnist") : Path.of("data-loaders/sample/fashion-mnist");
        System.out.printf("data loading, %d processors, batches of 128, CIFAR training transform (RandomCrop(32, 4), flip, ToTensor, Normalize)%n",
                Runtime.getRuntime().availableProcessors());
        Transform cifar = Transforms.cifarTrain(MeanStd.CIFAR10);
        try (ImageFolder folder = ImageFolder.open(jpeg)) {
            pass(folder, cifar, 2, folder.size()); // warm-up: JIT and the page cache
            for (int workers : new int[] {1, 2}) report("ImageFolder " + jpeg.getFileName() + " (JPEG decode + augment)", folder, cifar, workers);
            long t0 = System.nanoTime();
            ImageSet memory = ImageSet.copyOf(folder, 2);
            System.out.printf(Locale.ROOT, "  decoding it into memory once (ImageSet.copyOf, 2 threads): %.1f s%n", (System.nanoTime() - t0) / 1e9);
            for (int workers : new int[] {0, 1, 2}) report("in memory, CIFAR-shaped (augment only)", memory, cifar, workers);
        }
        ImageSet fashion = FashionMnist.load(idx, true);
        Transform padded = Datasets.cifarTransform("fashion-mnist", true);
        for (int workers : new int[] {0, 1, 2}) report("IDX Fashion-MNIST, ToTensor only", fashion, Transforms.toTensor(), workers);
        for (int workers : new int[] {0, 2}) report("IDX Fashion-MNIST, padded to 3x32x32 + augment", fashion, padded, workers);
    }

    /** The median of three passes (the machine's cores may be shared, so single passes are noisy). */
    private static void report(String what, Dataset d, Transform t, int workers) {
        double[] s = {pass(d, t, workers, d.size()), pass(d, t, workers, d.size()), pass(d, t, workers, d.size())};
        java.util.Arrays.sort(s);
        System.out.printf(Locale.ROOT, "%-50s workers %d: %,7d images in %5.2f s = %,8.0f images/s (median of 3; best %,.0f)%n",
                what, workers, d.size(), s[1], d.size() / s[1], d.size() / s[0]);
    }

    /** Seconds for one pass over the first {@code limit} samples' batches. */
    private static double pass(Dataset d, Transform t, int workers, int limit) {
        long t0 = System.nanoTime();
        int seen = 0;
        try (DataLoader loader = new DataLoader(d, t, DataLoader.Options.of(128).shuffled(0).workers(workers))) {
            for (Batch b : loader) {
                seen += b.size();
                if (seen >= limit) break;
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static Path findShared() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("shared/data"))) return d.resolve("shared/data");
        }
        return null;
    }
}
