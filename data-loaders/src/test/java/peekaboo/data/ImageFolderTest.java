package peekaboo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImageFolder from a directory and from a zip: class order, formats, RGB conversion, errors. */
class ImageFolderTest {
    @TempDir
    Path dir;

    /** A w x h image of the given type whose pixel (x, y) is (10x, 10y, 7) in RGB (gray: 10x + y). */
    private static BufferedImage picture(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (type == BufferedImage.TYPE_BYTE_GRAY) img.getRaster().setSample(x, y, 0, 10 * x + y);
                else img.setRGB(x, y, 0xff000000 | (10 * x) << 16 | (10 * y) << 8 | 7);
            }
        }
        return img;
    }

    private static void save(BufferedImage img, String format, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(img, format, file.toFile()), "no ImageIO writer for " + format);
    }

    /** Classes "zebra", "ant", "mole" (sorted: ant, mole, zebra) with PNG, gray PNG, BMP and JPEG files. */
    private Path makeFolder(Path root) throws IOException {
        save(picture(4, 3, BufferedImage.TYPE_INT_RGB), "png", root.resolve("zebra/b.png"));
        save(picture(4, 3, BufferedImage.TYPE_INT_RGB), "bmp", root.resolve("zebra/a.bmp"));
        save(picture(4, 3, BufferedImage.TYPE_BYTE_GRAY), "png", root.resolve("ant/gray.png"));
        save(picture(4, 3, BufferedImage.TYPE_INT_ARGB), "png", root.resolve("ant/nested/alpha.PNG"));
        save(picture(4, 3, BufferedImage.TYPE_INT_RGB), "jpg", root.resolve("mole/photo.jpg"));
        Files.writeString(root.resolve("mole/notes.txt"), "not an image, ignored");
        return root;
    }

    @Test
    void directoryLayoutClassesSortedImagesDecodedToRgb() throws IOException {
        try (ImageFolder f = ImageFolder.open(makeFolder(dir.resolve("set")))) {
            assertArrayEquals(new String[] {"ant", "mole", "zebra"}, f.classes());
            assertEquals(5, f.size());
            int[] labels = new int[5];
            for (int i = 0; i < 5; i++) labels[i] = f.label(i);
            assertArrayEquals(new int[] {0, 0, 1, 2, 2}, labels);
            assertTrue(f.source(0).endsWith("gray.png"), f.source(0)); // "ant/gray.png" sorts before "ant/nested/..."
            assertTrue(f.source(3).endsWith("a.bmp"), f.source(3));
            Image gray = f.image(0);
            assertEquals(3, gray.channels());
            assertEquals(3, gray.height());
            assertEquals(4, gray.width());
            for (int c = 0; c < 3; c++) assertEquals(10 * 2 + 1, (int) gray.get(c, 1, 2));
            for (int i : new int[] {1, 3, 4}) { // ARGB png (alpha dropped), bmp, png: exact
                Image rgb = f.image(i);
                assertEquals(30, (int) rgb.get(0, 2, 3));
                assertEquals(20, (int) rgb.get(1, 2, 3));
                assertEquals(7, (int) rgb.get(2, 2, 3));
            }
            Image jpeg = f.image(2); // lossy: close
            assertEquals(30, jpeg.get(0, 2, 3), 12);
        }
    }

    @Test
    void zipOfTheSameLayoutWithOrWithoutATopFolder() throws IOException {
        Path root = makeFolder(dir.resolve("set"));
        for (String top : new String[] {"", "set/"}) {
            Path zip = dir.resolve("set" + top.length() + ".zip");
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip));
                 var files = Files.walk(root)) {
                for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    out.putNextEntry(new ZipEntry(top + root.relativize(p).toString().replace('\\', '/')));
                    out.write(Files.readAllBytes(p));
                    out.closeEntry();
                }
            }
            try (ImageFolder fromZip = ImageFolder.open(zip); ImageFolder fromDir = ImageFolder.open(root)) {
                assertArrayEquals(fromDir.classes(), fromZip.classes());
                assertEquals(fromDir.size(), fromZip.size());
                for (int i = 0; i < fromDir.size(); i++) {
                    assertEquals(fromDir.label(i), fromZip.label(i));
                    assertArrayEquals(fromDir.image(i).bytes(), fromZip.image(i).bytes());
                }
                assertTrue(fromZip.source(0).contains(".zip!"), fromZip.source(0));
            }
        }
    }

    @Test
    void missingDirectoryAndEmptyClassFolderAreNamed() throws IOException {
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolder.open(dir.resolve("absent")));
        assertTrue(e.getMessage().contains("absent") && e.getMessage().contains("does not exist"), e.getMessage());
        Path root = makeFolder(dir.resolve("set"));
        Files.createDirectories(root.resolve("empty"));
        Files.writeString(root.resolve("empty/readme.txt"), "no images");
        e = assertThrows(DatasetException.class, () -> ImageFolder.open(root));
        assertTrue(e.getMessage().contains("class folder empty") && e.getMessage().contains("no images"), e.getMessage());
    }

    @Test
    void undecodableImageFailsWithItsNameOrIsSkippedAndCounted() throws IOException {
        Path root = makeFolder(dir.resolve("set"));
        Path bad = root.resolve("mole/broken.jpg");
        try (OutputStream out = Files.newOutputStream(bad)) {
            out.write("this is not a JPEG".getBytes());
        }
        try (ImageFolder f = ImageFolder.open(root)) {
            assertEquals(6, f.size());
            int badIndex = -1;
            for (int i = 0; i < f.size(); i++) if (f.source(i).endsWith("broken.jpg")) badIndex = i;
            int b = badIndex;
            DatasetException e = assertThrows(DatasetException.class, () -> f.image(b));
            assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("cannot decode"), e.getMessage());
        }
        try (ImageFolder f = ImageFolder.open(root, new ImageFolder.Options(true))) {
            assertEquals(5, f.size());
            assertEquals(1, f.skipped());
            for (int i = 0; i < f.size(); i++) f.image(i);
        }
    }

    @Test
    void imagesOfOneSizeBatchThroughTheLoader() throws IOException {
        try (ImageFolder f = ImageFolder.open(makeFolder(dir.resolve("set")));
             DataLoader loader = new DataLoader(f, Transforms.compose(Transforms.resize(8), Transforms.centerCrop(6), Transforms.toTensor()),
                     DataLoader.Options.of(2).workers(2))) {
            int n = 0;
            for (Batch b : loader) {
                assertArrayEquals(new int[] {b.size(), 3, 6, 6}, b.inputs().shape());
                n += b.size();
            }
            assertEquals(5, n);
        }
    }
}
