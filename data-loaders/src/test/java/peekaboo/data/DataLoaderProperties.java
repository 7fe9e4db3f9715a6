package peekaboo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;

/** The DataLoader: coverage, batch sizes, drop-last, reproducibility, independence from the worker count, shutdown. */
class DataLoaderProperties {
    private static final Transform AUGMENT = Transforms.cifarTrain(MeanStd.CIFAR10);

    /** Tiny CIFAR-shaped images so each property stays fast. */
    private static Dataset data(int n, long seed) { return new SyntheticDataset(n, 3, 8, 8, 10, seed); }

    private static Transform augment() {
        return Transforms.compose(Transforms.randomCrop(8, 2), Transforms.randomHorizontalFlip(), Transforms.toTensor(), Transforms.normalize(MeanStd.CIFAR10));
    }

    private static List<Batch> all(Iterable<Batch> epoch) {
        List<Batch> out = new ArrayList<>();
        for (Batch b : epoch) out.add(b);
        return out;
    }

    @Property(tries = 40)
    void everyIndexExactlyOncePerEpochWithBatchSizes(@ForAll @IntRange(min = 0, max = 70) int n, @ForAll @IntRange(min = 1, max = 16) int bs,
                                                    @ForAll boolean shuffle, @ForAll boolean dropLast, @ForAll @IntRange(min = 0, max = 3) int workers,
                                                    @ForAll long seed) {
        DataLoader.Options o = new DataLoader.Options(bs, shuffle, dropLast, workers, 0, seed);
        try (DataLoader loader = new DataLoader(data(n, 1), augment(), o)) {
            for (int epoch = 0; epoch < 2; epoch++) {
                List<Batch> batches = all(loader.epoch(epoch));
                assertEquals(dropLast ? n / bs : (n + bs - 1) / bs, batches.size());
                int[] seen = new int[n];
                for (int b = 0; b < batches.size(); b++) {
                    Batch batch = batches.get(b);
                    int expected = b < batches.size() - 1 || dropLast || n % bs == 0 ? bs : n % bs;
                    assertEquals(expected, batch.size());
                    assertArrayEquals(new int[] {expected, 3, 8, 8}, batch.inputs().shape());
                    assertEquals(DType.F32, batch.inputs().dtype());
                    assertEquals(DType.I64, batch.targets().dtype());
                    long[] y = batch.targets().toLongArray();
                    for (int k = 0; k < expected; k++) {
                        seen[batch.indices()[k]]++;
                        assertEquals(batch.indices()[k] % 10, y[k]);
                    }
                }
                int total = Arrays.stream(seen).sum();
                assertEquals(dropLast ? n / bs * bs : n, total);
                for (int s : seen) assertTrue(s <= 1, "an index twice in one epoch");
                if (!shuffle && !dropLast) for (int s : seen) assertEquals(1, s);
            }
        }
    }

    @Property(tries = 15)
    void sameBatchesForOneAndTwoWorkers(@ForAll @IntRange(min = 1, max = 60) int n, @ForAll @IntRange(min = 1, max = 9) int bs, @ForAll long seed,
                                        @ForAll @IntRange(min = 0, max = 5) int epoch) {
        DataLoader.Options o = DataLoader.Options.of(bs).shuffled(seed);
        List<Batch> zero, one, two;
        try (DataLoader a = new DataLoader(data(n, 5), augment(), o);
             DataLoader b = new DataLoader(data(n, 5), augment(), o.workers(1));
             DataLoader c = new DataLoader(data(n, 5), augment(), o.workers(2).prefetch(1))) {
            zero = all(a.epoch(epoch));
            one = all(b.epoch(epoch));
            two = all(c.epoch(epoch));
        }
        assertSameBatches(one, two);
        assertSameBatches(zero, two);
    }

    static void assertSameBatches(List<Batch> x, List<Batch> y) {
        assertEquals(x.size(), y.size());
        for (int i = 0; i < x.size(); i++) {
            assertArrayEquals(x.get(i).indices(), y.get(i).indices());
            assertArrayEquals(x.get(i).inputs().toFloatArray(), y.get(i).inputs().toFloatArray());
            assertArrayEquals(x.get(i).targets().toLongArray(), y.get(i).targets().toLongArray());
        }
    }

    @Property(tries = 10)
    void reproduciblePerSeedAndEpochAndDifferentAcrossEpochs(@ForAll long seed) {
        DataLoader.Options o = DataLoader.Options.of(16).shuffled(seed).workers(2);
        try (DataLoader a = new DataLoader(data(48, 2), augment(), o); DataLoader b = new DataLoader(data(48, 2), augment(), o)) {
            // Iterating starts epochs 0, 1, 2, ...: a fresh loader repeats the sequence; epoch(e) is epoch e.
            List<Batch> a0 = all(a), a1 = all(a);
            assertSameBatches(a0, all(b.epoch(0)));
            assertSameBatches(a1, all(b.epoch(1)));
            assertSameBatches(a1, all(b.epoch(1)));
            assertFalse(Arrays.equals(a0.get(0).indices(), a1.get(0).indices()) && Arrays.equals(a0.get(1).indices(), a1.get(1).indices()),
                    "epochs 0 and 1 shuffle alike");
        }
        try (DataLoader c = new DataLoader(data(48, 2), augment(), o.withSeed(seed + 1))) {
            List<Batch> other = all(c.epoch(0));
            try (DataLoader a = new DataLoader(data(48, 2), augment(), o)) {
                assertFalse(Arrays.equals(all(a.epoch(0)).get(0).inputs().toFloatArray(), other.get(0).inputs().toFloatArray()));
            }
        }
    }

