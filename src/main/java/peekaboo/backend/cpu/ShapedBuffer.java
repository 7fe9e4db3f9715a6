package peekaboo.backend.cpu;

import java.util.Arrays;

/**
 * A per-thread buffer whose never-written parts must be zero (the border of a padded image, padding channels,
 * junk columns): kept from use to use and zeroed again only when its key changes, a layer shape ({@link #key})
 * or a call number. Zeroing such buffers for every chunk of images cost the 2-D Winograd weight gradient 15%
 * (bench/HISTORY.md, session 15).
 */
final class ShapedBuffer {
    private float[] data = new float[0];
    private long shape = -1;

    /** At least n floats for the key forShape: zero wherever no use with that key has written. */
    float[] get(int n, long forShape) {
        if (data.length < n) {
            data = new float[n];
        } else if (forShape != shape) {
            Arrays.fill(data, 0, n, 0f);
        }
        shape = forShape;
        return data;
    }

    /** One key for three dimensions (each below 2^20). */
    static long key(int a, int b, int c) {
        return ((long) a << 40) | ((long) b << 20) | c;
    }
}
