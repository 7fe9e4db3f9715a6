package peekaboo.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * Batches from a {@link Dataset} through a {@link Transform} ({@code torch.utils.data.DataLoader}).
 *
 * <p>Reproducible: epoch e visits the sampler's order for e, and sample i of epoch e is augmented
 * with a generator seeded by (seed, e, i) alone, so the batches are the same for any number of
 * workers and any thread timing. Each {@link #iterator()} starts the next epoch (0, 1, 2, ...), as
 * iterating a PyTorch loader again reshuffles; {@link #epoch(int)} asks for one by number.
 *
 * <p>With {@code workers} = 0 batches are made on the caller's thread. With N > 0, N daemon threads of
 * the loader's own (not the compute pool {@code backend.cpu.Parallel}) decode and augment whole
 * batches, at most {@code prefetch} batches ahead of the consumer; batches come back in order.
 * {@link #close()} stops the workers of every epoch still running.
 */
public final class DataLoader implements Iterable<Batch>, AutoCloseable {

    /**
     * How to batch. {@code prefetch}: batches in flight per epoch (made and not yet consumed), 0 for
     * twice the workers.
     */
    public record Options(int batchSize, boolean shuffle, boolean dropLast, int workers, int prefetch, long seed) {
        public Options {
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            if (workers < 0) throw new IllegalArgumentException("workers must be 0 or more, got " + workers);
            if (prefetch < 0) throw new IllegalArgumentException("prefetch must be 0 or more, got " + prefetch);
        }

        /** Batches of {@code batchSize}, in order, the last partial batch kept, made on the caller's thread. */
        public static Options of(int batchSize) { return new Options(batchSize, false, false, 0, 0, 0); }

        public Options shuffled(long seed) { return new Options(batchSize, true, dropLast, workers, prefetch, seed); }

        public Options withSeed(long seed) { return new Options(batchSize, shuffle, dropLast, workers, prefetch, seed); }

        public Options dropLast(boolean drop) { return new Options(batchSize, shuffle, drop, workers, prefetch, seed); }

        public Options workers(int n) { return new Options(batchSize, shuffle, dropLast, n, prefetch, seed); }

        public Options prefetch(int n) { return new Options(batchSize, shuffle, dropLast, workers, n, seed); }
    }

    private final Dataset dataset;
    private final Transform transform;
    private final Sampler sampler;
    private final Options options;
    private final List<EpochIterator> running = new ArrayList<>();
    private int nextEpoch;
    private boolean closed;

    /** The loader with the sampler the options ask for: shuffled by the seed, or sequential. */
    public DataLoader(Dataset dataset, Transform transform, Options options) {
        this(dataset, transform, options.shuffle() ? Sampler.shuffled(dataset.size(), options.seed()) : Sampler.sequential(dataset.size()), options);
    }

    /** The loader with its own sampler (for example {@link Sampler#subset}); {@code options.shuffle} is then ignored. */
    public DataLoader(Dataset dataset, Transform transform, Sampler sampler, Options options) {
        this.dataset = dataset;
        this.transform = transform != null ? transform : Transforms.toTensor();
        this.sampler = sampler;
        this.options = options;
    }

    public Dataset dataset() { return dataset; }

    public Options options() { return options; }

    /** Batches in an epoch of {@code samples} samples. */
    public int batches(int samples) {
        return options.dropLast() ? samples / options.batchSize() : (samples + options.batchSize() - 1) / options.batchSize();
    }

    /** The next epoch (0 for the first call). */
    @Override
    public synchronized Iterator<Batch> iterator() {
        return epoch(nextEpoch++).iterator();
    }

    /** Epoch {@code e}: the same batches whenever asked for. Each iteration runs its own workers. */
    public Iterable<Batch> epoch(int e) {
        return () -> start(e);
    }

    private synchronized Iterator<Batch> start(int epoch) {
        if (closed) throw new IllegalStateException("this DataLoader is closed");
        int[] order = sampler.indices(epoch);
        if (options.workers() == 0) return new SerialIterator(epoch, order);
        EpochIterator it = new EpochIterator(epoch, order);
        running.add(it);
        it.startWorkers();
        return it;
    }

    /** Stops the workers of every running epoch; later iterations fail. */
    @Override
    public synchronized void close() {
        closed = true;
        for (EpochIterator it : List.copyOf(running)) it.stop();
        running.clear();
    }

    private synchronized void finished(EpochIterator it) { running.remove(it); }

    /** A batch before it becomes tensors (made on worker threads; tensors are made by the consumer). */
    private record Raw(float[] inputs, long[] targets, int[] indices, int c, int h, int w) {
        Batch toBatch() {
            return new Batch(Tensor.of(inputs, indices.length, c, h, w), Tensor.of(targets, indices.length), indices);
        }
    }

    /** Batch {@code b} of an epoch: load, transform and stack its samples. */
    private Raw load(int epoch, int[] order, int b) {
        int from = b * options.batchSize(), to = Math.min(order.length, from + options.batchSize());
        int n = to - from;
        int[] indices = new int[n];
        long[] targets = new long[n];
        float[] inputs = null;
        int c = 0, h = 0, w = 0, size = 0;
        for (int k = 0; k < n; k++) {
            int index = order[from + k];
            indices[k] = index;
            targets[k] = dataset.label(index);
            Image img = transform.apply(dataset.image(index), new Generator(Seeds.mix(options.seed(), epoch, index)));
            if (img.isUint8()) throw new IllegalStateException("the transform leaves sample " + index + " a uint8 image; end it with Transforms.toTensor()");
            if (k == 0) {
                c = img.channels();
                h = img.height();
                w = img.width();
                size = c * h * w;
                inputs = new float[n * size];
            } else if (img.channels() != c || img.height() != h || img.width() != w) {
                throw new DatasetException("sample " + index + " is " + img.channels() + "x" + img.height() + "x" + img.width() + " after the transform but sample "
                        + indices[0] + " of the same batch is " + c + "x" + h + "x" + w + "; add Resize/CenterCrop so all images have one size");
            }
            System.arraycopy(img.floats(), 0, inputs, k * size, size);
        }
        return new Raw(inputs, targets, indices, c, h, w);
    }

    private final class SerialIterator implements Iterator<Batch> {
        private final int epoch;
        private final int[] order;
        private final int total;
        private int next;

        SerialIterator(int epoch, int[] order) {
            this.epoch = epoch;
            this.order = order;
            this.total = batches(order.length);
        }

        @Override
        public boolean hasNext() { return next < total; }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException();
            return load(epoch, order, next++).toBatch();
        }
    }

    /** Workers claim batch numbers in increasing order, each after taking one of {@code prefetch} permits; the consumer returns one per batch taken. */
    private final class EpochIterator implements Iterator<Batch> {
        private final int epoch;
        private final int[] order;
        private final int total;
        private final CompletableFuture<Raw>[] slots;
        private final Semaphore permits;
        private final AtomicInteger claimed = new AtomicInteger();
        private final Thread[] threads;
        private volatile boolean stopped;
        private int consumed;

        @SuppressWarnings("unchecked")
        EpochIterator(int epoch, int[] order) {
            this.epoch = epoch;
            this.order = order;
            this.total = batches(order.length);
            this.slots = new CompletableFuture[total];
            for (int b = 0; b < total; b++) slots[b] = new CompletableFuture<>();
            this.permits = new Semaphore(options.prefetch() > 0 ? options.prefetch() : 2 * options.workers());
            this.threads = new Thread[Math.min(options.workers(), Math.max(total, 1))];
        }

        void startWorkers() {
            for (int t = 0; t < threads.length; t++) {
                threads[t] = new Thread(this::work, "peekaboo-data-e" + epoch + "-w" + t);
                threads[t].setDaemon(true);
                threads[t].start();
            }
        }

        private void work() {
            while (!stopped) {
                try {
                    permits.acquire();
                } catch (InterruptedException e) {
                    return;
                }
                int b = claimed.getAndIncrement();
                if (b >= total || stopped) return;
                try {
                    slots[b].complete(load(epoch, order, b));
                } catch (Throwable t) {
                    slots[b].completeExceptionally(t);
                }
            }
        }

        @Override
        public boolean hasNext() { return consumed < total && !stopped; }

        @Override
        public Batch next() {
            if (stopped) throw new IllegalStateException("this DataLoader was closed");
            if (consumed >= total) throw new NoSuchElementException();
            Raw raw;
            try {
                raw = slots[consumed].get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new IllegalStateException("interrupted while waiting for a batch", e);
            } catch (ExecutionException e) {
                stop();
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) throw r;
                if (cause instanceof Error err) throw err;
                throw new DatasetException("a data worker failed: " + cause, cause);
            }
            slots[consumed++] = null;
            permits.release();
            if (consumed == total) stop();
            return raw.toBatch();
        }

        void stop() {
            if (stopped) return;
            stopped = true;
            for (Thread t : threads) if (t != null) t.interrupt();
            finished(this);
        }
    }
}
