package peekaboo.models;

import java.util.Arrays;
import peekaboo.autograd.GradMode;
import peekaboo.nn.Conv2d;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * The eight {@code --init-method}s of spec section 1, applied to every conv weight after PyTorch's
 * default init. fan_in = in/groups x kh x kw, gain = sqrt(2), std = gain / sqrt(fan_in).
 */
public enum InitMethod {
    STANDARD("standard"),
    KAIMING_NORMAL("kaiming_normal"),
    KAIMING_UNIFORM("kaiming_uniform"),
    KAIMING_CONSTANT_SIGNED("kaiming_constant_signed"),
    KAIMING_CONSTANT_UNSIGNED("kaiming_constant_unsigned"),
    KAIMING_LAPLACE("kaiming_laplace"),
    XAVIER_NORMAL("xavier_normal"),
    XAVIER_CONSTANT("xavier_constant");

    private final String flag;

    InitMethod(String flag) { this.flag = flag; }

    public String flag() { return flag; }

    public static InitMethod parse(String name) {
        for (InitMethod m : values()) if (m.flag.equals(name)) return m;
        throw new IllegalArgumentException("unknown --init-method '" + name + "'; choose one of "
                + Arrays.stream(values()).map(InitMethod::flag).toList());
    }

    /** Redraws (bias first, as the reference, then) the weight of one conv. */
    public void apply(Conv2d conv, Generator g) {
        Tensor w = conv.weight();
        int[] shape = w.shape();
        int fanIn = shape[1] * shape[2] * shape[3], fanOut = shape[0] * shape[2] * shape[3];
        double gain = Math.sqrt(2.0), std = gain / Math.sqrt(fanIn);
        try (var scope = GradMode.noGrad()) {
            if (conv.bias() != null) {
                double bound = 1 / Math.sqrt(fanIn);
                conv.bias().copyFrom(Tensor.uniform(g, -bound, bound, DType.F64, shape[0]));
            }
            Tensor fresh = switch (this) {
                case STANDARD -> Tensor.uniform(g, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), DType.F64, shape);
                case KAIMING_NORMAL -> Tensor.normal(g, 0, std, DType.F64, shape);
                case KAIMING_UNIFORM -> Tensor.uniform(g, -Math.sqrt(3) * std, Math.sqrt(3) * std, DType.F64, shape);
                case KAIMING_CONSTANT_SIGNED -> w.sign().to(DType.F64).mul(std);
                case KAIMING_CONSTANT_UNSIGNED -> Tensor.full(DType.F64, std, shape);
                case KAIMING_LAPLACE -> Tensor.laplace(g, 0, gain / Math.sqrt(2.0 * fanIn), DType.F64, shape);
                case XAVIER_NORMAL -> Tensor.normal(g, 0, Math.sqrt(2.0 / (fanIn + fanOut)), DType.F64, shape);
                case XAVIER_CONSTANT -> w.sign().to(DType.F64).mul(Math.sqrt(2.0 / (fanIn + fanOut)));
            };
            w.copyFrom(fresh);
        }
    }

    /** Redraws every conv of a model in module order. */
    public void applyAll(Network net, Generator g) {
        for (Conv2d c : net.convs()) apply(c, g);
    }

    /** kaiming_normal with fan_out (torchvision's conv init, before the chosen method on ImageNet ResNets). */
    public static void kaimingNormalFanOut(Conv2d conv, Generator g) {
        int[] s = conv.weight().shape();
        double std = Math.sqrt(2.0) / Math.sqrt(s[0] * s[2] * s[3]);
        try (var scope = GradMode.noGrad()) {
            conv.weight().copyFrom(Tensor.normal(g, 0, std, DType.F64, s));
        }
    }
}
