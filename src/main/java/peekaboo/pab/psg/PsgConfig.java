package peekaboo.pab.psg;

/**
 * The PSG options of spec section 4 (flags {@code --msb-bits}, {@code --msb-bits-weight},
 * {@code --msb-bits-grad}, {@code --psg-threshold}, {@code --psg-sparsify}, {@code --psg-no-take-sign},
 * {@code --psg-no-backward}). Bit widths of 32 or more mean "no quantisation", as in the reference.
 *
 * @param msbBits            bits of the quantised conv input, Q(x)
 * @param msbBitsWeight      accepted for the reference's command line; it changes no number (spec section 4)
 * @param msbBitsGrad        bits of the quantised output gradient, Q(dL/dy)
 * @param threshold          v of {@code --psg-threshold}; relative: t = |v| * max|G_msb| (0 keeps every entry)
 * @param sparsify           G = keep * G_msb instead of keep * G_msb + (1 - keep) * G_exact
 * @param takeSign           G = sign(G) (the default; {@code --psg-no-take-sign} turns it off)
 * @param predictiveBackward false for {@code --psg-no-backward}: G = G_exact (the sign is still taken when asked)
 */
public record PsgConfig(int msbBits, int msbBitsWeight, int msbBitsGrad, double threshold, boolean sparsify,
                        boolean takeSign, boolean predictiveBackward) {
    /** The CIFAR script's defaults: 4/4/8 bits, threshold 0, no sparsify, sign taken, predictive backward. */
    public static final PsgConfig DEFAULTS = new PsgConfig(4, 4, 8, 0.0, false, true, true);

    public PsgConfig {
        checkBits("--msb-bits", msbBits);
        checkBits("--msb-bits-weight", msbBitsWeight);
        checkBits("--msb-bits-grad", msbBitsGrad);
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("--psg-threshold must be a finite number, got " + threshold);
        }
    }

    private static void checkBits(String flag, int bits) {
        if (bits < 1 || bits > 32) throw new IllegalArgumentException(flag + " must be between 1 and 32, got " + bits);
    }

    /** |v|: the relative threshold (both signs of the flag mean relative, spec section 4). */
    public double relativeThreshold() { return Math.abs(threshold); }

    /** Whether the weight gradient needs G_exact besides G_msb (a non-zero threshold without sparsify). */
    public boolean needsExactGradient() { return !predictiveBackward || (relativeThreshold() != 0 && !sparsify); }

    /** Whether the weight gradient needs G_msb at all. */
    public boolean needsMsbGradient() { return predictiveBackward; }

    public PsgConfig withMsbBits(int bits) { return new PsgConfig(bits, msbBitsWeight, msbBitsGrad, threshold, sparsify, takeSign, predictiveBackward); }

    public PsgConfig withMsbBitsGrad(int bits) { return new PsgConfig(msbBits, msbBitsWeight, bits, threshold, sparsify, takeSign, predictiveBackward); }

    public PsgConfig withThreshold(double v) { return new PsgConfig(msbBits, msbBitsWeight, msbBitsGrad, v, sparsify, takeSign, predictiveBackward); }

    public PsgConfig withSparsify(boolean s) { return new PsgConfig(msbBits, msbBitsWeight, msbBitsGrad, threshold, s, takeSign, predictiveBackward); }

    public PsgConfig withTakeSign(boolean s) { return new PsgConfig(msbBits, msbBitsWeight, msbBitsGrad, threshold, sparsify, s, predictiveBackward); }

    public PsgConfig withPredictiveBackward(boolean p) { return new PsgConfig(msbBits, msbBitsWeight, msbBitsGrad, threshold, sparsify, takeSign, p); }
}
