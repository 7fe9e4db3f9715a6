package peekaboo.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import peekaboo.pab.psg.PsgConfig;
import peekaboo.tensor.Generator;

/**
 * The model registry: every architecture by its {@code --arch} name, with the reference's spelling, and
 * the Psg twin of each (spec section 1): {@code PsgResNet20}, {@code PsgVGG11}, {@code PsgWideResNet28_10},
 * {@code psg_resnet18}, ..., the same layout with every conv a PSG conv.
 */
public final class Models {
    private static final Pattern WIDE = Pattern.compile("WideResNet(\\d+)_(\\d+)");
    private static final Pattern PSG_WIDE = Pattern.compile("PsgWideResNet(\\d+)_(\\d+)");

    /** How to build one architecture; {@code convs} makes its convs (plain or PSG). */
    @FunctionalInterface
    interface Factory { Network build(String arch, int numClasses, int[] input, ConvFactory convs, Generator g); }

    private record Entry(Factory factory, int[] defaultInput, boolean psg) {}

    private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();
    private static final Map<String, Entry> PSG_TWINS = new LinkedHashMap<>();
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
            // the Psg VGGs' convs have no bias (spec section 1)
            register("VGG" + d, "PsgVGG" + d, (a, k, in, convs, g) -> new Vgg(a, d, convs == ConvFactory.PLAIN, k, in, convs, g), CIFAR);
        }
        register("WideResNet28_10", "PsgWideResNet28_10", Models::wide, CIFAR);
        imagenet("resnet18", false, 2, 2, 2, 2);
        imagenet("resnet34", false, 3, 4, 6, 3);
        imagenet("resnet50", true, 3, 4, 6, 3);
        imagenet("resnet101", true, 3, 4, 23, 3);
        imagenet("resnet152", true, 3, 8, 36, 3);
        REGISTRY.putAll(PSG_TWINS); // listed after the plain models
    }

    private Models() {}

    /** Registers a plain architecture and its Psg twin. */
    private static void register(String plain, String psg, Factory f, int[] input) {
        REGISTRY.put(plain, new Entry(f, input, false));
        PSG_TWINS.put(psg, new Entry(f, input, true));
    }

    private static void cifarResNet(String name, boolean bottleneck, int... blocks) {
        register(name, "Psg" + name, (a, k, in, convs, g) -> new CifarResNet(a, bottleneck, blocks, k, in, convs, g), CIFAR);
    }

    private static void imagenet(String name, boolean bottleneck, int... blocks) {
        // the plain ImageNet ResNets leave their downsample convs unmasked; the Psg twins mask them
        register(name, "psg_" + name, (a, k, in, convs, g) ->
                new ImageNetResNet(a, bottleneck, blocks, convs != ConvFactory.PLAIN, k, in, convs, g), IMAGENET);
    }

    private static Network wide(String arch, int numClasses, int[] input, ConvFactory convs, Generator g) {
        Matcher m = WIDE.matcher(plainTwin(arch));
        if (!m.matches()) throw new IllegalArgumentException("WideResNet names look like WideResNet28_10 (depth_width), got " + arch);
        return new WideResNet(arch, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), numClasses, input, convs, g);
    }

    /** The registered names (WideResNet accepts any 6n+4 depth and width: WideResNet16_4, PsgWideResNet16_4, ...). */
    public static List<String> names() { return new ArrayList<>(REGISTRY.keySet()); }

    /** The input [C, H, W] an architecture is meant for (CIFAR 3x32x32, ImageNet 3x224x224). */
    public static int[] defaultInput(String arch) { return entry(arch).defaultInput().clone(); }

    /** Whether {@code arch} names a Psg twin (every conv a PSG conv). */
    public static boolean isPsg(String arch) { return entry(arch).psg(); }

    /** The Psg twin of a plain architecture ({@code ResNet20} -> {@code PsgResNet20}, {@code resnet18} -> {@code psg_resnet18}); Psg names map to themselves. */
    public static String psgTwin(String arch) {
        String plain = plainTwin(arch);
        for (String twin : new String[] {"Psg" + plain, "psg_" + plain}) {
            if (PSG_TWINS.containsKey(twin)) return twin;
        }
        throw new IllegalArgumentException("architecture '" + arch + "' has no Psg twin; see `pab models`");
    }

    /** The plain architecture a Psg twin mirrors ({@code PsgResNet20} -> {@code ResNet20}, {@code psg_resnet18} -> {@code resnet18}); plain names map to themselves. */
    public static String plainTwin(String arch) {
        if (arch.startsWith("psg_")) return arch.substring(4);
        if (arch.startsWith("Psg")) return arch.substring(3);
        return arch;
    }

    /**
     * Builds an architecture with PyTorch's default init, then redraws every conv by {@code init}
     * (spec section 1). {@code input} may be null for the architecture's default. Psg twins get the
     * default PSG options ({@link PsgConfig#DEFAULTS}).
     */
    public static Network build(String arch, int numClasses, int[] input, InitMethod init, Generator g) {
        return build(arch, numClasses, input, init, g, PsgConfig.DEFAULTS);
    }

    /** As {@link #build(String, int, int[], InitMethod, Generator)}, with the PSG options of a Psg twin (ignored by plain models). */
    public static Network build(String arch, int numClasses, int[] input, InitMethod init, Generator g, PsgConfig psg) {
        if (numClasses < 1) throw new IllegalArgumentException("--num-classes must be at least 1, got " + numClasses);
        if (psg == null) throw new IllegalArgumentException("the PSG options must not be null; use PsgConfig.DEFAULTS");
        Entry e = entry(arch);
        int[] in = input == null ? e.defaultInput() : input;
        if (in.length != 3 || in[0] < 1 || in[1] < 1 || in[2] < 1) {
            throw new IllegalArgumentException("--input must be CxHxW with positive sizes, e.g. 3x32x32");
        }
        Network net = e.factory().build(arch, numClasses, in, e.psg() ? ConvFactory.psg(psg) : ConvFactory.PLAIN, g);
        init.applyAll(net, g);
        return net;
    }

    private static Entry entry(String arch) {
        Entry e = REGISTRY.get(arch);
        if (e != null) return e;
        if (WIDE.matcher(arch).matches()) return new Entry(Models::wide, CIFAR, false);
        if (PSG_WIDE.matcher(arch).matches()) return new Entry(Models::wide, CIFAR, true);
        throw new IllegalArgumentException("unknown --arch '" + arch + "'; `pab models` lists the architectures: " + String.join(", ", names()));
    }
}
