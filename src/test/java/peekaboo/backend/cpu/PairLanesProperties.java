package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The vector split and merge of even and odd columns against their scalar definitions, at any length and offset. */
class PairLanesProperties {

    @Property(tries = 200, seed = "229")
    void splitAndMergeMatchTheirDefinitions(@ForAll @IntRange(min = 0, max = 80) int pairs,
            @ForAll @IntRange(min = 0, max = 20) int offset, @ForAll boolean slack, @ForAll long seed) {
        Random rnd = new Random(seed);
        int room = 2 * pairs + 2 * offset + 64;
        float[] src = new float[room];
        for (int i = 0; i < room; i++) {
            src[i] = (float) rnd.nextGaussian();
        }
        float[] split = new float[room];
        float[] expected = new float[room];
        int e = offset + 1, o = offset + pairs + 3;
        for (int j = 0; j < pairs; j++) {
            expected[e + j] = src[offset + 2 * j];
            expected[o + j] = src[offset + 2 * j + 1];
        }
        PairLanes.split(src, offset, pairs, split, e, split, o);
        assertArrayEquals(expected, split, "split");

        float[] merged = new float[room];
        float[] expectedMerge = new float[room];
        for (int j = 0; j < pairs; j++) {
            expectedMerge[offset + 2 * j] = split[e + j];
            expectedMerge[offset + 2 * j + 1] = split[o + j];
        }
        PairLanes.merge(split, e, split, o, pairs, slack, merged, offset);
        assertArrayEquals(expectedMerge, merged, "merge");
    }
}
