package peekaboo.models;

import peekaboo.nn.Conv2d;
import peekaboo.pab.psg.PsgConfig;
import peekaboo.pab.psg.PsgConv2d;
import peekaboo.tensor.Generator;

/**
 * How a model makes its convs: the plain (masked) convs of the registry models, or the PSG convs of
 * their Psg twins (spec section 1: every conv a PSG conv, masked, without bias).
 */
@FunctionalInterface
public interface ConvFactory {
    /**
     * A conv in -> out channels, square kernel, dilation 1, groups 1. {@code signedInput}: whether the
     * conv's input can be negative (the network's first conv, WideResNet's 1x1 shortcuts).
     */
    Conv2d make(int in, int out, int kernel, int stride, int padding, boolean bias, boolean masked, boolean signedInput, Generator g);

    /** The registry models' convs. */
    ConvFactory PLAIN = (in, out, k, stride, pad, bias, masked, signed, g) -> new Conv2d(in, out, k, stride, pad, 1, 1, bias, masked, g);

    /** PSG convs with the given options; bias and masking requests are overridden (always masked, never biased). */
    static ConvFactory psg(PsgConfig config) {
        return (in, out, k, stride, pad, bias, masked, signed, g) -> new PsgConv2d(in, out, k, stride, pad, signed, config, g);
    }
}
