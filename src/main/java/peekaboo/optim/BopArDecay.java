package peekaboo.optim;

/**
 * Bop's gamma decay (spec section 3): gamma *= ratio for every epoch e (0-based) with (e + 1) % freq == 0
 * ({@code --ar-decay-freq}, {@code --ar-decay-ratio}; the reference's {@code decay_ar}). The CIFAR script
 * decays <em>after</em> training such an epoch, the ImageNet script <em>before</em> it (one epoch earlier).
 * The training loop calls both hooks every epoch; the variant chosen at construction acts in one of them.
 * Stateless: gamma itself is part of {@link Bop}'s state.
 */
public final class BopArDecay {
    private final Bop bop;
    private final int freq;
    private final double ratio;
    private final boolean beforeEpoch;

    /** beforeEpoch: true for the ImageNet variant, false for CIFAR's. */
    public BopArDecay(Bop bop, int freq, double ratio, boolean beforeEpoch) {
        if (freq < 1) throw new IllegalArgumentException("--ar-decay-freq must be >= 1, got " + freq);
        if (!(ratio > 0) || Double.isInfinite(ratio)) throw new IllegalArgumentException("--ar-decay-ratio must be > 0, got " + ratio);
        this.bop = bop;
        this.freq = freq;
        this.ratio = ratio;
        this.beforeEpoch = beforeEpoch;
    }

    /** The CIFAR script's variant: decay after epoch e when (e + 1) % freq == 0. */
    public static BopArDecay cifar(Bop bop, int freq, double ratio) { return new BopArDecay(bop, freq, ratio, false); }

    /** The ImageNet script's variant: decay before training epoch e when (e + 1) % freq == 0. */
    public static BopArDecay imageNet(Bop bop, int freq, double ratio) { return new BopArDecay(bop, freq, ratio, true); }

    /** Call before training epoch e (0-based). */
    public void epochStarting(int epoch) {
        if (beforeEpoch) decayIfDue(epoch);
    }

    /** Call after training (and testing) epoch e (0-based). */
    public void epochFinished(int epoch) {
        if (!beforeEpoch) decayIfDue(epoch);
    }

    private void decayIfDue(int epoch) {
        if ((epoch + 1) % freq == 0) bop.setAr(bop.ar() * ratio);
    }

    public boolean beforeEpoch() { return beforeEpoch; }
}
