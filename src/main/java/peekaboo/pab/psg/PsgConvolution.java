package peekaboo.pab.psg;

import peekaboo.autograd.Autograd;
import peekaboo.autograd.GradMode;
import peekaboo.autograd.Node;
import peekaboo.backend.ConvShape;
import peekaboo.backend.Quantization;
import peekaboo.ops.Convolution;
import peekaboo.tensor.Shape;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * The PSG convolution of spec section 4 as one op with a fused backward. Forward: y = conv(x, w) in full
 * precision. Backward: the exact input gradient, and the weight gradient
 * <pre>
 *   G_msb   = conv_weight_grad(Q(x), Q(dL/dy))          (Q: {@link Quantizer}; input scale signed or not)
 *   G_exact = conv_weight_grad(x, dL/dy)
 *   keep    = |G_msb| >= |v| * max|G_msb|               (over all entries)
 *   G       = sparsify ? keep * G_msb : keep * G_msb + (1 - keep) * G_exact
 *   G       = takeSign ? sign(G) : G
 * </pre>
 * and with {@code --psg-no-backward} G = G_exact (sign still taken when asked). The weight passed in is
 * the masked weight mask * W, so the parameter receives mask * G through the mask product's own backward.
 *
 * <p>Cost: the reference spends five convolutions per PSG layer (two forward branches, three
 * gradients). This op spends a plain conv's three: the forward, the input gradient and ONE weight
 * gradient, computing only the branch the options need (G_msb, or G_exact for no-backward); only a
 * non-zero threshold without sparsify needs both weight gradients (four convolutions).
 *
 * <p>PSG is a training-time op: its backward is defined for a first-order backward only. Second
 * derivatives through a PSG conv are not defined (the weight gradient is a sign of a quantised
 * quantity), so a backward with {@code createGraph} through this op throws; pruners score the plain
 * twin of a Psg model instead (see {@code Pruning}).
 */
public final class PsgConvolution {
    private PsgConvolution() {}

    /** PSG conv2d of x [N, C, H, W] with the (masked) weight w [K, C/groups, R, S]; no bias (PSG convs have none). */
    public static Tensor conv2d(Tensor x, Tensor w, int stride, int padding, int dilation, int groups,
                                boolean signedInput, PsgConfig config) {
        if (x.dim() != 4 || w.dim() != 4) {
            throw new IllegalArgumentException("a PSG conv needs a 4-D input [N, C, H, W] and a 4-D weight, got "
                    + Shape.str(x.shape()) + " and " + Shape.str(w.shape()));
        }
        if (x.size(1) != w.size(1) * groups) {
            throw new IllegalArgumentException("PSG conv: input " + Shape.str(x.shape()) + " has " + x.size(1)
                    + " channels but the weight " + Shape.str(w.shape()) + " expects " + w.size(1) * groups);
        }
        if (x.dtype() != w.dtype()) {
            throw new IllegalArgumentException("PSG conv operands must share one dtype, got " + x.dtype() + " and " + w.dtype());
        }
        ConvShape g = new ConvShape(x.size(0), x.size(1), x.size(2), x.size(3), w.size(0), w.size(2), w.size(3),
                stride, stride, padding, padding, dilation, dilation, groups);
        Tensor out = Tensor.empty(x.backend(), x.dtype(), g.n(), g.k(), g.outH(), g.outW());
        x.backend().conv2d(x.contiguous(), w.contiguous(), null, g, out);
        if (!Autograd.needsGraph(x, w)) return out;
        // Q(x)'s scale depends on x alone: taken now, while the op that wrote x has left it in the cache,
        // rather than in the backward, half a step later, from main memory
        InputScale scale = w.requiresGrad() && config.needsMsbGradient() && Quantizer.fast(x) && x.isContiguous()
                ? new InputScale(Quantizer.inputQuantization(x.detach(), config.msbBits(), signedInput)) : null;
        return out.withGradFn(new Node("psg_conv2d", x, w) {
            final Tensor sx = save(x), sw = save(w);
            @Override protected Tensor[] backward(Tensor gy) {
                if (GradMode.isEnabled()) {
                    throw new UnsupportedOperationException("second derivatives through a PSG conv are not defined: "
                            + "backward with createGraph reached psg_conv2d; score or prune the model's plain twin instead");
                }
                // the weight gradient first, while gy, just written, is in the cache for Q(gy)'s scale
                Tensor gw = w.requiresGrad() ? weightGrad(sx, gy, g, signedInput, config, scale) : null;
                return new Tensor[] {x.requiresGrad() ? Convolution.inputGrad(gy, sw, g) : null, gw};
            }
        });
    }

    /** Q(x)'s quantisation, taken in the forward (null inside: x needs none). */
    private record InputScale(Quantization quantization) {}

