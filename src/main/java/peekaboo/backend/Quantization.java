package peekaboo.backend;

/**
 * The parameters of PSG's quantiser Q(x, bits, max, signed) (spec section 4; {@link Backend#quantize}):
 * what a kernel needs to quantise values while it copies them, instead of writing Q(x) out first.
 */
public record Quantization(int bits, float max, boolean signed) {
    public Quantization {
        if (bits < 1 || bits > 31) {
            throw new IllegalArgumentException("quantiser bits must be 1..31, got " + bits);
        }
    }
}
