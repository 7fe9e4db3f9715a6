package peekaboo.pab.psg;

import peekaboo.nn.Conv2d;
import peekaboo.nn.Module;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * The reference's {@code PredictiveConv2d} as used by the Psg twins (spec sections 1 and 4): a masked conv
 * without bias whose backward is PSG's ({@link PsgConvolution}). It carries the reference's extra buffer
 * {@code quant_input.running_max_values} [1, 1, 1, 1] (zero, never used), so state dicts match key for key.
 * {@code signedInput} says whether its input can be negative (the network's first conv, WideResNet's 1x1
 * shortcuts); after a ReLU it is unsigned.
 */
public class PsgConv2d extends Conv2d {
    public final boolean signedInput;
    private PsgConfig config;

    public PsgConv2d(int in, int out, int kernel, int stride, int padding, boolean signedInput, PsgConfig config, Generator g) {
        super(in, out, kernel, stride, padding, 1, 1, false, true, g);
        if (config == null) throw new IllegalArgumentException("a PSG conv needs a PsgConfig (PsgConfig.DEFAULTS for the defaults)");
        this.signedInput = signedInput;
        this.config = config;
        registerModule("quant_input", new QuantInput());
    }

    public PsgConfig config() { return config; }

    /** Changes the PSG options of this layer (they are not part of the state dict). */
    public void setConfig(PsgConfig config) {
        if (config == null) throw new IllegalArgumentException("a PSG conv needs a PsgConfig");
        this.config = config;
    }

    @Override
    protected Tensor convolve(Tensor x, Tensor w, Tensor b) {
        return PsgConvolution.conv2d(x, w, stride, padding, dilation, groups, signedInput, config);
    }

    @Override
    public String describe() {
        return "PsgConv2d(" + inChannels + ", " + outChannels + ", " + kernelH + "x" + kernelW
                + (stride != 1 ? ", stride " + stride : "") + (padding != 0 ? ", pad " + padding : "")
                + (signedInput ? ", signed input" : "") + ")";
    }

    /** The reference's {@code Quantize} module: only its buffer survives (PSG here quantises inside the backward). */
    public static final class QuantInput extends Module {
        QuantInput() {
            registerBuffer("running_max_values", Tensor.zeros(1, 1, 1, 1));
        }

        @Override
        protected Tensor compute(Tensor x) { return x; }
    }
}
