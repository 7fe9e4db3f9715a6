package peekaboo.data;

/** Per-channel normalisation constants (spec section 5), for {@link Transforms#normalize(MeanStd)}. */
public enum MeanStd {
    /** CIFAR-10 as in the reference code. The std is a known quirk (the mean of per-image stds); the per-pixel std is about 0.247, 0.243, 0.261. */
    CIFAR10(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2023f, 0.1994f, 0.2010f}),
    CIFAR100(new float[] {0.507f, 0.487f, 0.441f}, new float[] {0.267f, 0.256f, 0.276f}),
    IMAGENET(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}),
    /** Fashion-MNIST (one channel, per-pixel statistics of the training set). */
    FASHION_MNIST(new float[] {0.2860f}, new float[] {0.3530f});

    private final float[] mean, std;

    MeanStd(float[] mean, float[] std) {
        this.mean = mean;
        this.std = std;
    }

    public float[] mean() { return mean.clone(); }

    public float[] std() { return std.clone(); }
}
