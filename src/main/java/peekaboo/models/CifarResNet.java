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
        super(arch, numClasses, input);
        fourStages = blocks.length == 4;
        int base = fourStages ? 64 : 16, expansion = bottleneck ? 4 : 1;
        registerModule("conv1", new Conv2d(input[0], base, 3, 1, 1, true, g));
        registerModule("bn1", new BatchNorm2d(base));
        int inPlanes = base;
        for (int stage = 0; stage < blocks.length; stage++) {
            int planes = base << stage;
            Sequential layer = new Sequential();
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = b == 0 && stage > 0 ? 2 : 1;
                layer.add(bottleneck ? new Bottleneck(inPlanes, planes, stride, g) : new BasicBlock(inPlanes, planes, stride, g));
                inPlanes = planes * expansion;
            }
            registerModule("layer" + (stage + 1), layer);
        }
        registerModule("linear", new Linear(inPlanes, numClasses, true, false, g));
    }

    @Override
    protected Tensor compute(Tensor x) {
        Tensor out = child("bn1").forward(child("conv1").forward(x)).relu();
        for (int i = 1; i <= (fourStages ? 4 : 3); i++) out = child("layer" + i).forward(out);
        out = F.avgPool2d(out, out.size(3));
        return child("linear").forward(out.flatten(1, -1));
    }

    static Sequential shortcut(int inPlanes, int outPlanes, int stride, Generator g) {
        if (stride == 1 && inPlanes == outPlanes) return new Sequential();
        return new Sequential(new Conv2d(inPlanes, outPlanes, 1, stride, 0, true, g), new BatchNorm2d(outPlanes));
    }

    /** conv3x3(stride)-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU. */
    static final class BasicBlock extends Module {
        BasicBlock(int inPlanes, int planes, int stride, Generator g) {
            registerModule("conv1", new Conv2d(inPlanes, planes, 3, stride, 1, true, g));
            registerModule("bn1", new BatchNorm2d(planes));
            registerModule("conv2", new Conv2d(planes, planes, 3, 1, 1, true, g));
            registerModule("bn2", new BatchNorm2d(planes));
            registerModule("shortcut", shortcut(inPlanes, planes, stride, g));
        }

        @Override
        protected Tensor compute(Tensor x) {
            Tensor out = child("bn1").forward(child("conv1").forward(x)).relu();
            out = child("bn2").forward(child("conv2").forward(out));
            return out.add(child("shortcut").forward(x)).relu();
        }
    }

    /** 1x1-BN-ReLU, 3x3(stride)-BN-ReLU, 1x1(x4)-BN, plus the shortcut, then ReLU. */
    static final class Bottleneck extends Module {
        Bottleneck(int inPlanes, int planes, int stride, Generator g) {
            registerModule("conv1", new Conv2d(inPlanes, planes, 1, 1, 0, true, g));
            registerModule("bn1", new BatchNorm2d(planes));
            registerModule("conv2", new Conv2d(planes, planes, 3, stride, 1, true, g));
            registerModule("bn2", new BatchNorm2d(planes));
            registerModule("conv3", new Conv2d(planes, planes * 4, 1, 1, 0, true, g));
            registerModule("bn3", new BatchNorm2d(planes * 4));
            registerModule("shortcut", shortcut(inPlanes, planes * 4, stride, g));
        }

        @Override
        protected Tensor compute(Tensor x) {
            Tensor out = child("bn1").forward(child("conv1").forward(x)).relu();
            out = child("bn2").forward(child("conv2").forward(out)).relu();
            out = child("bn3").forward(child("conv3").forward(out));
            return out.add(child("shortcut").forward(x)).relu();
        }
    }
}
