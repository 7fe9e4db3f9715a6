package peekaboo.backend.cpu;

import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/** gather / scatter-add along a dimension, and the per-channel affine map of batch norm. */
final class IndexKernels {
    private IndexKernels() {}

    static void gather(Tensor x, int dim, Tensor index, Tensor out) {
        CpuStorage xs = CpuBackend.st(x), o = CpuBackend.st(out);
        long[] idx = index.backend().readLongs(index);
        int[] shape = index.shape(), xStrides = x.strides();
        int limit = x.size(dim);
        int[] coord = new int[shape.length];
        for (int i = 0; i < idx.length; i++) {
            long k = idx[i];
            if (k < 0 || k >= limit) throw outOfRange(k, limit, dim);
            int off = x.offset();
            for (int d = 0; d < shape.length; d++) off += (d == dim ? (int) k : coord[d]) * xStrides[d];
            o.set(out.offset() + i, xs.get(off));
            next(coord, shape);
        }
    }

    static void scatterAdd(Tensor src, int dim, Tensor index, Tensor out) {
        CpuStorage o = CpuBackend.st(out);
        long[] idx = index.backend().readLongs(index);
        double[] s = src.backend().readDoubles(src);
        int[] shape = index.shape(), oStrides = out.strides();
        int limit = out.size(dim);
        int[] coord = new int[shape.length];
        for (int i = 0; i < idx.length; i++) {
            long k = idx[i];
            if (k < 0 || k >= limit) throw outOfRange(k, limit, dim);
            int off = out.offset();
            for (int d = 0; d < shape.length; d++) off += (d == dim ? (int) k : coord[d]) * oStrides[d];
            o.set(off, o.get(off) + s[i]);
            next(coord, shape);
        }
    }

    private static IndexOutOfBoundsException outOfRange(long k, int limit, int dim) {
        return new IndexOutOfBoundsException("index " + k + " is out of range for dimension " + dim + " of size " + limit);
    }

    private static void next(int[] coord, int[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++coord[d] < shape[d]) return;
            coord[d] = 0;
        }
    }

    /** out = fma(x, scale[c], shift[c]) over x [N, C, rest...] contiguous; one rounding per element. */
    /** out = fma(x, scale[c], shift[c]), then max(., 0) when relu. */
    static void channelAffine(Tensor x, Tensor scale, Tensor shift, Tensor out, boolean relu) {
        int n = x.size(0), c = x.size(1), inner = x.numel() / Math.max(1, n * c);
        double[] a = scale.backend().readDoubles(scale), b = shift.backend().readDoubles(shift);
        CpuStorage xs = CpuBackend.st(x), o = CpuBackend.st(out);
        int xo = x.offset();
        // each plane's max |out| (bits), for the per-sample maxima PSG's input scale reads (see VectorLoops)
        int[] planeMax = x.dtype() == DType.F32 ? new int[n * c] : null;
        Parallel.RangeBody body = (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int ch = p % c, base = p * inner;
                if (x.dtype() == DType.F32) {
                    planeMax[p] = VectorLoops.affineF32(xs.f32, xo + base, (float) a[ch], (float) b[ch], relu, o.f32, base, inner);
                } else {
                    double da = a[ch], db = b[ch];
                    if (relu) {
                        for (int i = 0; i < inner; i++) o.f64[base + i] = Math.max(Math.fma(xs.f64[xo + base + i], da, db), 0.0);
                    } else {
                        for (int i = 0; i < inner; i++) o.f64[base + i] = Math.fma(xs.f64[xo + base + i], da, db);
                    }
                }
            }
        };
        int planes = n * c;
        if ((long) x.numel() < CpuBackend.PARALLEL_GRAIN || planes < 2) {
            body.run(0, planes);
        } else {
            // tasks of several planes (~16K floats, at least 8 tasks a thread), handed out one at a time: a thread
            // that starts late takes fewer; one plane a task (64 floats on an 8x8 map) spent more time handing out
            // tasks than mapping planes
            int per = Math.max(1, Math.min(planes / (8 * Parallel.threads()), (1 << 14) / Math.max(1, inner)));
            int tasks = (planes + per - 1) / per;
            Parallel.forEachTask(tasks, t -> body.run(t * per, Math.min(planes, (t + 1) * per)));
        }
        if (planeMax != null && out.isContiguous() && out.offset() == 0) {
            int[] sampleMax = new int[n];
            for (int p = 0; p < planes; p++) {
                sampleMax[p / c] = Math.max(sampleMax[p / c], planeMax[p]);
            }
            VectorLoops.rememberSampleMaxAbs(out, sampleMax);
        }
    }

    static String describe(Tensor t) { return Shape.str(t.shape()) + " " + t.dtype(); }
}
