package peekaboo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The real datasets in {@code shared/data} (found by {@link SharedData}; skipped when absent): sizes,
 * classes, label histograms, and the per-channel statistics of CIFAR-10 against the published
 * constants. Each split is read once (the CIFAR-10 JPEGs take most of the time).
 */
class SharedDataTest {

    private static Path require(String name) {
        var p = SharedData.dataset(name);
        assumeTrue(p.isPresent(), "shared/data/" + name + " not found (set -Dpeekaboo.sharedData=DIR)");
        return p.get();
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) b.append(String.format(Locale.ROOT, " %.4f", x));
        return b.toString();
    }

    @Test
    void cifar10JpegTrainingSet() {
        try (ImageFolder train = ImageFolder.open(require("cifar10-jpeg").resolve("train"))) {
            assertEquals(50_000, train.size());
            assertArrayEquals(Cifar.CIFAR10_CLASSES, train.classes());
            ChannelStats s = ChannelStats.measure(train, 2);
            int[] tenTimes5000 = new int[10];
            Arrays.fill(tenTimes5000, 5000);
            assertArrayEquals(tenTimes5000, s.labelCounts());
            System.out.printf("CIFAR-10 JPEG train: mean%s, std over pixels%s, mean per-image std%s; %.0f images/s (2 workers)%n",
                    fmt(s.mean()), fmt(s.std()), fmt(s.meanImageStd()), s.imagesPerSecond());
            // JPEG re-encoding shifts the statistics a little: measured: mean within 0.0001, stds about 0.002 lower (see README).
            float[] m = MeanStd.CIFAR10.mean(), q = MeanStd.CIFAR10.std();
            double[] pixelStd = {0.2470, 0.2435, 0.2616}; // the per-pixel std of the original CIFAR-10 training set
            for (int c = 0; c < 3; c++) {
                assertEquals(m[c], s.mean()[c], 0.003, "mean of channel " + c);
                assertEquals(pixelStd[c], s.std()[c], 0.004, "per-pixel std of channel " + c);
                assertEquals(q[c], s.meanImageStd()[c], 0.004, "mean per-image std of channel " + c + " (the published 'std')");
            }
        }
    }

    @Test
    void cifar10JpegTestSet() {
        try (ImageFolder test = ImageFolder.open(require("cifar10-jpeg").resolve("test"))) {
            assertEquals(10_000, test.size());
            assertArrayEquals(Cifar.CIFAR10_CLASSES, test.classes());
            int[] counts = new int[10];
            for (int i = 0; i < test.size(); i++) counts[test.label(i)]++;
            int[] tenTimes1000 = new int[10];
            Arrays.fill(tenTimes1000, 1000);
            assertArrayEquals(tenTimes1000, counts);
            // A few batches through the spec's training transform: CIFAR-shaped, normalised.
            try (DataLoader loader = new DataLoader(test, Datasets.cifarTransform("cifar10", true), DataLoader.Options.of(128).shuffled(0).workers(2))) {
                var it = loader.iterator();
                for (int k = 0; k < 3; k++) assertArrayEquals(new int[] {128, 3, 32, 32}, it.next().inputs().shape());
            }
        }
    }

    @Test
    void fashionMnist() {
        Path dir = require("fashion-mnist");
        ImageSet train = FashionMnist.load(dir, true), test = FashionMnist.load(dir, false);
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        assertArrayEquals(new int[] {1, 28, 28}, new int[] {train.channels(), train.height(), train.width()});
        int[] a = new int[10], b = new int[10];
        for (int y : train.labels()) a[y]++;
        for (int y : test.labels()) b[y]++;
        int[] six = new int[10], one = new int[10];
        Arrays.fill(six, 6000);
        Arrays.fill(one, 1000);
        assertArrayEquals(six, a);
        assertArrayEquals(one, b);
        ChannelStats s = ChannelStats.measure(train, 2);
        System.out.printf("Fashion-MNIST train: mean%s, std%s; %.0f images/s (2 workers)%n", fmt(s.mean()), fmt(s.std()), s.imagesPerSecond());
        assertEquals(0.2860, s.mean()[0], 0.0005);
        assertEquals(0.3530, s.std()[0], 0.0005);
    }
}
