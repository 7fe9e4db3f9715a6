package peekaboo.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Datasets by name, as the command line names them, and their spec section 5 transforms. */
public final class Datasets {
    /** The names {@link #open} accepts. */
    public static final List<String> NAMES = List.of("cifar10", "cifar100", "cifar100-coarse", "imagefolder", "fashion-mnist", "mnist", "synthetic");

    private Datasets() {}

    /**
     * Opens dataset {@code name} from {@code dir}: CIFAR binaries (cifar10, cifar100 with fine labels,
     * cifar100-coarse), an image folder or .zip (imagefolder), IDX files (fashion-mnist, mnist), or
     * 10,000 (train) / 2,000 (test) random CIFAR-shaped images (synthetic, {@code dir} unused). For
     * imagefolder a {@code dir} holding {@code train/} and {@code test/} (or {@code val/}) folders, or
     * {@code train.zip} and {@code test.zip}, gives the split asked for; any other {@code dir} is the dataset itself.
     */
    public static Dataset open(String name, Path dir, boolean train, boolean skipUnreadable) {
        String n = name.toLowerCase(Locale.ROOT);
        if (!n.equals("synthetic") && dir == null) throw new IllegalArgumentException("dataset " + name + " needs a data directory");
        return switch (n) {
            case "cifar10" -> Cifar.load10(dir, train);
            case "cifar100" -> Cifar.load100(dir, train, true);
            case "cifar100-coarse" -> Cifar.load100(dir, train, false);
            case "imagefolder" -> ImageFolder.open(splitFolder(dir, train), new ImageFolder.Options(skipUnreadable));
            case "fashion-mnist" -> FashionMnist.load(dir, train);
            case "mnist" -> FashionMnist.loadMnist(dir, train);
            case "synthetic" -> SyntheticDataset.cifarLike(train ? 10_000 : 2_000, train ? 1 : 2);
            default -> throw new IllegalArgumentException("unknown dataset " + name + "; expected one of " + String.join(", ", NAMES));
        };
    }

    /**
     * The spec's transform for CIFAR-shaped training (section 5): RandomCrop(32, 4) + flip for
     * training, then ToTensor and Normalize with the dataset's constants; 28x28 gray images are
     * first padded to 32x32 and repeated to three channels so CIFAR nets take them.
     */
    public static Transform cifarTransform(String name, boolean train) {
        String n = name.toLowerCase(Locale.ROOT);
        MeanStd stats = n.startsWith("cifar100") ? MeanStd.CIFAR100 : MeanStd.CIFAR10;
        Transform t = train ? Transforms.cifarTrain(stats) : Transforms.cifarTest(stats);
        return n.equals("fashion-mnist") || n.equals("mnist") ? Transforms.asCifarShaped(t) : t;
    }

    /** {@code dir/train} or {@code dir/test} (or {@code val}, or those names with .zip) when {@code dir} holds a train split; else {@code dir}. */
    public static Path splitFolder(Path dir, boolean train) {
        for (String ext : new String[] {"", ".zip"}) {
            if (!java.nio.file.Files.exists(dir.resolve("train" + ext))) continue;
            if (train) return dir.resolve("train" + ext);
            for (String name : new String[] {"test", "val"}) {
                if (java.nio.file.Files.exists(dir.resolve(name + ext))) return dir.resolve(name + ext);
            }
        }
        return dir;
    }
}
