package peekaboo.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import peekaboo.data.ChannelStats;
import peekaboo.data.Dataset;
import peekaboo.data.Datasets;
import peekaboo.data.ImageFolder;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pab dataset}: reads a dataset once and reports its size, classes, per-channel statistics and decode speed. */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Read a dataset once: samples, classes, per-channel mean/std (pixels in [0, 1]) and decode throughput.")
final class DatasetCommand implements Callable<Integer> {
    @Option(names = "--dataset", required = true,
            description = "cifar10, cifar100 (fine labels), cifar100-coarse, imagefolder (directory or .zip), fashion-mnist, mnist or synthetic")
    String dataset;

    @Option(names = "--data", description = "the dataset's directory (imagefolder: the class folders, a .zip of them, or a folder with train/ and test/ in it; "
            + "default for fashion-mnist: the bundled sample)")
    Path data;

    @ArgGroup(exclusive = true)
    Split split = new Split();

    static final class Split {
        @Option(names = "--train", description = "the training split (default)")
        boolean train;

        @Option(names = "--test", description = "the test split")
        boolean test;
    }

    @Option(names = "--workers", defaultValue = "2", description = "decoding threads (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--skip-unreadable", description = "imagefolder: leave out images that cannot be decoded (counted) instead of failing")
    boolean skipUnreadable;

    @Override
    public Integer call() {
        if (workers < 0) throw new IllegalArgumentException("--workers must be 0 or more, got " + workers);
        boolean train = !split.test;
        String name = dataset.toLowerCase(Locale.ROOT);
        Path dir = data;
        if (dir == null && name.equals("fashion-mnist")) dir = Main.home().resolve("data-loaders/sample/fashion-mnist");
        Dataset ds = Datasets.open(name, dir, train, skipUnreadable);
        try {
            String where = dir == null ? "" : " from " + (name.equals("imagefolder") ? Datasets.splitFolder(dir, train) : dir);
            System.out.printf("%s%s%s: %,d samples, %d classes%n", name, train ? " (train)" : " (test)", where, ds.size(), ds.classes().length);
            if (ds instanceof ImageFolder f && f.skipped() > 0) System.out.printf("skipped %d unreadable image(s)%n", f.skipped());
            System.out.println("classes: " + String.join(", ", ds.classes()));
            ChannelStats s = ChannelStats.measure(ds, workers);
            System.out.println("samples per class: " + histogram(s.labelCounts()));
            System.out.println("per-channel mean:      " + format(s.mean()));
            System.out.println("per-channel std:       " + format(s.std()) + "  (over all pixels)");
            System.out.println("mean per-image std:    " + format(s.meanImageStd()) + "  (how the published CIFAR-10 std constants were computed)");
            System.out.printf("decode + ToTensor: %,d images in %.2f s, %,.0f images/s with %d worker%s%n",
                    s.images(), s.seconds(), s.imagesPerSecond(), workers, workers == 1 ? "" : "s");
        } finally {
            if (ds instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // nothing more to report
                }
            }
        }
        return 0;
    }

    private static String format(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) b.append(String.format(Locale.ROOT, "%.4f ", x));
        return b.toString().strip();
    }

    private static String histogram(int[] counts) {
        int min = Integer.MAX_VALUE, max = 0;
        for (int c : counts) {
            min = Math.min(min, c);
            max = Math.max(max, c);
        }
        if (min == max) return counts.length + " x " + min;
        if (counts.length > 20) return "from " + min + " to " + max;
        StringBuilder b = new StringBuilder();
        for (int c : counts) b.append(c).append(' ');
        return b.toString().strip();
    }
}
