package peekaboo.backend.cpu;

import peekaboo.backend.ReduceOp;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * Reductions: the reduced dimensions are moved last and each output element reduces one contiguous
 * segment. Sums accumulate in double (more accurate than float accumulation, and deterministic:
 * the order does not depend on the thread count).
 */
final class ReduceKernels {
    private ReduceKernels() {}

    static void reduce(CpuBackend cpu, ReduceOp op, Tensor x, int[] dims, Tensor out, Tensor indices) {
        int rank = x.dim();
        int[] shape = x.shape();
        boolean[] reduced = new boolean[rank];
        for (int d : dims) reduced[d] = true;
        int[] perm = new int[rank];
        int p = 0, segment = 1;
        for (int d = 0; d < rank; d++) if (!reduced[d]) perm[p++] = d;
        for (int d = 0; d < rank; d++) if (reduced[d]) { perm[p++] = d; segment *= shape[d]; }
        int outputs = out.numel();
        double[] data = gatherPermuted(cpu, x, perm);
        CpuStorage o = CpuBackend.st(out);
        long[] idx = indices == null ? null : CpuBackend.st(indices).i64;
        final int seg = segment;
        Parallel.RangeBody body = (o0, o1) -> {
            for (int i = o0; i < o1; i++) {
                int base = i * seg;
                switch (op) {
                    case SUM: {
                        double s = 0;
                        for (int j = 0; j < seg; j++) s += data[base + j];
                        o.set(out.offset() + i, s);
                        break;
                    }
                    default: {
                        if (seg == 0) throw new IllegalArgumentException("max/min of an empty dimension has no value");
                        boolean max = op == ReduceOp.MAX;
                        int best = 0;
                        double v = data[base];
                        for (int j = 1; j < seg && !Double.isNaN(v); j++) {
                            double c = data[base + j];
                            if (Double.isNaN(c) || (max ? c > v : c < v)) { v = c; best = j; }
                        }
                        o.set(out.offset() + i, v);
                        if (idx != null) idx[indices.offset() + i] = best;
                    }
                }
            }
        };
        if ((long) outputs * seg < CpuBackend.PARALLEL_GRAIN || outputs < 2) body.run(0, outputs);
        else Parallel.forRange(outputs, body);
    }

    /** The elements of x, permuted by perm, as a contiguous double array. */
    private static double[] gatherPermuted(CpuBackend cpu, Tensor x, int[] perm) {
        int[] shape = x.shape(), strides = x.strides();
        int[] ps = new int[perm.length], pst = new int[perm.length];
        for (int i = 0; i < perm.length; i++) { ps[i] = shape[perm[i]]; pst[i] = strides[perm[i]]; }
        Tensor view = new Tensor(x.storage(), ps, pst, x.offset());
        if (x.dtype() == DType.F64 && view.isContiguous()) {
            return java.util.Arrays.copyOfRange(CpuBackend.st(x).f64, x.offset(), x.offset() + x.numel());
        }
        return cpu.readDoubles(view);
    }
}
