package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** The pool hands a given-back array out again for the same length, and nothing after {@link FloatPool#clear}. */
class FloatPoolTest {
    @Test
    void handsBackArraysOfTheSameLengthUntilCleared() {
        FloatPool pool = new FloatPool();
        float[] a = new float[FloatPool.MIN_FLOATS + 16], b = new float[FloatPool.MIN_FLOATS + 32];
        pool.give(a);
        pool.give(b);
        assertNull(pool.takeDirty(FloatPool.MIN_FLOATS + 8), "no array of that length was given");
        assertSame(a, pool.takeDirty(a.length));
        pool.give(a);
        pool.clear();
        assertNull(pool.takeDirty(a.length));
        assertNull(pool.takeDirty(b.length));
        pool.give(b);
        assertSame(b, pool.takeDirty(b.length), "the pool keeps arrays again after a clear");
    }
}
