package peekaboo.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 and CIFAR-100 in their official binary format ("CIFAR-10 binary version"), loaded into memory.
 * CIFAR-10: {@code data_batch_1.bin .. data_batch_5.bin} (train) and {@code test_batch.bin}, records of
 * 1 label byte + 3072 pixel bytes (1024 red, 1024 green, 1024 blue, rows of 32). CIFAR-100:
 * {@code train.bin} and {@code test.bin}, records of a coarse label byte, a fine label byte and 3072
 * pixel bytes. The directory may be the one holding the files or its parent (the archives unpack to
 * {@code cifar-10-batches-bin/} and {@code cifar-100-binary/}).
 */
public final class Cifar {
    private static final int PIXELS = 3 * 32 * 32;

    public static final String[] CIFAR10_CLASSES = {
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};

    public static final String[] CIFAR100_FINE = (
            "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle "
            + "caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish "
            + "forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle "
            + "mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine "
            + "possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar "
            + "sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale "
            + "willow_tree wolf woman worm").split(" ");

    public static final String[] CIFAR100_COARSE = (
            "aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices household_furniture "
            + "insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores "
            + "medium_mammals non-insect_invertebrates people reptiles small_mammals trees vehicles_1 vehicles_2").split(" ");

    private Cifar() {}

    /** CIFAR-10, the 50,000 training images ({@code train}) or the 10,000 test images. */
    public static ImageSet load10(Path dir, boolean train) {
        Path d = locate(dir, "cifar-10-batches-bin", train ? "data_batch_1.bin" : "test_batch.bin");
        List<Path> files = new ArrayList<>();
        if (train) {
            for (int i = 1; i <= 5; i++) files.add(require(d.resolve("data_batch_" + i + ".bin"), "CIFAR-10"));
        } else {
            files.add(require(d.resolve("test_batch.bin"), "CIFAR-10"));
        }
        return read(files, 1, 0, names(d.resolve("batches.meta.txt"), CIFAR10_CLASSES));
    }

    /** CIFAR-100 with its 100 fine labels ({@code fine}) or its 20 coarse labels. */
    public static ImageSet load100(Path dir, boolean train, boolean fine) {
        String name = train ? "train.bin" : "test.bin";
        Path d = locate(dir, "cifar-100-binary", name);
        String[] classes = fine ? names(d.resolve("fine_label_names.txt"), CIFAR100_FINE) : names(d.resolve("coarse_label_names.txt"), CIFAR100_COARSE);
        return read(List.of(require(d.resolve(name), "CIFAR-100")), 2, fine ? 1 : 0, classes);
    }

    /** Records of {@code labelBytes} label bytes then 3072 pixels; the label used is byte {@code which}. */
    static ImageSet read(List<Path> files, int labelBytes, int which, String[] classes) {
        int record = labelBytes + PIXELS;
        List<byte[]> contents = new ArrayList<>();
        long total = 0;
        for (Path f : files) {
            byte[] b;
            try {
                b = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new DatasetException("cannot read CIFAR file " + f + ": " + e.getMessage(), e);
            }
            if (b.length == 0 || b.length % record != 0) {
                throw new DatasetException("CIFAR file " + f + " has " + b.length + " bytes, not a multiple of the " + record
                        + "-byte record (" + labelBytes + " label byte" + (labelBytes > 1 ? "s" : "") + " + 3072 pixels); is it "
                        + (labelBytes == 1 ? "a CIFAR-100 file?" : "a CIFAR-10 file?"));
            }
            contents.add(b);
            total += b.length / record;
        }
        int n = Math.toIntExact(total);
        byte[] pixels = new byte[n * PIXELS];
        int[] labels = new int[n];
        int i = 0;
        for (int f = 0; f < files.size(); f++) {
            byte[] b = contents.get(f);
            for (int off = 0; off < b.length; off += record, i++) {
                labels[i] = b[off + which] & 0xff;
                if (labels[i] >= classes.length) {
                    throw new DatasetException("CIFAR file " + files.get(f) + " has label " + labels[i] + " in record " + off / record
                            + "; expected 0 to " + (classes.length - 1));
                }
                System.arraycopy(b, off + labelBytes, pixels, i * PIXELS, PIXELS);
            }
        }
        return new ImageSet(pixels, n, 3, 32, 32, labels, classes);
    }

    private static Path locate(Path dir, String sub, String probe) {
        if (!Files.isDirectory(dir)) throw new DatasetException("CIFAR directory " + dir + " does not exist");
        if (Files.isRegularFile(dir.resolve(probe))) return dir;
        if (Files.isRegularFile(dir.resolve(sub).resolve(probe))) return dir.resolve(sub);
        throw new DatasetException("no " + probe + " in " + dir + " (nor in " + sub + "/ under it); expected the CIFAR binary files there");
    }

    private static Path require(Path f, String what) {
        if (!Files.isRegularFile(f)) throw new DatasetException(what + " file " + f + " is missing");
        return f;
    }

    /** Class names from the archive's text file when present (one per line), else the built-in list. */
    private static String[] names(Path file, String[] builtIn) {
        if (!Files.isRegularFile(file)) return builtIn;
        try {
            String[] lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).filter(s -> !s.isEmpty()).toArray(String[]::new);
            return lines.length == builtIn.length ? lines : builtIn;
        } catch (IOException e) {
            return builtIn;
        }
    }
}
