package peekaboo.backend.cpu;

import peekaboo.backend.ReduceOp;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * Reductions read the input in place through its strides: each output element walks its reduced
 * sub-tensor as coalesced rows. Sums accumulate in double with four interleaved partial sums
 * (deterministic: the order does not depend on the thread count).
 */
final class ReduceKernels {
    private ReduceKernels() {}

    static void reduce(CpuBackend cpu, ReduceOp op, Tensor x, int[] dims, Tensor out, Tensor indices) {
        int rank = x.dim();
        int[] shape = x.shape(), strides = x.strides();
        boolean[] reduced = new boolean[rank];
        for (int d : dims) reduced[d] = true;
        int kept = 0;
        for (int d = 0; d < rank; d++) if (!reduced[d]) kept++;
        final int keptN = kept, redN = rank - kept;
        int[] keptShape = new int[keptN], keptStrides = new int[keptN], redShape = new int[redN], redStrides = new int[redN];
        for (int d = 0, k = 0, r = 0; d < rank; d++) {
            if (reduced[d]) { redShape[r] = shape[d]; redStrides[r++] = strides[d]; }
            else { keptShape[k] = shape[d]; keptStrides[k++] = strides[d]; }
        }
        Rows inner = Rows.plan(redShape, redStrides);
        int segment = 1;
        for (int s : redShape) segment *= s;
        int outputs = out.numel();
        CpuStorage a = CpuBackend.st(x), o = CpuBackend.st(out);
        long[] idx = indices == null ? null : CpuBackend.st(indices).longs();
        final int seg = segment;
        Parallel.RangeBody body = (o0, o1) -> {
            for (int i = o0; i < o1; i++) {
                int base = x.offset();
                for (int d = keptN - 1, rem = i; d >= 0; d--) {
                    base += (rem % keptShape[d]) * keptStrides[d];
                    rem /= keptShape[d];
                }
                if (op == ReduceOp.SUM) {
                    o.set(out.offset() + i, sum(a, base, inner));
                } else {
                    if (seg == 0) throw new IllegalArgumentException("max/min of an empty dimension has no value");
                    // single reduced dimension (enforced by the op layer when indices are wanted)
                    int stride = redN == 1 ? redStrides[0] : 0;
                    boolean max = op == ReduceOp.MAX;
                    int best = 0;
                    double v = a.get(base);
                    if (redN == 1) {
                        for (int j = 1; j < seg && !Double.isNaN(v); j++) {
                            double c = a.get(base + j * stride);
                            if (Double.isNaN(c) || (max ? c > v : c < v)) { v = c; best = j; }
                        }
                    } else {
                        double[] all = new double[seg];
                        gather(a, base, inner, all);
                        for (int j = 1; j < seg && !Double.isNaN(v); j++) {
                            double c = all[j];
                            if (Double.isNaN(c) || (max ? c > v : c < v)) { v = c; best = j; }
                        }
                    }
                    o.set(out.offset() + i, v);
                    if (idx != null) idx[indices.offset() + i] = best;
                }
            }
        };
        if ((long) outputs * seg < CpuBackend.PARALLEL_GRAIN || outputs < 2) body.run(0, outputs);
        else Parallel.forRange(outputs, body);
    }

    /** Sum of the sub-tensor at base described by the row plan, accumulated in double. */
    private static double sum(CpuStorage a, int base, Rows inner) {
        int len = inner.rowLength(), st = inner.rowStride(0);
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int r = 0; r < inner.rows(); r++) {
            int off = base + inner.rowStart(0, r);
            int j = 0;
            if (a.dtype() == DType.F32) {
                float[] v = a.f32;
                for (; j + 3 < len; j += 4) {
                    s0 += v[off + j * st];
                    s1 += v[off + (j + 1) * st];
                    s2 += v[off + (j + 2) * st];
                    s3 += v[off + (j + 3) * st];
                }
                for (; j < len; j++) s0 += v[off + j * st];
            } else if (a.dtype() == DType.F64) {
                double[] v = a.f64;
                for (; j + 3 < len; j += 4) {
                    s0 += v[off + j * st];
                    s1 += v[off + (j + 1) * st];
                    s2 += v[off + (j + 2) * st];
                    s3 += v[off + (j + 3) * st];
                }
                for (; j < len; j++) s0 += v[off + j * st];
            } else {
                for (; j < len; j++) s0 += a.get(off + j * st);
            }
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static void gather(CpuStorage a, int base, Rows inner, double[] out) {
        int len = inner.rowLength(), k = 0;
        for (int r = 0; r < inner.rows(); r++) {
            int off = base + inner.rowStart(0, r);
            for (int j = 0; j < len; j++) out[k++] = a.get(off + j * inner.rowStride(0));
        }
    }
}
