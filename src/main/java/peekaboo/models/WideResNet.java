package peekaboo.models;

import peekaboo.nn.BatchNorm2d;
import peekaboo.nn.Linear;
import peekaboo.nn.Module;
import peekaboo.nn.Sequential;
import peekaboo.ops.F;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * The reference's WideResNet (depth 6n+4, width k): bare masked 3x3 stem; pre-activation wide blocks
 * BN-ReLU-conv3x3, BN-ReLU-conv3x3(stride) plus shortcut, no ReLU after the add; head BN with
 * momentum 0.9 (reference quirk), ReLU, avg_pool2d(8), plain Linear. No dropout.
 */
public final class WideResNet extends Network {
    public WideResNet(String arch, int depth, int width, int numClasses, int[] input, Generator g) {
        this(arch, depth, width, numClasses, input, ConvFactory.PLAIN, g);
    }

    /**
     * With {@code convs} making every conv (plain, or PSG for the Psg twins). Signed inputs: the stem and
     * the 1x1 shortcuts (they see the block's un-activated input).
     */
    public WideResNet(String arch, int depth, int width, int numClasses, int[] input, ConvFactory convs, Generator g) {
        super(arch, numClasses, input);
        if (depth < 10 || (depth - 4) % 6 != 0) throw new IllegalArgumentException("WideResNet depth must be 6n+4 (10, 16, 22, 28, ...), got " + depth);
        if (width < 1) throw new IllegalArgumentException("WideResNet width must be at least 1, got " + width);
        int n = (depth - 4) / 6;
        int[] stages = {16, 16 * width, 32 * width, 64 * width};
        registerModule("conv1", convs.make(input[0], stages[0], 3, 1, 1, false, true, true, g));
        int in = stages[0];
        for (int s = 1; s <= 3; s++) {
            Sequential layer = new Sequential();
            for (int b = 0; b < n; b++) {
                layer.add(new WideBlock(in, stages[s], b == 0 && s > 1 ? 2 : 1, convs, g));
                in = stages[s];
            }
            registerModule("layer" + s, layer);
        }
        registerModule("bn1", new BatchNorm2d(stages[3], 1e-5, 0.9));
        registerModule("linear", new Linear(stages[3], numClasses, true, false, g));
    }

    @Override
    protected Tensor compute(Tensor x) {
        Tensor out = child("conv1").forward(x);
        for (int i = 1; i <= 3; i++) out = child("layer" + i).forward(out);
        out = bnRelu("bn1", out);
        out = F.avgPool2d(out, 8);
        return child("linear").forward(out.flatten(1, -1));
    }

    static final class WideBlock extends Module {
        WideBlock(int in, int planes, int stride, ConvFactory convs, Generator g) {
            registerModule("bn1", new BatchNorm2d(in));
            registerModule("conv1", convs.make(in, planes, 3, 1, 1, false, true, false, g));
            registerModule("bn2", new BatchNorm2d(planes));
            registerModule("conv2", convs.make(planes, planes, 3, stride, 1, false, true, false, g));
            Sequential shortcut = new Sequential();
            if (stride != 1 || in != planes) shortcut.add(convs.make(in, planes, 1, stride, 0, false, true, true, g));
            registerModule("shortcut", shortcut);
        }

        @Override
        protected Tensor compute(Tensor x) {
            Tensor out = child("conv1").forward(bnRelu("bn1", x));
            out = child("conv2").forward(bnRelu("bn2", out));
            return out.add(child("shortcut").forward(x));
        }
    }
}
