package peekaboo.backend;

import peekaboo.tensor.DType;

/**
 * A flat block of elements of one dtype owned by a backend (host arrays for the CPU, device buffers
 * for OpenCL). Tensors are views onto a storage. The version counter is bumped by every in-place
 * write, so autograd can tell when a tensor it saved for the backward pass has been changed.
 */
public abstract class Storage {
    private static final java.util.concurrent.atomic.AtomicLong CREATED = new java.util.concurrent.atomic.AtomicLong();

    private final DType dtype;
    private final int size;
    private final long serial = CREATED.incrementAndGet();
    private int version;

    private boolean recycled;
    private SampleMaxAbs sampleMaxAbs;

    /** Per-sample max |x| of the elements [offset, offset + numel), as of storage version {@code version}. */
    private record SampleMaxAbs(int offset, int numel, int version, float[] maxima) {}

    protected Storage(DType dtype, int size) {
        this.dtype = dtype;
        this.size = size;
        StepArena.created(this);
    }

    /**
     * True the first time it is called: the caller may then hand the storage to
     * {@link Backend#recycle}. Makes sure no storage is recycled twice (autograd and a
     * {@link StepArena} may both find it dead).
     */
    public final synchronized boolean claimForRecycling() {
        if (recycled) {
            return false;
        }
        recycled = true;
        return true;
    }

    /** Storages are numbered in creation order: this one's number. */
    public final long serial() { return serial; }

    /** The number of the newest storage so far: storages created after this call have larger ones. */
    public static long latestSerial() { return CREATED.get(); }

    public final DType dtype() { return dtype; }

    /** Number of elements. */
    public final int size() { return size; }

    public abstract Backend backend();

    public final int version() { return version; }

    public final void bumpVersion() { version++; }

    /**
     * Records max |x| of each of the maxima.length samples of the contiguous tensor at [offset, offset + numel),
     * found by the kernel that just wrote it, so that a consumer that needs them (PSG's quantiser scales)
     * skips a pass over the data. The record lapses with the next in-place write (version) and is only for
     * that exact range.
     */
    public final synchronized void rememberSampleMaxAbs(int offset, int numel, float[] maxima) {
        sampleMaxAbs = new SampleMaxAbs(offset, numel, version, maxima.clone());
    }

    /** The maxima {@link #rememberSampleMaxAbs} recorded for exactly this range and version, or null. */
    public final synchronized float[] sampleMaxAbs(int offset, int numel, int samples) {
        SampleMaxAbs m = sampleMaxAbs;
        return m != null && m.offset() == offset && m.numel() == numel && m.version() == version
                && m.maxima().length == samples ? m.maxima().clone() : null;
    }
}