    /** The PSG weight gradient G (before the mask) of a conv with geometry g, from its input x and output gradient gy. */
    public static Tensor weightGrad(Tensor x, Tensor gy, ConvShape g, boolean signedInput, PsgConfig config) {
        return weightGrad(x, gy, g, signedInput, config, null);
    }

    /** As above, with Q(x)'s quantisation already taken (null: take it here). */
    private static Tensor weightGrad(Tensor x, Tensor gy, ConvShape g, boolean signedInput, PsgConfig config, InputScale scale) {
        try (var scope = GradMode.noGrad()) {
            Tensor msb = null, exact = null;
            if (config.needsMsbGradient()) {
                msb = msbWeightGrad(x, gy, g, signedInput, config, scale);
            }
            if (config.needsExactGradient()) exact = Convolution.weightGrad(x, gy, g);
            return combine(msb != null ? msb : exact, msb != null ? exact : null, msb != null ? config.relativeThreshold() : 0,
                    config.sparsify(), config.takeSign());
        }
    }

    /**
     * G_msb = the weight gradient of Q(x) and Q(gy). Float32 operands go to the backend's fused op, which
     * quantises them as its kernels copy them (no Q(x) or Q(gy) tensor written out; the same values);
     * others are quantised first.
     */
    static Tensor msbWeightGrad(Tensor x, Tensor gy, ConvShape g, boolean signedInput, PsgConfig config) {
        return msbWeightGrad(x, gy, g, signedInput, config, null);
    }

    private static Tensor msbWeightGrad(Tensor x, Tensor gy, ConvShape g, boolean signedInput, PsgConfig config,
                                        InputScale scale) {
        if (!Quantizer.fast(x) || !Quantizer.fast(gy) || x.backend() != gy.backend()) {
            Tensor qx = Quantizer.quantizeInput(x, config.msbBits(), signedInput);
            Tensor qg = Quantizer.quantizeGrad(gy, config.msbBitsGrad());
            return Convolution.weightGrad(qx, qg, g);
        }
        Tensor xc = x.detach().contiguous(), gc = gy.detach().contiguous();
        Quantization qx = scale != null ? scale.quantization() : Quantizer.inputQuantization(xc, config.msbBits(), signedInput);
        Quantization qg = Quantizer.gradQuantization(gc, config.msbBitsGrad());
        Tensor msb = Tensor.zeros(x.backend(), DType.F32, g.k(), g.cg(), g.r(), g.s());
        x.backend().conv2dWeightGradQuantized(xc, qx, gc, qg, g, msb);
        return msb;
    }

    /**
     * G from G_msb and G_exact (null where never selected) with the relative threshold v (spec section 4), as one
     * backend kernel ({@code Backend.psgCombine}): t = |v| max|G_msb| where the threshold is non-zero (abs and
     * MAX on the backend, one scalar read), then keep, where and sign in one pass. Bit for bit {@link #combineOps}.
     */
    public static Tensor combine(Tensor msb, Tensor exact, double v, boolean sparsify, boolean takeSign) {
        double t = v == 0 ? 0 : threshold(msb, v);
        if (t == 0 && !takeSign) return msb; // keep = |G_msb| >= 0 everywhere
        Tensor out = Tensor.zeros(msb.backend(), msb.dtype(), msb.shape());
        msb.backend().psgCombine(msb.contiguous(), exact == null ? null : exact.contiguous(), t, sparsify, takeSign, out);
        return out;
    }

    /** t = |v| * max|G_msb|, rounded to the gradient's dtype as PyTorch's scalar-times-tensor. */
    private static double threshold(Tensor msb, double v) {
        if (Quantizer.fast(msb) && msb.numel() > 0) {
            // max|G_msb| in one pass, no |G_msb| tensor (NaN propagates, as torch's max), times |v| in float32
            float max = Quantizer.sampleMaxima(msb.contiguous().reshape(1, msb.numel()))[0];
            return max * (float) Math.abs(v);
        }
        Tensor abs = msb.abs();
        return abs.max().mul(abs.scalarLike(Math.abs(v))).item();
    }

    /** The definition of {@link #combine} from tensor ops: keep = |G_msb| >= t; where(keep, G_msb, sparsify ? 0 : G_exact); sign. */
    public static Tensor combineOps(Tensor msb, Tensor exact, double v, boolean sparsify, boolean takeSign) {
        Tensor result;
        if (v == 0) {
            result = msb; // keep = |G_msb| >= 0 everywhere
        } else {
            Tensor keep = msb.abs().ge(threshold(msb, v));
            result = Tensor.where(keep, msb, sparsify ? Tensor.zerosLike(msb) : exact);
        }
        return takeSign ? result.sign() : result;
    }
}
