package peekaboo.pab.psg;

/**
 * How a PSG weight gradient compares with the exact one over the weights a mask keeps:
 * cosine similarity, the fraction of entries whose sign agrees (sign(psg) == sign(exact), zeros included),
 * and the sparsity of the PSG gradient (the fraction of its kept entries that are zero).
 */
public record GradientAgreement(int entries, double cosine, double signAgreement, double sparsity) {

    /** Compares psg with exact where mask != 0 (mask null: every entry). Arrays share one layout. */
    public static GradientAgreement of(double[] psg, double[] exact, double[] mask) {
        if (psg.length != exact.length || (mask != null && mask.length != psg.length)) {
            throw new IllegalArgumentException("gradients of " + psg.length + " and " + exact.length + " entries cannot be compared");
        }
        double dot = 0, pp = 0, ee = 0;
        int n = 0, agree = 0, zeros = 0;
        for (int i = 0; i < psg.length; i++) {
            if (mask != null && mask[i] == 0) continue;
            n++;
            dot += psg[i] * exact[i];
            pp += psg[i] * psg[i];
            ee += exact[i] * exact[i];
            if (Math.signum(psg[i]) == Math.signum(exact[i])) agree++;
            if (psg[i] == 0) zeros++;
        }
        double cosine = pp == 0 || ee == 0 ? (pp == ee ? 1 : 0) : dot / Math.sqrt(pp * ee);
        return new GradientAgreement(n, cosine, n == 0 ? 1 : (double) agree / n, n == 0 ? 0 : (double) zeros / n);
    }
}
