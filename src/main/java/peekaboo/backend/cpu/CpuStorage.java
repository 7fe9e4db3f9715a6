package peekaboo.backend.cpu;

import peekaboo.backend.Backend;
import peekaboo.backend.Storage;
import peekaboo.tensor.DType;

/** Host memory: exactly one of the typed arrays is non-null, according to the dtype. */
public final class CpuStorage extends Storage {
    private final CpuBackend backend;
    final float[] f32;
    final double[] f64;
    final long[] i64;
    final byte[] u8;

    CpuStorage(CpuBackend backend, DType dtype, Object array, int size) {
        super(dtype, size);
        this.backend = backend;
        this.f32 = array instanceof float[] a ? a : null;
        this.f64 = array instanceof double[] a ? a : null;
        this.i64 = array instanceof long[] a ? a : null;
        this.u8 = array instanceof byte[] a ? a : null;
    }

    @Override
    public Backend backend() { return backend; }

    public float[] floats() { return f32; }

    public double[] doubles() { return f64; }

    public long[] longs() { return i64; }

    public byte[] bytes() { return u8; }

    double get(int i) {
        switch (dtype()) {
            case F32: return f32[i];
            case F64: return f64[i];
            case I64: return i64[i];
            case U8: return u8[i] & 0xff;
            default: return u8[i] != 0 ? 1 : 0;
        }
    }

    void set(int i, double v) {
        switch (dtype()) {
            case F32: f32[i] = (float) v; break;
            case F64: f64[i] = v; break;
            case I64: i64[i] = (long) v; break;
            case U8: u8[i] = (byte) (long) v; break;
            default: u8[i] = (byte) (v != 0 ? 1 : 0);
        }
    }

    /** buf[0..len) = elements off, off+stride, ... as double. */
    void load(int off, int stride, int len, double[] buf) {
        switch (dtype()) {
            case F32:
                if (stride == 1) for (int i = 0; i < len; i++) buf[i] = f32[off + i];
                else for (int i = 0; i < len; i++) buf[i] = f32[off + i * stride];
                break;
            case F64:
                if (stride == 1) System.arraycopy(f64, off, buf, 0, len);
                else for (int i = 0; i < len; i++) buf[i] = f64[off + i * stride];
                break;
            case I64:
                for (int i = 0; i < len; i++) buf[i] = i64[off + i * stride];
                break;
            case U8:
                for (int i = 0; i < len; i++) buf[i] = u8[off + i * stride] & 0xff;
                break;
            default:
                for (int i = 0; i < len; i++) buf[i] = u8[off + i * stride] != 0 ? 1 : 0;
        }
    }

    /** Elements off, off+stride, ... = buf[0..len) converted to this dtype. */
    void store(double[] buf, int len, int off, int stride) {
        switch (dtype()) {
            case F32:
                for (int i = 0; i < len; i++) f32[off + i * stride] = (float) buf[i];
                break;
            case F64:
                if (stride == 1) System.arraycopy(buf, 0, f64, off, len);
                else for (int i = 0; i < len; i++) f64[off + i * stride] = buf[i];
                break;
            case I64:
                for (int i = 0; i < len; i++) i64[off + i * stride] = (long) buf[i];
                break;
            case U8:
                for (int i = 0; i < len; i++) u8[off + i * stride] = (byte) (long) buf[i];
                break;
            default:
                for (int i = 0; i < len; i++) u8[off + i * stride] = (byte) (buf[i] != 0 ? 1 : 0);
        }
    }
}
