package peekaboo.nn;

import peekaboo.ops.F;
import peekaboo.tensor.Tensor;

/** The parameter-free layers: ReLU, pooling, Flatten, Identity. */
public final class Layers {
    private Layers() {}

    public static final class ReLU extends Module {
        @Override protected Tensor compute(Tensor x) { return x.relu(); }
    }

    public static final class Identity extends Module {
        @Override protected Tensor compute(Tensor x) { return x; }
    }

    /** {@code nn.Flatten()}: all dimensions after the batch into one. */
    public static final class Flatten extends Module {
        @Override protected Tensor compute(Tensor x) { return x.flatten(1, -1); }
    }

    public static final class MaxPool2d extends Module {
        public final int kernel, stride, padding;

        public MaxPool2d(int kernel, int stride, int padding) {
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
        }

        @Override protected Tensor compute(Tensor x) { return F.maxPool2d(x, kernel, stride, padding); }

        @Override public String describe() { return "MaxPool2d(" + kernel + ", stride " + stride + (padding > 0 ? ", pad " + padding : "") + ")"; }
    }

    public static final class AvgPool2d extends Module {
        public final int kernel, stride;

        public AvgPool2d(int kernel, int stride) {
            this.kernel = kernel;
            this.stride = stride;
        }

        @Override protected Tensor compute(Tensor x) { return F.avgPool2d(x, kernel, stride, 0); }

        @Override public String describe() { return "AvgPool2d(" + kernel + ", stride " + stride + ")"; }
    }

    public static final class AdaptiveAvgPool2d extends Module {
        public final int outH, outW;

        public AdaptiveAvgPool2d(int outH, int outW) {
            this.outH = outH;
            this.outW = outW;
        }

        @Override protected Tensor compute(Tensor x) { return F.adaptiveAvgPool2d(x, outH, outW); }

        @Override public String describe() { return "AdaptiveAvgPool2d(" + outH + ", " + outW + ")"; }
    }
}
