package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Assumptions;

/**
 * The vector input transform of 8x8 images against F(2x2, 3x3)'s B^T d B written out tile by tile, bit for bit (the
 * same sums in the same order), with the phase buffer reused from image to image as Conv2dWinograd2d reuses it.
 */
class Winograd2dImageTilesProperties {

    @Property(tries = 100, seed = "244")
    void transformEqualsTheScalarDefinition(@ForAll @IntRange(min = 1, max = 3) int images,
            @ForAll @IntRange(min = 0, max = 9) int offset, @ForAll @IntRange(min = 0, max = 5) int zerosInTen,
            @ForAll long seed) {
        Assumptions.assumeTrue(Winograd2dImageTiles.AVAILABLE, "needs 16-lane vectors");
        Random rnd = new Random(seed);
        int side = Winograd2dImageTiles.SIDE;
        float[] x = new float[offset + images * side * side];
        for (int i = offset; i < x.length; i++) {
            x[i] = rnd.nextInt(10) < zerosInTen ? (rnd.nextBoolean() ? 0f : -0f) : (float) rnd.nextGaussian();
        }
        int plane = images * 16 + 3 + offset;
        float[] expected = new float[16 * plane];
        float[] actual = new float[16 * plane];
        float[] phases = new float[Winograd2dImageTiles.BUFFER];
        for (int b = 0; b < images; b++) {
            int src = offset + b * side * side;
            transformByDefinition(x, src, expected, offset + 16 * b, plane);
            Winograd2dImageTiles.transform(x, src, phases, actual, offset + 16 * b, plane);
        }
        assertArrayEquals(expected, actual);
    }

    /** v[xi*plane + o + 4*ty + tx] = (B^T d B)[xi] of tile (ty, tx), d its 4x4 patch of the zero-padded image. */
    private static void transformByDefinition(float[] x, int src, float[] v, int o, int plane) {
        for (int ty = 0; ty < 4; ty++) {
            for (int tx = 0; tx < 4; tx++) {
                float[][] d = new float[4][4];
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 4; j++) {
                        int r = 2 * ty + i - 1, c = 2 * tx + j - 1;
                        d[i][j] = r >= 0 && r < 8 && c >= 0 && c < 8 ? x[src + 8 * r + c] : 0f;
                    }
                }
                float[][] q = new float[4][4];
                for (int j = 0; j < 4; j++) {
                    q[0][j] = d[0][j] - d[2][j];
                    q[1][j] = d[1][j] + d[2][j];
                    q[2][j] = d[2][j] - d[1][j];
                    q[3][j] = d[1][j] - d[3][j];
                }
                int t = o + 4 * ty + tx;
                for (int i = 0; i < 4; i++) {
                    v[(4 * i) * plane + t] = q[i][0] - q[i][2];
                    v[(4 * i + 1) * plane + t] = q[i][1] + q[i][2];
                    v[(4 * i + 2) * plane + t] = q[i][2] - q[i][1];
                    v[(4 * i + 3) * plane + t] = q[i][1] - q[i][3];
                }
            }
        }
    }
}
