package peekaboo.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import peekaboo.data.Batch;
import peekaboo.data.DataLoader;
import peekaboo.data.Dataset;
import peekaboo.data.Datasets;
import peekaboo.data.Transform;

/**
 * Images/s of the training data path of {@code pab train --dataset imagefolder} alone: the same dataset,
 * transform (RandomCrop(32, 4), flip, ToTensor, Normalize) and loader options (batches of 128, shuffled,
 * {@code --workers N}), no network. Median of the timed passes after one untimed warm-up pass (JIT, page
 * cache). Used by {@code bench/compare.sh} to check that loading keeps up with the training step.
 *
 * <pre>
 * java -cp CLASSES:JAR:DEPS peekaboo.bench.LoaderTimer DATA_DIR [workers=2] [passes=3] [images per pass=all]
 * </pre>
 * DATA_DIR is what {@code pab train --data} takes (a folder with train/ and test/, or the class folders).
 */
public final class LoaderTimer {
    private LoaderTimer() {}

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 4) {
            System.err.println("usage: LoaderTimer DATA_DIR [workers] [passes] [images per pass]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int limit = args.length > 3 ? Integer.parseInt(args[3]) : Integer.MAX_VALUE;
        if (workers < 0 || passes < 1 || limit < 1) throw new IllegalArgumentException("workers >= 0, passes >= 1 and images >= 1 expected");
        Dataset d = Datasets.open("imagefolder", dir, true, false);
        Transform t = Datasets.cifarTransform("imagefolder", true);
        int images = Math.min(limit, d.size());
        try {
            pass(d, t, workers, images, 0);
            double[] s = new double[passes];
            for (int p = 0; p < passes; p++) s[p] = pass(d, t, workers, images, p + 1);
            Arrays.sort(s);
            double median = passes % 2 == 1 ? s[passes / 2] : (s[passes / 2 - 1] + s[passes / 2]) / 2;
            System.out.printf(Locale.ROOT, "loader %s, %d workers, batches of 128: %d images per pass, median %.1f images/s over %d passes%n",
                    Datasets.splitFolder(dir, true), workers, images, images / median, passes);
        } finally {
            if (d instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // timing is done
                }
            }
        }
    }

    /** Seconds to draw batches until {@code images} samples were seen, epoch {@code epoch}'s shuffle. */
    private static double pass(Dataset d, Transform t, int workers, int images, int epoch) {
        long t0 = System.nanoTime();
        int seen = 0;
        try (DataLoader loader = new DataLoader(d, t, DataLoader.Options.of(128).shuffled(0).workers(workers))) {
            for (Batch b : loader.epoch(epoch)) {
                seen += b.size();
                if (seen >= images) break;
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
