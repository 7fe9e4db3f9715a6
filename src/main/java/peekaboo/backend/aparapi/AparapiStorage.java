package peekaboo.backend.aparapi;

import peekaboo.backend.Backend;
import peekaboo.backend.Storage;
import peekaboo.tensor.DType;

/** Host arrays (one non-null, by dtype): Aparapi kernels run on them, and the CPU fallback copies them. */
public final class AparapiStorage extends Storage {
    private final AparapiBackend backend;
    final float[] f32;
    final double[] f64;
    final long[] i64;
    final byte[] u8;

    AparapiStorage(AparapiBackend backend, DType dtype, Object array, int size) {
        super(dtype, size);
        this.backend = backend;
        this.f32 = array instanceof float[] a ? a : null;
        this.f64 = array instanceof double[] a ? a : null;
        this.i64 = array instanceof long[] a ? a : null;
        this.u8 = array instanceof byte[] a ? a : null;
    }

    Object array() { return f32 != null ? f32 : f64 != null ? f64 : i64 != null ? i64 : u8; }

    @Override
    public Backend backend() { return backend; }
}
