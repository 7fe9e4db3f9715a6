package peekaboo.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files (MNIST, Fashion-MNIST), raw and gzipped, and their errors. */
class IdxTest {
    @TempDir
    Path dir;

    private static byte[] idx(int magic, int[] shape, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int s : shape) out.writeInt(s);
        out.write(data);
        return bytes.toByteArray();
    }

    private void write(String name, byte[] content, boolean gz) throws IOException {
        try (OutputStream out = gz ? new GZIPOutputStream(Files.newOutputStream(dir.resolve(name + ".gz"))) : Files.newOutputStream(dir.resolve(name))) {
            out.write(content);
        }
    }

    private void writeSplit(String prefix, int n, boolean gz) throws IOException {
        byte[] px = new byte[n * 28 * 28];
        for (int i = 0; i < px.length; i++) px[i] = (byte) i;
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) labels[i] = (byte) (i % 10);
        write(prefix + "-images-idx3-ubyte", idx(0x803, new int[] {n, 28, 28}, px), gz);
        write(prefix + "-labels-idx1-ubyte", idx(0x801, new int[] {n}, labels), gz);
    }

    @Test
    void rawAndGzippedFilesReadTheSame() throws IOException {
        writeSplit("train", 12, true);
        writeSplit("t10k", 5, false);
        ImageSet train = FashionMnist.load(dir, true), test = FashionMnist.loadMnist(dir, false);
        assertEquals(12, train.size());
        assertEquals(5, test.size());
        assertEquals("Ankle boot", train.classes()[9]);
        assertEquals("9", test.classes()[9]);
        assertEquals(7, train.label(7));
        assertEquals((3 * 784 + 5 * 28 + 6) & 0xff, (int) train.image(3).get(0, 5, 6));
        assertEquals(train.image(4).get(0, 27, 1), test.image(4).get(0, 27, 1));
    }

    @Test
    void badMagicIsNamed() throws IOException {
        Path f = dir.resolve("bad-idx");
        Files.write(f, idx(0x0d03, new int[] {1, 1, 1}, new byte[1]));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxFile.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void truncatedDataMissingFilesAndBadLabelsAreNamed() throws IOException {
        Path f = dir.resolve("short-idx");
        Files.write(f, idx(0x803, new int[] {2, 28, 28}, new byte[100]));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxFile.read(f));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> FashionMnist.load(dir, true));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> FashionMnist.load(dir.resolve("absent"), true));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        writeSplit("train", 3, false);
        write("train-labels-idx1-ubyte", idx(0x801, new int[] {3}, new byte[] {0, 11, 2}), false);
        e = assertThrows(DatasetException.class, () -> FashionMnist.load(dir, true));
        assertTrue(e.getMessage().contains("label 11"), e.getMessage());
    }
}