    @Example
    void augmentationDependsOnSeedEpochAndIndexOnly() {
        // Sample 5 gets the same augmentation whatever its position: as the sequential loader gives it and as a subset gives it.
        Dataset d = data(20, 9);
        try (DataLoader seq = new DataLoader(d, augment(), DataLoader.Options.of(4).withSeed(3));
             DataLoader sub = new DataLoader(d, augment(), Sampler.subset(new int[] {7, 5}, 11), DataLoader.Options.of(1).withSeed(3).workers(2))) {
            float[] fromSeq = Arrays.copyOfRange(all(seq.epoch(2)).get(1).inputs().toFloatArray(), 192, 384);
            for (Batch b : sub.epoch(2)) {
                if (b.indices()[0] == 5) assertArrayEquals(fromSeq, b.inputs().toFloatArray());
            }
        }
    }

    @Property(tries = 20)
    void pruningSubsetIsFixedAndReshuffledEachPass(@ForAll long seed) {
        // Spec section 2: 100 indices drawn once from the seeded generator, reshuffled every pass.
        int[] subset = Sampler.drawSubset(50_000, 100, new Generator(seed));
        assertArrayEquals(subset, Sampler.drawSubset(50_000, 100, new Generator(seed)));
        assertEquals(100, Arrays.stream(subset).distinct().count());
        Sampler s = Sampler.subset(subset, seed);
        int[] p0 = s.indices(0), p1 = s.indices(1);
        assertArrayEquals(sorted(subset), sorted(p0));
        assertArrayEquals(sorted(subset), sorted(p1));
        assertNotEquals(Arrays.toString(p0), Arrays.toString(p1));
        assertArrayEquals(p1, s.indices(1));
    }

    @Example
    void pruningBatchOfOneHundredThroughTheTrainingTransform() {
        Dataset d = SyntheticDataset.cifarLike(1000, 4);
        int[] subset = Sampler.drawSubset(d.size(), 100, new Generator(0));
        try (DataLoader loader = new DataLoader(d, AUGMENT, Sampler.subset(subset, 0), DataLoader.Options.of(256).workers(2))) {
            List<Batch> pass = all(loader);
            assertEquals(1, pass.size());
            assertArrayEquals(new int[] {100, 3, 32, 32}, pass.get(0).inputs().shape());
            assertArrayEquals(sorted(subset), sorted(pass.get(0).indices()));
        }
    }

    private static int[] sorted(int[] a) {
        int[] s = a.clone();
        Arrays.sort(s);
        return s;
    }

    @Example
    void closeStopsWorkersOfAnAbandonedEpoch() throws InterruptedException {
        DataLoader loader = new DataLoader(SyntheticDataset.cifarLike(4096, 1), AUGMENT, DataLoader.Options.of(8).workers(2));
        Iterator<Batch> it = loader.iterator();
        it.next();
        loader.close();
        assertThrows(IllegalStateException.class, it::next);
        assertThrows(IllegalStateException.class, loader::iterator);
        for (int i = 0; i < 100 && dataThreads() > 0; i++) Thread.sleep(20);
        assertEquals(0, dataThreads(), "data worker threads still alive after close");
    }

    private static long dataThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("peekaboo-data-") && t.isAlive()).count();
    }

    @Example
    void aWorkersErrorReachesTheConsumer() {
        Dataset broken = new Dataset() {
            public int size() { return 10; }
            public Image image(int i) {
                if (i == 7) throw new DatasetException("cannot decode image x/7.jpg: broken");
                return Image.ofHwc(new byte[3], 1, 1, 3);
            }
            public int label(int i) { return 0; }
            public String[] classes() { return new String[] {"a"}; }
        };
        try (DataLoader loader = new DataLoader(broken, Transforms.toTensor(), DataLoader.Options.of(2).workers(2))) {
            DatasetException e = assertThrows(DatasetException.class, () -> all(loader));
            assertTrue(e.getMessage().contains("x/7.jpg"));
        }
    }

    @Example
    void mixedSizesInABatchAreAClearError() {
        Dataset mixed = new Dataset() {
            public int size() { return 2; }
            public Image image(int i) { return Image.ofHwc(new byte[3 * (i + 1)], 1, i + 1, 3); }
            public int label(int i) { return 0; }
            public String[] classes() { return new String[] {"a"}; }
        };
        try (DataLoader loader = new DataLoader(mixed, null, DataLoader.Options.of(2))) {
            DatasetException e = assertThrows(DatasetException.class, () -> all(loader));
            assertTrue(e.getMessage().contains("Resize"), e.getMessage());
        }
    }
}
