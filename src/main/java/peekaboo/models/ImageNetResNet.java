package peekaboo.models;

import peekaboo.ops.F;
import peekaboo.nn.BatchNorm2d;
import peekaboo.nn.Conv2d;
import peekaboo.nn.Layers;
import peekaboo.nn.Linear;
import peekaboo.nn.Module;
import peekaboo.nn.Sequential;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * torchvision's ResNet v1.5 with the reference's masking: masked 7x7/2 stem, 3x3/2 max-pool (pad 1),
 * four stages, adaptive average pool, masked {@code fc}. The {@code downsample} convs are plain
 * (unmasked) in the plain models and masked in the Psg twins (spec section 1).
 */
public final class ImageNetResNet extends Network {
    public ImageNetResNet(String arch, boolean bottleneck, int[] blocks, boolean maskDownsample, int numClasses, int[] input, Generator g) {
        this(arch, bottleneck, blocks, maskDownsample, numClasses, input, ConvFactory.PLAIN, g);
    }

    /** With {@code convs} making every conv (plain, or PSG for the Psg twins; only the stem's input is signed). */
    public ImageNetResNet(String arch, boolean bottleneck, int[] blocks, boolean maskDownsample, int numClasses, int[] input,
                          ConvFactory convs, Generator g) {
        super(arch, numClasses, input);
        int expansion = bottleneck ? 4 : 1;
        registerModule("conv1", convs.make(input[0], 64, 7, 2, 3, false, true, true, g));
        registerModule("bn1", new BatchNorm2d(64));
        registerModule("relu", new Layers.ReLU());
        registerModule("maxpool", new Layers.MaxPool2d(3, 2, 1));
        int in = 64;
        for (int s = 0; s < 4; s++) {
            int planes = 64 << s;
            Sequential layer = new Sequential();
            for (int b = 0; b < blocks[s]; b++) {
                int stride = b == 0 && s > 0 ? 2 : 1;
                Sequential down = null;
                if (b == 0 && (stride != 1 || in != planes * expansion)) {
                    down = new Sequential(convs.make(in, planes * expansion, 1, stride, 0, false, maskDownsample, false, g), new BatchNorm2d(planes * expansion));
                }
                layer.add(bottleneck ? new Bottleneck(in, planes, stride, down, convs, g) : new BasicBlock(in, planes, stride, down, convs, g));
                in = planes * expansion;
            }
            registerModule("layer" + (s + 1), layer);
        }
        registerModule("avgpool", new Layers.AdaptiveAvgPool2d(1, 1));
        registerModule("fc", new Linear(512 * expansion, numClasses, true, true, g));
        // torchvision's own conv init, before the chosen --init-method redraws them
        for (Conv2d c : convs()) InitMethod.kaimingNormalFanOut(c, g);
    }

    @Override
    protected Tensor compute(Tensor x) {
        Tensor out = child("maxpool").forward(bnRelu("bn1", child("conv1").forward(x)));
        for (int i = 1; i <= 4; i++) out = child("layer" + i).forward(out);
        out = child("avgpool").forward(out);
        return child("fc").forward(out.flatten(1, -1));
    }

    static final class BasicBlock extends Module {
        BasicBlock(int in, int planes, int stride, Sequential downsample, ConvFactory convs, Generator g) {
            registerModule("conv1", convs.make(in, planes, 3, stride, 1, false, true, false, g));
            registerModule("bn1", new BatchNorm2d(planes));
            registerModule("relu", new Layers.ReLU());
            registerModule("conv2", convs.make(planes, planes, 3, 1, 1, false, true, false, g));
            registerModule("bn2", new BatchNorm2d(planes));
            if (downsample != null) registerModule("downsample", downsample);
        }

        @Override
        protected Tensor compute(Tensor x) {
            Tensor out = bnRelu("bn1", child("conv1").forward(x));
            out = child("bn2").forward(child("conv2").forward(out));
            Module down = child("downsample");
            return F.addRelu(out, down == null ? x : down.forward(x));
        }
    }

    static final class Bottleneck extends Module {
        Bottleneck(int in, int planes, int stride, Sequential downsample, ConvFactory convs, Generator g) {
            registerModule("conv1", convs.make(in, planes, 1, 1, 0, false, true, false, g));
            registerModule("bn1", new BatchNorm2d(planes));
            registerModule("conv2", convs.make(planes, planes, 3, stride, 1, false, true, false, g));
            registerModule("bn2", new BatchNorm2d(planes));
            registerModule("conv3", convs.make(planes, planes * 4, 1, 1, 0, false, true, false, g));
            registerModule("bn3", new BatchNorm2d(planes * 4));
            registerModule("relu", new Layers.ReLU());
            if (downsample != null) registerModule("downsample", downsample);
        }

        @Override
        protected Tensor compute(Tensor x) {
            Tensor out = bnRelu("bn1", child("conv1").forward(x));
            out = bnRelu("bn2", child("conv2").forward(out));
            out = child("bn3").forward(child("conv3").forward(out));
            Module down = child("downsample");
            return F.addRelu(out, down == null ? x : down.forward(x));
        }
    }
}
