package peekaboo.data;

/**
 * Per-channel statistics of a dataset's images scaled to [0, 1] (after ToTensor), measured in one
 * pass through a {@link DataLoader} with {@code workers} threads, which also times decoding.
 *
 * @param mean per-channel mean over all pixels of all images
 * @param std per-channel standard deviation over all pixels (population std; CIFAR-10: about 0.247, 0.243, 0.261)
 * @param meanImageStd per-channel mean of each image's own std, the quantity the published CIFAR-10
 *     "std" constants (0.2023, 0.1994, 0.2010) come from
 * @param labelCounts images per class
 * @param images the number of images
 * @param seconds wall time of the pass (decode, ToTensor, statistics)
 */
public record ChannelStats(double[] mean, double[] std, double[] meanImageStd, int[] labelCounts, int images, double seconds) {

    public double imagesPerSecond() { return images / seconds; }

    public static ChannelStats measure(Dataset dataset, int workers) {
        // Each image becomes a [C, 1, 4] "image" of its own statistics (sum, sum of squares, std,
        // pixel count), so images of any size batch together; sums per image and overall in double.
        Transform perImage = (img, g) -> {
            Image t = Transforms.toTensor().apply(img, g);
            int c = t.channels(), plane = t.height() * t.width();
            float[] v = t.floats(), out = new float[4 * c];
            for (int ch = 0; ch < c; ch++) {
                double s = 0, q = 0;
                for (int p = ch * plane; p < (ch + 1) * plane; p++) {
                    s += v[p];
                    q += (double) v[p] * v[p];
                }
                double m = s / plane;
                out[4 * ch] = (float) s;
                out[4 * ch + 1] = (float) q;
                out[4 * ch + 2] = (float) Math.sqrt(Math.max(q / plane - m * m, 0));
                out[4 * ch + 3] = plane;
            }
            return Image.ofChw(out, c, 1, 4);
        };
        long t0 = System.nanoTime();
        int channels = -1;
        double[] sum = null, sumSq = null, imgStd = null;
        double pixels = 0;
        int[] counts = new int[dataset.classes().length];
        try (DataLoader loader = new DataLoader(dataset, perImage, DataLoader.Options.of(256).workers(workers))) {
            for (Batch b : loader) {
                float[] v = b.inputs().toFloatArray();
                long[] y = b.targets().toLongArray();
                int c = b.inputs().size(1);
                if (channels < 0) {
                    channels = c;
                    sum = new double[c];
                    sumSq = new double[c];
                    imgStd = new double[c];
                } else if (c != channels) {
                    throw new DatasetException("the dataset mixes images of " + channels + " and " + c + " channels");
                }
                for (int k = 0; k < b.size(); k++) {
                    counts[(int) y[k]]++;
                    for (int ch = 0; ch < c; ch++) {
                        int o = (k * c + ch) * 4;
                        sum[ch] += v[o];
                        sumSq[ch] += v[o + 1];
                        imgStd[ch] += v[o + 2];
                    }
                    pixels += v[k * c * 4 + 3];
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int n = dataset.size();
        if (n == 0) throw new DatasetException("the dataset is empty");
        double[] mean = new double[channels], std = new double[channels];
        for (int ch = 0; ch < channels; ch++) {
            mean[ch] = sum[ch] / pixels;
            std[ch] = Math.sqrt(Math.max(sumSq[ch] / pixels - mean[ch] * mean[ch], 0));
            imgStd[ch] /= n;
        }
        return new ChannelStats(mean, std, imgStd, counts, n, seconds);
    }
}
