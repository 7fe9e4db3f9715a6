package peekaboo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CIFAR binary readers on files this test writes in the official layout. */
class CifarBinaryTest {
    @TempDir
    Path dir;

    /** {@code n} records with labels {@code (i + k) mod classes} and pixel bytes i + p (mod 256). */
    private static byte[] records(int n, int labelBytes, int first, int classes) {
        int record = labelBytes + 3072;
        byte[] b = new byte[n * record];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < labelBytes; k++) b[i * record + k] = (byte) ((first + i + k) % classes);
            for (int p = 0; p < 3072; p++) b[i * record + labelBytes + p] = (byte) (first + i + p);
        }
        return b;
    }

    private void writeCifar10(Path d, int perBatch) throws IOException {
        Files.createDirectories(d);
        for (int f = 1; f <= 5; f++) Files.write(d.resolve("data_batch_" + f + ".bin"), records(perBatch, 1, (f - 1) * perBatch, 10));
        Files.write(d.resolve("test_batch.bin"), records(3, 1, 100, 10));
    }

    @Test
    void cifar10TrainIsTheFiveBatchesInOrderAndTestIsTheTestBatch() throws IOException {
        writeCifar10(dir.resolve("cifar-10-batches-bin"), 4);
        ImageSet train = Cifar.load10(dir, true); // the parent of cifar-10-batches-bin works too
        assertEquals(20, train.size());
        assertArrayEquals(Cifar.CIFAR10_CLASSES, train.classes());
        for (int i = 0; i < 20; i++) assertEquals(i % 10, train.label(i));
        // Pixel p of record i is (i + p) mod 256, planes R, G, B of 32x32: HWC (y, x, c) = plane c, position y*32+x.
        Image img = train.image(13);
        assertEquals(3, img.channels());
        assertEquals(32, img.height());
        assertEquals((13 + 2 * 1024 + 5 * 32 + 7) & 0xff, (int) img.get(2, 5, 7));
        assertEquals((13 + 1024 + 31 * 32 + 31) & 0xff, (int) img.get(1, 31, 31));
        ImageSet test = Cifar.load10(dir.resolve("cifar-10-batches-bin"), false);
        assertEquals(3, test.size());
        assertEquals(100 % 10, test.label(0));
    }

    @Test
    void cifar100FineByDefaultAndCoarseOnRequest() throws IOException {
        Path d = dir.resolve("cifar-100-binary");
        Files.createDirectories(d);
        Files.write(d.resolve("train.bin"), records(6, 2, 15, 20)); // coarse = (15 + i) % 20, fine = (16 + i) % 20
        Files.write(d.resolve("test.bin"), records(2, 2, 0, 20));
        ImageSet fine = Cifar.load100(dir, true, true);
        ImageSet coarse = Cifar.load100(dir, true, false);
        assertEquals(100, fine.classes().length);
        assertEquals(20, coarse.classes().length);
        assertEquals("apple", fine.classes()[0]);
        assertEquals("worm", fine.classes()[99]);
        assertEquals("vehicles_2", coarse.classes()[19]);
        for (int i = 0; i < 6; i++) {
            assertEquals((15 + i) % 20, coarse.label(i));
            assertEquals((16 + i) % 20, fine.label(i));
        }
        assertEquals((15 + 4 + 2 * 32 + 13) & 0xff, (int) fine.image(4).get(0, 2, 13)); // red pixel (2, 13) of record 4
    }

    @Test
    void aFileOfTheWrongSizeIsNamed() throws IOException {
        writeCifar10(dir, 2);
        Path bad = dir.resolve("data_batch_3.bin");
        Files.write(bad, new byte[3073 * 2 + 1]);
        DatasetException e = assertThrows(DatasetException.class, () -> Cifar.load10(dir, true));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("3073"), e.getMessage());
        // A CIFAR-10 file read as CIFAR-100 (3073 is not a multiple of 3074).
        Files.copy(dir.resolve("test_batch.bin"), dir.resolve("test.bin"));
        Files.write(dir.resolve("test.bin"), new byte[3073]);
        e = assertThrows(DatasetException.class, () -> Cifar.load100(dir, false, true));
        assertTrue(e.getMessage().contains("3074"), e.getMessage());
    }

    @Test
    void missingDirectoryFilesAndBadLabelsAreNamed() throws IOException {
        DatasetException e = assertThrows(DatasetException.class, () -> Cifar.load10(dir.resolve("nowhere"), true));
        assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("does not exist"), e.getMessage());
        writeCifar10(dir, 1);
        Files.delete(dir.resolve("data_batch_4.bin"));
        e = assertThrows(DatasetException.class, () -> Cifar.load10(dir, true));
        assertTrue(e.getMessage().contains("data_batch_4.bin"), e.getMessage());
        Files.write(dir.resolve("data_batch_4.bin"), records(1, 1, 0, 256)); // fine
        byte[] b = records(1, 1, 0, 10);
        b[0] = 10;
        Files.write(dir.resolve("data_batch_5.bin"), b);
        e = assertThrows(DatasetException.class, () -> Cifar.load10(dir, true));
        assertTrue(e.getMessage().contains("data_batch_5.bin") && e.getMessage().contains("label 10"), e.getMessage());
    }

    @Test
    void cifarThroughTheLoaderWithTheSpecTransform() throws IOException {
        writeCifar10(dir, 8);
        ImageSet train = Cifar.load10(dir, true);
        try (DataLoader loader = new DataLoader(train, Datasets.cifarTransform("cifar10", true), DataLoader.Options.of(16).shuffled(1).workers(2))) {
            int n = 0;
            for (Batch b : loader) {
                assertArrayEquals(new int[] {b.size(), 3, 32, 32}, b.inputs().shape());
                n += b.size();
            }
            assertEquals(40, n);
        }
    }
}
