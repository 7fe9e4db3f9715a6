package peekaboo.ops;

import peekaboo.autograd.Autograd;
import peekaboo.autograd.Node;
import peekaboo.backend.ConvShape;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * conv2d and its two gradient convolutions as three ops that differentiate into each other:
 * with y = conv(x, w), T(dy, w) = dL/dx and W(x, dy) = dL/dw,
 * d/d(dy) of T is conv(., w) and d/dw of T is W(., dy); d/dx of W is T(dy, .) and d/d(dy) of W is conv(x, .).
 * So second derivatives (GraSP's Hessian-gradient product) come out of the same three kernels.
 */
public final class Convolution {
    private Convolution() {}

    /** {@code F.conv2d(x, weight, bias, stride, padding, dilation, groups)}; bias may be null. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (x.dim() != 4 || weight.dim() != 4) {
            throw new IllegalArgumentException("conv2d needs a 4-D input [N, C, H, W] and a 4-D weight [K, C/groups, R, S], got "
                    + Shape.str(x.shape()) + " and " + Shape.str(weight.shape()));
        }
        if (x.size(1) != weight.size(1) * groups) {
            throw new IllegalArgumentException("conv2d: input " + Shape.str(x.shape()) + " has " + x.size(1) + " channels but weight "
                    + Shape.str(weight.shape()) + " with groups=" + groups + " expects " + weight.size(1) * groups);
        }
        if (x.dtype() != weight.dtype() || (bias != null && bias.dtype() != x.dtype())) {
            throw new IllegalArgumentException("conv2d operands must share one dtype, got input " + x.dtype() + ", weight " + weight.dtype()
                    + (bias != null ? ", bias " + bias.dtype() : ""));
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != weight.size(0))) {
            throw new IllegalArgumentException("conv2d bias must have shape [" + weight.size(0) + "], got " + Shape.str(bias.shape()));
        }
        ConvShape g = new ConvShape(x.size(0), x.size(1), x.size(2), x.size(3), weight.size(0), weight.size(2), weight.size(3),
                stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], groups);
        return forward(x, weight, bias, g);
    }

    static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvShape g) {
        Elementwise.checkBackends(x, w);
        Tensor out = Tensor.empty(x.backend(), x.dtype(), g.n(), g.k(), g.outH(), g.outW());
        x.backend().conv2d(x.contiguous(), w.contiguous(), bias == null ? null : bias.contiguous(), g, out);
        if (!Autograd.needsGraph(x, w, bias)) return out;
        return out.withGradFn(new Node("conv2d", x, w, bias) {
            final Tensor sx = save(x), sw = save(w);
            @Override protected Tensor[] backward(Tensor gy) {
                return new Tensor[] {
                    x.requiresGrad() ? inputGrad(gy, sw, g) : null,
                    w.requiresGrad() ? weightGrad(sx, gy, g) : null,
                    bias != null && bias.requiresGrad() ? gy.sum(new int[] {0, 2, 3}, false) : null};
            }
        });
    }

    /** dL/dx of conv2d given dL/dy: the transposed convolution of dy with w. */
    public static Tensor inputGrad(Tensor dy, Tensor w, ConvShape g) {
        Tensor dx = Tensor.empty(dy.backend(), dy.dtype(), g.n(), g.c(), g.h(), g.w());
        dy.backend().conv2dInputGrad(dy.contiguous(), w.contiguous(), g, dx);
        if (!Autograd.needsGraph(dy, w)) return dx;
        return dx.withGradFn(new Node("conv2d_input_grad", dy, w) {
            final Tensor sdy = save(dy), sw = save(w);
            @Override protected Tensor[] backward(Tensor gg) {
                return new Tensor[] {
                    dy.requiresGrad() ? forward(gg, sw, null, g) : null,
                    w.requiresGrad() ? weightGrad(gg, sdy, g) : null};
            }
        });
    }

    /** dL/dw of conv2d given the input x and dL/dy. */
    public static Tensor weightGrad(Tensor x, Tensor dy, ConvShape g) {
        Tensor dw = Tensor.zeros(x.backend(), x.dtype(), g.k(), g.cg(), g.r(), g.s());
        x.backend().conv2dWeightGrad(x.contiguous(), dy.contiguous(), g, dw);
        if (!Autograd.needsGraph(x, dy)) return dw;
        return dw.withGradFn(new Node("conv2d_weight_grad", x, dy) {
            final Tensor sx = save(x), sdy = save(dy);
            @Override protected Tensor[] backward(Tensor gg) {
                return new Tensor[] {
                    x.requiresGrad() ? inputGrad(sdy, gg, g) : null,
                    dy.requiresGrad() ? forward(sx, gg, null, g) : null};
            }
        });
    }
}
