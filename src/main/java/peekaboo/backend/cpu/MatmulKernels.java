package peekaboo.backend.cpu;

import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** Batched matrix product on the GEMM kernels; transposed operands are passed as such, not copied. */
final class MatmulKernels {
    private MatmulKernels() {}

    static void matmul(Tensor a, Tensor b, Tensor out) {
        if (a.dtype() != b.dtype() || (a.dtype() != DType.F32 && a.dtype() != DType.F64)) {
            throw new UnsupportedOperationException("matmul needs two float32 or two float64 tensors, got " + a.dtype() + " and " + b.dtype());
        }
        int batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        Layout la = Layout.of(a), lb = Layout.of(b);
        Tensor ac = la == null ? a.contiguous() : a, bc = lb == null ? b.contiguous() : b;
        if (la == null) la = Layout.of(ac);
        if (lb == null) lb = Layout.of(bc);
        for (int i = 0; i < batch; i++) {
            int ao = ac.offset() + i * ac.stride(0), bo = bc.offset() + i * bc.stride(0), oo = out.offset() + i * m * n;
            if (a.dtype() == DType.F32) {
                Sgemm.sgemm(la.trans, lb.trans, m, n, k, CpuBackend.st(ac).floats(), ao, la.ld, CpuBackend.st(bc).floats(), bo, lb.ld,
                        CpuBackend.st(out).floats(), oo, n, false);
            } else {
                Dgemm.dgemm(la.trans, lb.trans, m, n, k, CpuBackend.st(ac).doubles(), ao, la.ld, CpuBackend.st(bc).doubles(), bo, lb.ld,
                        CpuBackend.st(out).doubles(), oo, n, false);
            }
        }
    }

    /** How a [batch, rows, cols] view stores each matrix: row-major (ld = row stride) or transposed. */
    private record Layout(boolean trans, int ld) {
        static Layout of(Tensor t) {
            int rows = t.size(1), cols = t.size(2), rs = t.stride(1), cs = t.stride(2);
            if (cs == 1 && (rs >= cols || rows == 1)) return new Layout(false, Math.max(rs, Math.max(cols, 1)));
            if (rs == 1 && (cs >= rows || cols == 1)) return new Layout(true, Math.max(cs, Math.max(rows, 1)));
            return null;
        }
    }
}
