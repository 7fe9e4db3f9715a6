package peekaboo.optim;

/**
 * The ImageNet learning-rate schedule (spec section 3): the reference's {@code adjust_learning_rate}, called
 * before training each epoch: {@code lr = base * 0.1 ** (epoch // 30)}, where base is {@code --lr} already
 * scaled by batch/256 ({@link #scaledLr}). Stateless: the lr follows from the epoch alone.
 */
public final class ImageNetStepLr {
    private final Sgd optimizer;
    private final double baseLr;

    /** baseLr: the lr after {@link #scaledLr} scaling. */
    public ImageNetStepLr(Sgd optimizer, double baseLr) {
        if (!(baseLr >= 0) || Double.isInfinite(baseLr)) throw new IllegalArgumentException("--lr must be a finite number >= 0, got " + baseLr);
        this.optimizer = optimizer;
        this.baseLr = baseLr;
    }

    /** {@code args.lr *= args.batch_size / 256}: the ImageNet scripts' linear scaling of the lr by batch size. */
    public static double scaledLr(double lr, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        return lr * (batchSize / 256.0);
    }

    /** The lr for an epoch (0-based): {@code base * 0.1 ** (epoch // 30)}. */
    public double lrAt(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        return baseLr * StrictMath.pow(0.1, epoch / 30);
    }

    /** Call before training epoch {@code epoch}: sets the optimiser's lr. */
    public void epochStarting(int epoch) {
        optimizer.setLr(lrAt(epoch));
    }

    public double baseLr() { return baseLr; }
}
