package peekaboo.backend.cpu;

import peekaboo.backend.PoolShape;

/** Max and average pooling over NCHW planes, one (n, c) plane per task. */
final class PoolKernels {
    private PoolKernels() {}

    static void maxPool(CpuStorage x, int xOff, PoolShape p, CpuStorage out, CpuStorage indices) {
        int oh = p.outH(), ow = p.outW(), planeIn = p.h() * p.w(), planeOut = oh * ow;
        planes(p, planeIn * 9L, (plane) -> {
            int in = xOff + plane * planeIn, o = plane * planeOut;
            for (int i = 0; i < oh; i++) {
                int h0 = i * p.strideH() - p.padH(), h1 = Math.min(h0 + p.kh(), p.h());
                h0 = Math.max(h0, 0);
                for (int j = 0; j < ow; j++) {
                    int w0 = j * p.strideW() - p.padW(), w1 = Math.min(w0 + p.kw(), p.w());
                    w0 = Math.max(w0, 0);
                    double best = Double.NEGATIVE_INFINITY;
                    int arg = h0 * p.w() + w0;
                    for (int h = h0; h < h1; h++) {
                        for (int w = w0; w < w1; w++) {
                            double v = x.get(in + h * p.w() + w);
                            if (v > best || Double.isNaN(v)) {
                                best = v;
                                arg = h * p.w() + w;
                                if (Double.isNaN(v)) { h = h1; break; }
                            }
                        }
                    }
                    out.set(o + i * ow + j, best);
                    indices.i64[o + i * ow + j] = arg;
                }
            }
        });
    }

    static void avgPool(CpuStorage x, int xOff, PoolShape p, CpuStorage out) {
        int oh = p.outH(), ow = p.outW(), planeIn = p.h() * p.w(), planeOut = oh * ow;
        planes(p, planeIn * 2L, (plane) -> {
            int in = xOff + plane * planeIn, o = plane * planeOut;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    int[] win = window(p, i, j);
                    double s = 0;
                    for (int h = win[0]; h < win[1]; h++) {
                        for (int w = win[2]; w < win[3]; w++) s += x.get(in + h * p.w() + w);
                    }
                    out.set(o + i * ow + j, s / win[4]);
                }
            }
        });
    }

    static void avgPoolBackward(CpuStorage dy, int dyOff, PoolShape p, CpuStorage dx) {
        int oh = p.outH(), ow = p.outW(), planeIn = p.h() * p.w(), planeOut = oh * ow;
        planes(p, planeIn * 2L, (plane) -> {
            int in = plane * planeIn, o = dyOff + plane * planeOut;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    int[] win = window(p, i, j);
                    double g = dy.get(o + i * ow + j) / win[4];
                    for (int h = win[0]; h < win[1]; h++) {
                        for (int w = win[2]; w < win[3]; w++) dx.set(in + h * p.w() + w, dx.get(in + h * p.w() + w) + g);
                    }
                }
            }
        });
    }

    /** {h0, h1, w0, w1, divisor} of output cell (i, j), following PyTorch's avg_pool2d (count_include_pad). */
    private static int[] window(PoolShape p, int i, int j) {
        int h0 = i * p.strideH() - p.padH(), w0 = j * p.strideW() - p.padW();
        int h1 = Math.min(h0 + p.kh(), p.h() + p.padH()), w1 = Math.min(w0 + p.kw(), p.w() + p.padW());
        int padded = (h1 - h0) * (w1 - w0);
        h0 = Math.max(h0, 0);
        w0 = Math.max(w0, 0);
        h1 = Math.min(h1, p.h());
        w1 = Math.min(w1, p.w());
        int divisor = p.countIncludePad() ? padded : (h1 - h0) * (w1 - w0);
        return new int[] {h0, h1, w0, w1, divisor};
    }

    private static void planes(PoolShape p, long workPerPlane, java.util.function.IntConsumer body) {
        int planes = p.n() * p.c();
        if (planes * workPerPlane < CpuBackend.PARALLEL_GRAIN) {
            for (int i = 0; i < planes; i++) body.accept(i);
        } else {
            Parallel.forRange(planes, (a, b) -> {
                for (int i = a; i < b; i++) body.accept(i);
            });
        }
    }
}
