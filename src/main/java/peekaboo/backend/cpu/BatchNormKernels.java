package peekaboo.backend.cpu;

import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** Fused batch-norm statistics and training backward over contiguous [N, C, inner] data, one channel per task. */
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
            channels(c, (long) n * inner, ch -> {
                int first = x.offset() + ch * inner;
                float pilot = xv[first];
                double[] sums = BatchNormF32.shiftedMoments(xv, first, n, c * inner, inner, pilot);
                double shift = sums[0] / count;
                m[mean.offset() + ch] = pilot + shift;
                v[var.offset() + ch] = Math.max(0, sums[1] / count - shift * shift);
            });
            return;
        }
        channels(c, (long) n * inner, ch -> {
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
            channels(c, 2L * n * inner, ch -> {
                double mu = ms.get(mean.offset() + ch), istd = is.get(invstd.offset() + ch);
                double w = ws == null ? 1 : ws.get(weight.offset() + ch);
                int xo = x.offset() + ch * inner, go = gy.offset() + ch * inner, oo = gx.offset() + ch * inner;
                float a = relu ? (float) alpha[ch] : 0, b = relu ? (float) beta[ch] : 0;
                double[] sums = BatchNormF32.gradientMoments(xv, xo, gv, go, relu, a, b, n, c * inner, inner, mu);
                double sumG = sums[0], dot = sums[1];
                gbs.set(gb.offset() + ch, sumG);
                gws.set(gw.offset() + ch, dot * istd);
                double meanG = sumG / count, k = dot * istd * istd / count, scale = istd * w;
                BatchNormF32.inputGradient(xv, xo, gv, go, relu, a, b, out, oo, n, c * inner, inner, (float) meanG, (float) mu,
                        (float) k, (float) scale);
            });
            return;
        }
        channels(c, 2L * n * inner, ch -> {
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

    private static void channels(int c, long workPerChannel, java.util.function.IntConsumer body) {
        if (c * workPerChannel < CpuBackend.PARALLEL_GRAIN || c < 2) {
            for (int ch = 0; ch < c; ch++) body.accept(ch);
        } else {
            Parallel.forEachTask(c, body);
        }
    }
}
