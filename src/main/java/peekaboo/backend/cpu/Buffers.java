package peekaboo.backend.cpu;

/** Per-thread scratch buffers of the CPU kernels, grown on demand and reused from call to call. */
final class Buffers {
    private Buffers() {
    }

    /** a if it holds at least size floats, else a new array of size floats (the old contents are not kept). */
    static float[] grow(float[] a, int size) {
        return a.length >= size ? a : new float[size];
    }
}
