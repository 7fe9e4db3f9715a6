package peekaboo.models;

import peekaboo.nn.BatchNorm2d;
import peekaboo.nn.Conv2d;
import peekaboo.nn.Linear;
import peekaboo.nn.Module;
import peekaboo.nn.Sequential;
import peekaboo.ops.F;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * The reference's CIFAR ResNets (spec section 1): masked 3x3 stem (no max-pool), three stages of
 * 16/32/64 planes (ResNet20..110) or four of 64..512 (ResNet18..152), global average pool, plain Linear.
 */
public final class CifarResNet extends Network {
    private final boolean fourStages;

    public CifarResNet(String arch, boolean bottleneck, int[] blocks, int numClasses, int[] input, Generator g) {
        this(arch, bottleneck, blocks, numClasses, input, ConvFactory.PLAIN, g);
    }

    /** With {@code convs} making every conv (plain, or PSG for the Psg twins; only the stem's input is signed). */
    public CifarResNet(String arch, boolean bottleneck, int[] blocks, int numClasses, int[] input, ConvFactory convs, Generator g) {
        super(arch, numClasses, input);
        fourStages = blocks.length == 4;
        int base = fourStages ? 64 : 16, expansion = bottleneck ? 4 : 1;
        registerModule("conv1", convs.make(input[0], base, 3, 1, 1, false, true, true, g));
        registerModule("bn1", new BatchNorm2d(base));
        int inPlanes = base;
        for (int stage = 0; stage < blocks.length; stage++) {
            int planes = base << stage;
            Sequential layer = new Sequential();
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = b == 0 && stage > 0 ? 2 : 1;
                layer.add(bottleneck ? new Bottleneck(inPlanes, planes, stride, convs, g) : new BasicBlock(inPlanes, planes, stride, convs, g));
                inPlanes = planes * expansion;
            }
            registerModule("layer" + (stage + 1), layer);
        }
        registerModule("linear", new Linear(inPlanes, numClasses, true, false, g));
    }

    @Override
    protected Tensor compute(Tensor x) {
        Tensor out = bnRelu("bn1", child("conv1").forward(x));
        for (int i = 1; i <= (fourStages ? 4 : 3); i++) out = child("layer" + i).forward(out);
        out = F.avgPool2d(out, out.size(3));
        return child("linear").forward(out.flatten(1, -1));
    }

    static Sequential shortcut(int inPlanes, int outPlanes, int stride, ConvFactory convs, Generator g) {
        if (stride == 1 && inPlanes == outPlanes) return new Sequential();
        return new Sequential(conv(convs, inPlanes, outPlanes, 1, stride, 0, g), new BatchNorm2d(outPlanes));
    }

    /** A masked conv without bias whose input comes after a ReLU (unsigned). */
    static Conv2d conv(ConvFactory convs, int in, int out, int kernel, int stride, int padding, Generator g) {
        return convs.make(in, out, kernel, stride, padding, false, true, false, g);
    }

    /** conv3x3(stride)-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU. */
    static final class BasicBlock extends Module {
        BasicBlock(int inPlanes, int planes, int stride, ConvFactory convs, Generator g) {
            registerModule("conv1", conv(convs, inPlanes, planes, 3, stride, 1, g));
            registerModule("bn1", new BatchNorm2d(planes));
            registerModule("conv2", conv(convs, planes, planes, 3, 1, 1, g));
            registerModule("bn2", new BatchNorm2d(planes));
            registerModule("shortcut", shortcut(inPlanes, planes, stride, convs, g));
        }

        @Override
        protected Tensor compute(Tensor x) {
            Tensor out = bnRelu("bn1", child("conv1").forward(x));
            out = child("bn2").forward(child("conv2").forward(out));
            return F.addRelu(out, child("shortcut").forward(x));
        }
    }

    /** 1x1-BN-ReLU, 3x3(stride)-BN-ReLU, 1x1(x4)-BN, plus the shortcut, then ReLU. */
    static final class Bottleneck extends Module {
        Bottleneck(int inPlanes, int planes, int stride, ConvFactory convs, Generator g) {
            registerModule("conv1", conv(convs, inPlanes, planes, 1, 1, 0, g));
            registerModule("bn1", new BatchNorm2d(planes));
            registerModule("conv2", conv(convs, planes, planes, 3, stride, 1, g));
            registerModule("bn2", new BatchNorm2d(planes));
            registerModule("conv3", conv(convs, planes, planes * 4, 1, 1, 0, g));
            registerModule("bn3", new BatchNorm2d(planes * 4));
            registerModule("shortcut", shortcut(inPlanes, planes * 4, stride, convs, g));
        }

        @Override
        protected Tensor compute(Tensor x) {
            Tensor out = bnRelu("bn1", child("conv1").forward(x));
            out = bnRelu("bn2", child("conv2").forward(out));
            out = child("bn3").forward(child("conv3").forward(out));
            return F.addRelu(out, child("shortcut").forward(x));
        }
    }
}
