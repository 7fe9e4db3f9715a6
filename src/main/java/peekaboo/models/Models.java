package peekaboo.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import peekaboo.tensor.Generator;

/** The model registry: every architecture by its {@code --arch} name, with the reference's spelling. */
public final class Models {
    private static final Pattern WIDE = Pattern.compile("WideResNet(\\d+)_(\\d+)");

    /** How to build one architecture. */
    @FunctionalInterface
    interface Factory { Network build(String arch, int numClasses, int[] input, Generator g); }

    private record Entry(Factory factory, int[] defaultInput) {}

    private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();
    private static final int[] CIFAR = {3, 32, 32};
    private static final int[] IMAGENET = {3, 224, 224};

    static {
        cifarResNet("ResNet20", false, 3, 3, 3);
        cifarResNet("ResNet32", false, 5, 5, 5);
        cifarResNet("ResNet44", false, 7, 7, 7);
        cifarResNet("ResNet56", false, 9, 9, 9);
        cifarResNet("ResNet110", false, 18, 18, 18);
        cifarResNet("ResNet18", false, 2, 2, 2, 2);
        cifarResNet("ResNet34", false, 3, 4, 6, 3);
        cifarResNet("ResNet50", true, 3, 4, 6, 3);
        cifarResNet("ResNet101", true, 3, 4, 23, 3);
        cifarResNet("ResNet152", true, 3, 8, 36, 3);
        for (int d : new int[] {11, 13, 16, 19}) {
            REGISTRY.put("VGG" + d, new Entry((a, k, in, g) -> new Vgg(a, d, true, k, in, g), CIFAR));
        }
        REGISTRY.put("WideResNet28_10", new Entry((a, k, in, g) -> wide(a, k, in, g), CIFAR));
        imagenet("resnet18", false, 2, 2, 2, 2);
        imagenet("resnet34", false, 3, 4, 6, 3);
        imagenet("resnet50", true, 3, 4, 6, 3);
        imagenet("resnet101", true, 3, 4, 23, 3);
        imagenet("resnet152", true, 3, 8, 36, 3);
    }

    private Models() {}

    private static void cifarResNet(String name, boolean bottleneck, int... blocks) {
        REGISTRY.put(name, new Entry((a, k, in, g) -> new CifarResNet(a, bottleneck, blocks, k, in, g), CIFAR));
    }

    private static void imagenet(String name, boolean bottleneck, int... blocks) {
        REGISTRY.put(name, new Entry((a, k, in, g) -> new ImageNetResNet(a, bottleneck, blocks, false, k, in, g), IMAGENET));
    }

    private static Network wide(String arch, int numClasses, int[] input, Generator g) {
        Matcher m = WIDE.matcher(arch);
        if (!m.matches()) throw new IllegalArgumentException("WideResNet names look like WideResNet28_10 (depth_width), got " + arch);
        return new WideResNet(arch, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), numClasses, input, g);
    }

    /** The registered names (WideResNet accepts any 6n+4 depth and width: WideResNet16_4, ...). */
    public static List<String> names() { return new ArrayList<>(REGISTRY.keySet()); }

    /** The input [C, H, W] an architecture is meant for (CIFAR 3x32x32, ImageNet 3x224x224). */
    public static int[] defaultInput(String arch) { return entry(arch).defaultInput().clone(); }

    /**
     * Builds an architecture with PyTorch's default init, then redraws every conv by {@code init}
     * (spec section 1). {@code input} may be null for the architecture's default.
     */
    public static Network build(String arch, int numClasses, int[] input, InitMethod init, Generator g) {
        if (numClasses < 1) throw new IllegalArgumentException("--num-classes must be at least 1, got " + numClasses);
        Entry e = entry(arch);
        int[] in = input == null ? e.defaultInput() : input;
        if (in.length != 3 || in[0] < 1 || in[1] < 1 || in[2] < 1) {
            throw new IllegalArgumentException("--input must be CxHxW with positive sizes, e.g. 3x32x32");
        }
        Network net = e.factory().build(arch, numClasses, in, g);
        init.applyAll(net, g);
        return net;
    }

    private static Entry entry(String arch) {
        Entry e = REGISTRY.get(arch);
        if (e != null) return e;
        if (WIDE.matcher(arch).matches()) return new Entry(Models::wide, CIFAR);
        throw new IllegalArgumentException("unknown --arch '" + arch + "'; `pab models` lists the architectures: " + String.join(", ", names()));
    }
}
