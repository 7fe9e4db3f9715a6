package peekaboo.nn;

import peekaboo.ops.Convolution;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * {@code nn.Conv2d}, optionally masked as the reference's {@code masked_layers.Conv2d}: a masked conv
 * has buffers {@code weight_mask} (and {@code bias_mask}) of ones and convolves with mask * weight;
 * the mask is never multiplied into the stored weight. Default init as PyTorch: weight and bias
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), weight drawn first.
 */
public class Conv2d extends Module {
    public final int inChannels, outChannels, kernelH, kernelW, stride, padding, dilation, groups;
    public final boolean masked;

    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups,
                  boolean bias, boolean masked, Generator g) {
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv2d: groups=" + groups + " must divide in_channels=" + inChannels + " and out_channels=" + outChannels);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelH = kernel;
        this.kernelW = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.masked = masked;
        int fanIn = inChannels / groups * kernel * kernel;
        double bound = 1 / Math.sqrt(fanIn);
        registerParameter("weight", Tensor.uniform(g, -bound, bound, DType.F32, outChannels, inChannels / groups, kernel, kernel));
        if (bias) registerParameter("bias", Tensor.uniform(g, -bound, bound, DType.F32, outChannels));
        if (masked) {
            registerBuffer("weight_mask", Tensor.ones(outChannels, inChannels / groups, kernel, kernel));
            if (bias) registerBuffer("bias_mask", Tensor.ones(outChannels));
        }
    }

    /** A masked or plain conv without bias, dilation 1, groups 1. */
    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean masked, Generator g) {
        this(in, out, kernel, stride, padding, 1, 1, false, masked, g);
    }

    public Tensor weight() { return param("weight"); }

    public Tensor bias() { return param("bias"); }

    /** The weight the convolution uses: mask * weight when masked. */
    public Tensor effectiveWeight() { return masked ? buffer("weight_mask").mul(weight()) : weight(); }

    public Tensor effectiveBias() {
        Tensor b = bias();
        if (b == null) return null;
        return masked ? buffer("bias_mask").mul(b) : b;
    }

    @Override
    protected Tensor compute(Tensor x) { return convolve(x, effectiveWeight(), effectiveBias()); }

    /** The convolution itself (PSG convs override this). */
    protected Tensor convolve(Tensor x, Tensor w, Tensor b) {
        return Convolution.conv2d(x, w, b, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {dilation, dilation}, groups);
    }

    public int outSize(int in) { return (in + 2 * padding - dilation * (kernelH - 1) - 1) / stride + 1; }

    @Override
    public String describe() {
        return (masked ? "MaskedConv2d(" : "Conv2d(") + inChannels + ", " + outChannels + ", " + kernelH + "x" + kernelW
                + (stride != 1 ? ", stride " + stride : "") + (padding != 0 ? ", pad " + padding : "")
                + (bias() != null ? ", bias" : "") + ")";
    }
}
