package peekaboo.backend.opencl;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import org.jocl.cl_mem;
import peekaboo.backend.Backend;
import peekaboo.backend.Storage;
import peekaboo.tensor.DType;

/** A device buffer (cl_mem); released by a {@link Cleaner} once no tensor refers to it. */
public final class OpenClStorage extends Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final OpenClBackend backend;
    final cl_mem mem;

    OpenClStorage(OpenClBackend backend, DType dtype, int size, cl_mem mem, AtomicLong live) {
        super(dtype, size);
        this.backend = backend;
        this.mem = mem;
        long bytes = bytes(dtype, size);
        live.addAndGet(bytes);
        CLEANER.register(this, () -> {
            live.addAndGet(-bytes);
            OpenClDevice.release(mem);
        });
    }

    /** Buffer size in bytes (never 0: OpenCL has no empty buffers). */
    static long bytes(DType dtype, int size) { return Math.max(1L, size) * dtype.byteSize(); }

    @Override
    public Backend backend() { return backend; }
}
