package peekaboo.models;

import peekaboo.nn.BatchNorm2d;
import peekaboo.nn.Layers;
import peekaboo.nn.Linear;
import peekaboo.nn.Sequential;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** The reference's CIFAR VGGs: masked 3x3 convs with bias, BN, ReLU, 2x2 max-pools, a no-op 1x1 average pool, masked classifier. */
public final class Vgg extends Network {
    /** Channel lists; 0 stands for the 'M' max-pool. */
    static int[] config(int depth) {
        return switch (depth) {
            case 11 -> new int[] {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
            case 13 -> new int[] {64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
            case 16 -> new int[] {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
            case 19 -> new int[] {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0};
            default -> throw new IllegalArgumentException("VGG depth must be 11, 13, 16 or 19, got " + depth);
        };
    }

    public Vgg(String arch, int depth, boolean convBias, int numClasses, int[] input, Generator g) {
        this(arch, depth, convBias, numClasses, input, ConvFactory.PLAIN, g);
    }

    /** With {@code convs} making every conv (plain, or PSG for the Psg twins: no bias; only the first conv's input is signed). */
    public Vgg(String arch, int depth, boolean convBias, int numClasses, int[] input, ConvFactory convs, Generator g) {
        super(arch, numClasses, input);
        Sequential features = new Sequential();
        int in = input[0], size = input[1];
        for (int c : config(depth)) {
            if (c == 0) {
                features.add(new Layers.MaxPool2d(2, 2, 0));
                size /= 2;
            } else {
                features.add(convs.make(in, c, 3, 1, 1, convBias, true, features.children().isEmpty(), g));
                features.add(new BatchNorm2d(c));
                features.add(new Layers.ReLU());
                in = c;
            }
        }
        features.add(new Layers.AvgPool2d(1, 1));
        registerModule("features", features);
        registerModule("classifier", new Linear(512 * size * size, numClasses, true, true, g));
    }

    @Override
    protected Tensor compute(Tensor x) {
        Tensor out = child("features").forward(x);
        return child("classifier").forward(out.flatten(1, -1));
    }
}
