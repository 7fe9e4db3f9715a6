package peekaboo.backend.cpu;

import java.util.function.IntConsumer;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * Fused batch-norm statistics and training backward over contiguous [N, C, inner] data: float32 by blocks of
 * images (see {@link #IMAGE_BLOCKS}), float64 one channel per task.
 */
final class BatchNormKernels {
    private BatchNormKernels() {}

    /**
     * The mean and the biased variance per channel: float32 in one vectorised pass of moments about a
     * pilot value (the channel's first value; {@link BatchNormF32}), float64 in two passes in double.
     */
    static void stats(Tensor x, Tensor mean, Tensor var) {
        int n = x.size(0), c = x.size(1), inner = x.numel() / Math.max(1, n * c);
        CpuStorage xs = CpuBackend.st(x);
        double[] m = CpuBackend.st(mean).doubles(), v = CpuBackend.st(var).doubles();
        long count = (long) n * inner;
        if (x.dtype() == DType.F32 && count > 0) {
            float[] xv = xs.floats();
            int blocks = imageBlocks(n);
            double[] s1 = new double[blocks * c], s2 = new double[blocks * c];
            tasks(blocks, (long) c * n * inner, b -> {
                int b0 = firstImage(n, blocks, b), nb = firstImage(n, blocks, b + 1) - b0;
                for (int ch = 0; ch < c; ch++) {
                    // every block shifts by the same pilot, the channel's first value
                    float pilot = xv[x.offset() + ch * inner];
                    double[] sums = BatchNormF32.shiftedMoments(xv, x.offset() + (b0 * c + ch) * inner, nb, c * inner,
                            inner, pilot);
                    s1[b * c + ch] = sums[0];
                    s2[b * c + ch] = sums[1];
                }
            });
            for (int ch = 0; ch < c; ch++) {
                double sum1 = 0, sum2 = 0;
                for (int b = 0; b < blocks; b++) {
                    sum1 += s1[b * c + ch];
                    sum2 += s2[b * c + ch];
                }
                double shift = sum1 / count;
                m[mean.offset() + ch] = xv[x.offset() + ch * inner] + shift;
                v[var.offset() + ch] = Math.max(0, sum2 / count - shift * shift);
            }
            return;
        }
        tasks(c, (long) c * n * inner, ch -> {
            double s = 0;
            for (int i = 0; i < n; i++) s += sum(xs, x.offset() + (i * c + ch) * inner, inner, 0);
            double mu = s / count;
            double q = 0;
            for (int i = 0; i < n; i++) q += sumSquaredDeviation(xs, x.offset() + (i * c + ch) * inner, inner, mu);
            m[mean.offset() + ch] = mu;
            v[var.offset() + ch] = q / count;
        });
    }

    static void backward(Tensor x, Tensor gy, Tensor mean, Tensor invstd, Tensor weight, Tensor gx, Tensor gw, Tensor gb) {
        backward(x, null, null, gy, mean, invstd, weight, gx, gw, gb);
    }

    /**
     * The training backward; with alpha and beta (float32 only) the output gradient counts only where
     * fma(x, alpha[c], beta[c]) > 0: batch norm fused with the ReLU, whose forward wrote max of that and 0.
     */
    static void backward(Tensor x, double[] alpha, double[] beta, Tensor gy, Tensor mean, Tensor invstd, Tensor weight, Tensor gx,
                         Tensor gw, Tensor gb) {
        int n = x.size(0), c = x.size(1), inner = x.numel() / Math.max(1, n * c);
        CpuStorage xs = CpuBackend.st(x), gs = CpuBackend.st(gy), dx = CpuBackend.st(gx);
        CpuStorage ms = CpuBackend.st(mean), is = CpuBackend.st(invstd), ws = weight == null ? null : CpuBackend.st(weight);
        CpuStorage gws = CpuBackend.st(gw), gbs = CpuBackend.st(gb);
        long count = (long) n * inner;
        if (x.dtype() == DType.F32) {
            float[] xv = xs.floats(), gv = gs.floats(), out = dx.floats();
            boolean relu = alpha != null;
            int blocks = imageBlocks(n);
            long work = (long) c * n * inner;
            // pass 1: sum(g) and sum((x - mu) g) of each channel over each block's images
            double[] sumG = new double[blocks * c], dot = new double[blocks * c];
            tasks(blocks, work, blk -> {
                int b0 = firstImage(n, blocks, blk), nb = firstImage(n, blocks, blk + 1) - b0;
                for (int ch = 0; ch < c; ch++) {
                    int at = (b0 * c + ch) * inner;
                    float a = relu ? (float) alpha[ch] : 0, b = relu ? (float) beta[ch] : 0;
                    double[] sums = BatchNormF32.gradientMoments(xv, x.offset() + at, gv, gy.offset() + at, relu, a, b,
                            nb, c * inner, inner, ms.get(mean.offset() + ch));
                    sumG[blk * c + ch] = sums[0];
                    dot[blk * c + ch] = sums[1];
                }
            });
            float[] meanG = new float[c], k = new float[c], scale = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double sg = 0, d = 0;
                for (int blk = 0; blk < blocks; blk++) {
                    sg += sumG[blk * c + ch];
                    d += dot[blk * c + ch];
                }
                double istd = is.get(invstd.offset() + ch), w = ws == null ? 1 : ws.get(weight.offset() + ch);
                gbs.set(gb.offset() + ch, sg);
                gws.set(gw.offset() + ch, d * istd);
                meanG[ch] = (float) (sg / count);
                k[ch] = (float) (d * istd * istd / count);
                scale[ch] = (float) (istd * w);
            }
            // pass 2: the input gradient of each block's images, and each image's max |gx| (bits; blocks own
            // whole images), remembered on gx's storage for PSG's quantiser (Storage.rememberSampleMaxAbs)
            int[] maxBits = new int[n];
            tasks(blocks, work, blk -> {
                int b0 = firstImage(n, blocks, blk), nb = firstImage(n, blocks, blk + 1) - b0;
                for (int ch = 0; ch < c; ch++) {
                    int at = (b0 * c + ch) * inner;
                    float a = relu ? (float) alpha[ch] : 0, b = relu ? (float) beta[ch] : 0;
                    BatchNormF32.inputGradient(xv, x.offset() + at, gv, gy.offset() + at, relu, a, b, out,
                            gx.offset() + at, nb, c * inner, inner, meanG[ch], (float) ms.get(mean.offset() + ch), k[ch],
                            scale[ch], maxBits, b0);
                }
            });
            if (gx.isContiguous()) VectorLoops.rememberSampleMaxAbs(gx, maxBits);
            return;
        }
        tasks(c, 2L * c * n * inner, ch -> {
            double mu = ms.get(mean.offset() + ch), istd = is.get(invstd.offset() + ch);
            double w = ws == null ? 1 : ws.get(weight.offset() + ch);
            double sumG = 0, dot = 0;
            for (int i = 0; i < n; i++) {
                int xo = x.offset() + (i * c + ch) * inner, go = gy.offset() + (i * c + ch) * inner;
                sumG += sum(gs, go, inner, 0);
                dot += dotCentred(xs, xo, gs, go, inner, mu);
            }
            gbs.set(gb.offset() + ch, sumG);
            gws.set(gw.offset() + ch, dot * istd);
            double meanG = sumG / count, k = dot * istd * istd / count, scale = istd * w;
            for (int i = 0; i < n; i++) {
                int xo = x.offset() + (i * c + ch) * inner, go = gy.offset() + (i * c + ch) * inner, oo = gx.offset() + (i * c + ch) * inner;
                if (x.dtype() == DType.F32) {
                    float[] xv = xs.floats(), gv = gs.floats(), out = dx.floats();
                    float fm = (float) meanG, fmu = (float) mu, fk = (float) k, fs = (float) scale;
                    for (int j = 0; j < inner; j++) out[oo + j] = (gv[go + j] - fm - (xv[xo + j] - fmu) * fk) * fs;
                } else {
                    double[] xv = xs.doubles(), gv = gs.doubles(), out = dx.doubles();
                    for (int j = 0; j < inner; j++) out[oo + j] = (gv[go + j] - meanG - (xv[xo + j] - mu) * k) * scale;
                }
            }
        });
    }

    private static double sum(CpuStorage s, int off, int len, double unused) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        if (s.dtype() == DType.F32) {
            float[] v = s.floats();
            for (; j + 3 < len; j += 4) {
                s0 += v[off + j];
                s1 += v[off + j + 1];
                s2 += v[off + j + 2];
                s3 += v[off + j + 3];
            }
            for (; j < len; j++) s0 += v[off + j];
        } else {
            double[] v = s.doubles();
            for (; j + 3 < len; j += 4) {
                s0 += v[off + j];
                s1 += v[off + j + 1];
                s2 += v[off + j + 2];
                s3 += v[off + j + 3];
            }
            for (; j < len; j++) s0 += v[off + j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double sumSquaredDeviation(CpuStorage s, int off, int len, double mu) {
        double q0 = 0, q1 = 0;
        int j = 0;
        if (s.dtype() == DType.F32) {
            float[] v = s.floats();
            for (; j + 1 < len; j += 2) {
                double d0 = v[off + j] - mu, d1 = v[off + j + 1] - mu;
                q0 += d0 * d0;
                q1 += d1 * d1;
            }
            for (; j < len; j++) { double d = v[off + j] - mu; q0 += d * d; }
        } else {
            double[] v = s.doubles();
            for (; j + 1 < len; j += 2) {
                double d0 = v[off + j] - mu, d1 = v[off + j + 1] - mu;
                q0 += d0 * d0;
                q1 += d1 * d1;
            }
            for (; j < len; j++) { double d = v[off + j] - mu; q0 += d * d; }
        }
        return q0 + q1;
    }

    private static double dotCentred(CpuStorage xs, int xo, CpuStorage gs, int go, int len, double mu) {
        double d0 = 0, d1 = 0;
        int j = 0;
        if (xs.dtype() == DType.F32) {
            float[] x = xs.floats(), g = gs.floats();
            for (; j + 1 < len; j += 2) {
                d0 += (x[xo + j] - mu) * g[go + j];
                d1 += (x[xo + j + 1] - mu) * g[go + j + 1];
            }
            for (; j < len; j++) d0 += (x[xo + j] - mu) * g[go + j];
        } else {
            double[] x = xs.doubles(), g = gs.doubles();
            for (; j + 1 < len; j += 2) {
                d0 += (x[xo + j] - mu) * g[go + j];
                d1 += (x[xo + j + 1] - mu) * g[go + j + 1];
            }
            for (; j < len; j++) d0 += (x[xo + j] - mu) * g[go + j];
        }
        return d0 + d1;
    }

    /**
     * Float32 batch norm works on blocks of images, not on channels: a block's sums cover every channel of its
     * images, and the blocks' sums add up in block order, so the result does not depend on the threads. Split by
     * image, each thread reads (and in the backward writes) the images the convolutions around it read and
     * wrote on the same thread ({@link Parallel#forEachTask} hands a thread its own contiguous share first); by
     * channel, half of every read came from the other core's cache, which costs most when the VM places the two
     * cores on different last-level caches (ResNet-20's batch-norm backward: 1.3-1.5 against 0.7-1.0 ms a call).
     */
    private static final int IMAGE_BLOCKS = 8;

    private static int imageBlocks(int n) {
        return Math.max(1, Math.min(n, IMAGE_BLOCKS));
    }

    /** The first image of block b of blocks over n images. */
    private static int firstImage(int n, int blocks, int b) {
        return (int) ((long) n * b / blocks);
    }

    /** body(t) for t in [0, tasks) (blocks or channels): on the calling thread below the parallel grain of work. */
    private static void tasks(int tasks, long work, IntConsumer body) {
        if (work < CpuBackend.PARALLEL_GRAIN || tasks < 2) {
            for (int t = 0; t < tasks; t++) body.accept(t);
        } else {
            Parallel.forEachTask(tasks, body);
        }
    }
}
