package peekaboo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The samples bundled in data-loaders/sample (paths relative to the repository root, where tests run). */
class BundledSampleTest {
    @Test
    void cifar10SampleZips() {
        for (String split : new String[] {"train", "test"}) {
            try (ImageFolder f = ImageFolder.open(Path.of("data-loaders/sample/cifar10/" + split + ".zip"))) {
                int per = split.equals("train") ? 200 : 50;
                assertEquals(10 * per, f.size());
                assertArrayEquals(Cifar.CIFAR10_CLASSES, f.classes());
                ImageSet cached = ImageSet.copyOf(f, 2);
                int[] counts = new int[10];
                for (int y : cached.labels()) counts[y]++;
                for (int c : counts) assertEquals(per, c);
                assertArrayEquals(f.image(per + 3).bytes(), cached.image(per + 3).bytes());
            }
        }
    }

    @Test
    void fashionMnistSample() {
        Path dir = Path.of("data-loaders/sample/fashion-mnist");
        assertEquals(5000, FashionMnist.load(dir, true).size());
        assertEquals(1000, FashionMnist.load(dir, false).size());
    }
}
