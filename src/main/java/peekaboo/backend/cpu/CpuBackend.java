package peekaboo.backend.cpu;

import peekaboo.backend.Backend;
import peekaboo.backend.BinaryOp;
import peekaboo.backend.ConvShape;
import peekaboo.backend.PoolShape;
import peekaboo.backend.Quantization;
import peekaboo.backend.ReduceOp;
import peekaboo.backend.Storage;
import peekaboo.backend.UnaryOp;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * The CPU backend: host arrays, multi-threaded kernels, the Vector API for GEMM and convolution.
 * It is both the reference every other backend is tested against and the fast path on CPUs.
 */
public final class CpuBackend implements Backend {
    /** Work below this many elements runs on the calling thread. */
    static final int PARALLEL_GRAIN = 1 << 15;

    public CpuBackend() {
        JitOptions.warnIfTrapLimitLow();
    }

    @Override
    public String name() { return "cpu"; }

    @Override
    public int rank() { return 1; }

    static CpuStorage st(Tensor t) { return (CpuStorage) t.storage(); }

    private final FloatPool pool = new FloatPool();

    @Override
    public Storage allocate(DType dtype, int size) {
        float[] pooled = dtype == DType.F32 ? pool.take(size) : null;
        Object array = pooled != null ? pooled : switch (dtype) {
            case F32 -> new float[size];
            case F64 -> new double[size];
            case I64 -> new long[size];
            case U8, BOOL -> new byte[size];
        };
        return new CpuStorage(this, dtype, array, size);
    }

    /**
     * A recycled array as it is. With {@code -Dpeekaboo.pool.poison=true} (tests) every such
     * float32 storage, fresh or recycled, starts as NaN, so a kernel that leaves an element
     * unwritten shows.
     */
    @Override
    public Storage allocateUninitialized(DType dtype, int size) {
        if (dtype != DType.F32) {
            return allocate(dtype, size);
        }
        float[] a = pool.takeDirty(size);
        if (a == null) {
            a = new float[size];
        }
        if (FloatPool.POISON) {
            java.util.Arrays.fill(a, Float.NaN);
        }
        return new CpuStorage(this, dtype, a, size);
    }

    @Override
    public void releaseCachedMemory() { pool.clear(); }

    @Override
    public void recycle(Storage storage) {
        if (storage instanceof CpuStorage s && s.f32 != null && s.backend() == this) {
            pool.give(s.f32);
        }
    }

    @Override
    public Storage upload(DType dtype, Object hostArray) {
        Object copy;
        int size;
        if (hostArray instanceof float[] a && dtype == DType.F32) { copy = a.clone(); size = a.length; }
        else if (hostArray instanceof double[] a && dtype == DType.F64) { copy = a.clone(); size = a.length; }
        else if (hostArray instanceof long[] a && dtype == DType.I64) { copy = a.clone(); size = a.length; }
        else if (hostArray instanceof byte[] a && (dtype == DType.U8 || dtype == DType.BOOL)) { copy = a.clone(); size = a.length; }
        else throw new IllegalArgumentException("cannot upload a " + hostArray.getClass().getSimpleName() + " as " + dtype);
        return new CpuStorage(this, dtype, copy, size);
    }

    @Override
    public double[] readDoubles(Tensor t) {
        if (t.dtype() == DType.F64 && t.isContiguous()) {
            double[] a = st(t).f64;
            return java.util.Arrays.copyOfRange(a, t.offset(), t.offset() + t.numel());
        }
        Tensor out = Tensor.zeros(this, DType.F64, t.shape());
        copy(t, out);
        return st(out).f64;
    }

    @Override
    public float[] readFloats(Tensor t) {
        if (t.dtype() == DType.F32 && t.isContiguous()) {
            float[] a = st(t).f32;
            return java.util.Arrays.copyOfRange(a, t.offset(), t.offset() + t.numel());
        }
        Tensor out = Tensor.zeros(this, DType.F32, t.shape());
        copy(t, out);
        return st(out).f32;
    }

    @Override
    public long[] readLongs(Tensor t) {
        Tensor out = Tensor.zeros(this, DType.I64, t.shape());
        copy(t, out);
        return st(out).i64;
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        int[] srcStrides = peekaboo.tensor.Shape.broadcastStrides(src.shape(), src.strides(), dst.shape());
        CpuStorage a = st(src), o = st(dst);
        Rows rows = Rows.plan(dst.shape(), srcStrides, dst.strides());
        int len = rows.rowLength();
        int as = rows.rowStride(0), os = rows.rowStride(1);
        boolean same = a.dtype() == o.dtype();
        forRows(rows, (r0, r1) -> {
            double[] buf = same ? null : new double[len];
            for (int r = r0; r < r1; r++) {
                int ao = src.offset() + rows.rowStart(0, r), oo = dst.offset() + rows.rowStart(1, r);
                if (same) copySame(a, ao, as, o, oo, os, len);
                else {
                    a.load(ao, as, len, buf);
                    o.store(buf, len, oo, os);
                }
            }
        });
    }

    private static void copySame(CpuStorage a, int ao, int as, CpuStorage o, int oo, int os, int len) {
        Object src = a.f32 != null ? a.f32 : a.f64 != null ? a.f64 : a.i64 != null ? a.i64 : a.u8;
        Object dst = o.f32 != null ? o.f32 : o.f64 != null ? o.f64 : o.i64 != null ? o.i64 : o.u8;
        if (as == 1 && os == 1) {
            System.arraycopy(src, ao, dst, oo, len);
            return;
        }
        switch (a.dtype()) {
            case F32: for (int i = 0; i < len; i++) o.f32[oo + i * os] = a.f32[ao + i * as]; break;
            case F64: for (int i = 0; i < len; i++) o.f64[oo + i * os] = a.f64[ao + i * as]; break;
            case I64: for (int i = 0; i < len; i++) o.i64[oo + i * os] = a.i64[ao + i * as]; break;
            default: for (int i = 0; i < len; i++) o.u8[oo + i * os] = a.u8[ao + i * as];
        }
    }

    @Override
    public void fill(Tensor dst, double value) {
        CpuStorage o = st(dst);
        Rows rows = Rows.plan(dst.shape(), dst.strides());
        int len = rows.rowLength(), os = rows.rowStride(0);
        forRows(rows, (r0, r1) -> {
            double[] buf = new double[len];
            java.util.Arrays.fill(buf, value);
            for (int r = r0; r < r1; r++) o.store(buf, len, dst.offset() + rows.rowStart(0, r), os);
        });
    }

    @Override
    public void unary(UnaryOp op, Tensor x, double p0, double p1, Tensor out) {
        if (out.dtype() == DType.F32) {
            // PyTorch casts scalar arguments to the tensor's dtype before computing
            p0 = (float) p0;
            p1 = (float) p1;
        }
        final double q0 = p0, q1 = p1;
        CpuStorage a = st(x), o = st(out);
        Rows rows = Rows.plan(out.shape(), x.strides(), out.strides());
        int as = rows.rowStride(0);
        boolean f32 = a.dtype() == DType.F32 && o.dtype() == DType.F32 && as == 1;
        forChunks(rows, (r, c0, c1) -> {
            int ao = x.offset() + rows.rowStart(0, r) + c0 * as, oo = out.offset() + rows.rowStart(1, r) + c0;
            int len = c1 - c0;
            if (f32 && ElementwiseKernels.unaryF32(op, a.f32, ao, o.f32, oo, len, q0)) return;
            double[] buf = scratch(len);
            a.load(ao, as, len, buf);
            ElementwiseKernels.unary(op, buf, buf, len, q0, q1);
            o.store(buf, len, oo, 1);
        });
    }

    @Override
    public void binary(BinaryOp op, Tensor x, Tensor y, Tensor out) {
        CpuStorage a = st(x), b = st(y), o = st(out);
        Rows rows = Rows.plan(out.shape(), x.strides(), y.strides(), out.strides());
        int as = rows.rowStride(0), bs = rows.rowStride(1);
        boolean f32 = a.dtype() == DType.F32 && b.dtype() == DType.F32 && o.dtype() == DType.F32 && as <= 1 && bs <= 1;
        forChunks(rows, (r, c0, c1) -> {
            int ao = x.offset() + rows.rowStart(0, r) + c0 * as, bo = y.offset() + rows.rowStart(1, r) + c0 * bs;
            int oo = out.offset() + rows.rowStart(2, r) + c0;
            int len = c1 - c0;
            if (f32 && ElementwiseKernels.binaryF32(op, a.f32, ao, as, b.f32, bo, bs, o.f32, oo, len)) return;
            double[] ba = scratch(2 * len);
            a.load(ao, as, len, ba);
            double[] bb = new double[len];
            b.load(bo, bs, len, bb);
            ElementwiseKernels.binary(op, ba, bb, ba, len);
            o.store(ba, len, oo, 1);
        });
    }

    @Override
    public void where(Tensor cond, Tensor x, Tensor y, Tensor out) {
        CpuStorage c = st(cond), a = st(x), b = st(y), o = st(out);
        Rows rows = Rows.plan(out.shape(), cond.strides(), x.strides(), y.strides(), out.strides());
        int len = rows.rowLength();
        forRows(rows, (r0, r1) -> {
            double[] bc = new double[len], ba = new double[len], bb = new double[len];
            for (int r = r0; r < r1; r++) {
                c.load(cond.offset() + rows.rowStart(0, r), rows.rowStride(0), len, bc);
                a.load(x.offset() + rows.rowStart(1, r), rows.rowStride(1), len, ba);
                b.load(y.offset() + rows.rowStart(2, r), rows.rowStride(2), len, bb);
                for (int i = 0; i < len; i++) ba[i] = bc[i] != 0 ? ba[i] : bb[i];
                o.store(ba, len, out.offset() + rows.rowStart(3, r), 1);
            }
        });
    }

    @Override
    public void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out, Tensor indices) {
        ReduceKernels.reduce(this, op, x, dims, out, indices);
    }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) { MatmulKernels.matmul(a, b, out); }

    @Override
    public void conv2d(Tensor x, Tensor w, Tensor bias, ConvShape g, Tensor out) {
        if (x.dtype() == DType.F32) {
            Conv2dF32.forward(g, st(x).f32, x.offset(), st(w).f32, w.offset(), bias == null ? null : st(bias).f32,
                    bias == null ? 0 : bias.offset(), st(out).f32, out.offset());
        } else if (x.dtype() == DType.F64) {
            Conv2dF64.forward(g, st(x).f64, x.offset(), st(w).f64, w.offset(), bias == null ? null : st(bias).f64,
                    bias == null ? 0 : bias.offset(), st(out).f64, out.offset());
        } else {
            throw unsupported("conv2d", x.dtype());
        }
    }

    @Override
    public void conv2dInputGrad(Tensor dy, Tensor w, ConvShape g, Tensor dx) {
        if (dy.dtype() == DType.F32) Conv2dF32.inputGrad(g, st(dy).f32, dy.offset(), st(w).f32, w.offset(), st(dx).f32, dx.offset());
        else if (dy.dtype() == DType.F64) Conv2dF64.inputGrad(g, st(dy).f64, dy.offset(), st(w).f64, w.offset(), st(dx).f64, dx.offset());
        else throw unsupported("conv2d input gradient", dy.dtype());
    }

    @Override
    public void conv2dWeightGrad(Tensor x, Tensor dy, ConvShape g, Tensor dw) {
        if (x.dtype() == DType.F32) Conv2dF32.weightGrad(g, st(x).f32, x.offset(), st(dy).f32, dy.offset(), st(dw).f32, dw.offset());
        else if (x.dtype() == DType.F64) Conv2dF64.weightGrad(g, st(x).f64, x.offset(), st(dy).f64, dy.offset(), st(dw).f64, dw.offset());
        else throw unsupported("conv2d weight gradient", x.dtype());
    }

    @Override
    public void conv2dWeightGradQuantized(Tensor x, Quantization qx, Tensor dy, Quantization qdy, ConvShape g, Tensor dw) {
        if (x.dtype() != DType.F32 || dy.dtype() != DType.F32) {
            Backend.super.conv2dWeightGradQuantized(x, qx, dy, qdy, g, dw);
            return;
        }
        Conv2dF32.weightGrad(g, st(x).f32, x.offset(), PabKernels.Quantizing.of(qx), st(dy).f32, dy.offset(),
                PabKernels.Quantizing.of(qdy), st(dw).f32, dw.offset());
    }

    @Override
    public void maxPool2d(Tensor x, PoolShape p, Tensor out, Tensor indices) { PoolKernels.maxPool(st(x), x.offset(), p, st(out), st(indices)); }

    @Override
    public void avgPool2d(Tensor x, PoolShape p, Tensor out) { PoolKernels.avgPool(st(x), x.offset(), p, st(out)); }

    @Override
    public void avgPool2dBackward(Tensor dy, PoolShape p, Tensor dx) { PoolKernels.avgPoolBackward(st(dy), dy.offset(), p, st(dx)); }

    @Override
    public void gather(Tensor x, int dim, Tensor index, Tensor out) { IndexKernels.gather(x, dim, index, out); }

    @Override
    public void scatterAdd(Tensor src, int dim, Tensor index, Tensor out) { IndexKernels.scatterAdd(src, dim, index, out); }

    @Override
    public void channelAffine(Tensor x, Tensor scale, Tensor shift, Tensor out) {
        IndexKernels.channelAffine(x, scale, shift, out, false);
    }

    @Override
    public void addRelu(Tensor a, Tensor b, Tensor out) {
        if (!VectorLoops.fastF32(a, b, out)) {
            Backend.super.addRelu(a, b, out);
            return;
        }
        float[] af = st(a).f32, bf = st(b).f32, of = st(out).f32;
        int n = out.dim() == 0 ? 1 : out.size(0), per = n == 0 ? 0 : out.numel() / n;
        if (out.dim() < 2 || n < 2 * Parallel.threads() || out.numel() < PARALLEL_GRAIN) {
            VectorLoops.chunked(out.numel(), (i0, i1) -> VectorLoops.addReluF32(af, a.offset(), bf, b.offset(), of,
                    out.offset(), i0, i1));
            return;
        }
        // whole samples a task, each sample's max |out| found on the way (PSG's input scale reads it, see
        // VectorLoops.rememberSampleMaxAbs); as many tasks as the flat chunks had
        int[] sampleMax = new int[n];
        int tasks = Math.max(1, Math.min(Math.min(Parallel.threads() * 4, out.numel() / 16384), n));
        Parallel.forEachTask(tasks, t -> {
            for (int s = (int) ((long) n * t / tasks), end = (int) ((long) n * (t + 1) / tasks); s < end; s++) {
                sampleMax[s] = VectorLoops.addReluF32(af, a.offset() + s * per, bf, b.offset() + s * per, of,
                        out.offset() + s * per, 0, per);
            }
        });
        VectorLoops.rememberSampleMaxAbs(out, sampleMax);
    }

    @Override
    public void reluBackward(Tensor g, Tensor z, Tensor out) {
        if (!VectorLoops.fastF32(g, z, out)) {
            Backend.super.reluBackward(g, z, out);
            return;
        }
        VectorLoops.chunked(out.numel(), (i0, i1) -> VectorLoops.reluBackwardF32(st(g).f32, g.offset(), st(z).f32, z.offset(),
                st(out).f32, out.offset(), i0, i1));
    }

    @Override
    public void channelAffineRelu(Tensor x, Tensor scale, Tensor shift, Tensor out) {
        IndexKernels.channelAffine(x, scale, shift, out, true);
    }

    @Override
    public void batchNormStats(Tensor x, Tensor mean, Tensor var) { BatchNormKernels.stats(x, mean, var); }

    @Override
    public void batchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor invstd, Tensor weight, Tensor gx, Tensor gw, Tensor gb) {
        BatchNormKernels.backward(x, gy, mean, invstd, weight, gx, gw, gb);
    }

    @Override
    public void batchNormReluBackward(Tensor x, Tensor y, Tensor alpha, Tensor beta, Tensor gy, Tensor mean, Tensor invstd,
                                      Tensor weight, Tensor gx, Tensor gw, Tensor gb) {
        if (x.dtype() != DType.F32) {
            Backend.super.batchNormReluBackward(x, y, alpha, beta, gy, mean, invstd, weight, gx, gw, gb);
            return;
        }
        // the ReLU's mask recomputed from x, which the kernel reads anyway, instead of read from y
        BatchNormKernels.backward(x, readDoubles(alpha), readDoubles(beta), gy, mean, invstd, weight, gx, gw, gb);
    }

    @Override
    public double kthSmallest(Tensor x, long k) { return Select.kthSmallest(readDoubles(x), k); }

    @Override
    public void sort(Tensor x, boolean descending, Tensor out, Tensor indices) { Select.sortRows(this, x, descending, out, indices); }

    @Override
    public void quantize(Tensor x, int bits, double max, boolean signed, Tensor out) { PabKernels.quantize(x, bits, max, signed, out); }

    @Override
    public void psgCombine(Tensor msb, Tensor exact, double t, boolean sparsify, boolean takeSign, Tensor out) {
        PabKernels.psgCombine(msb, exact, t, sparsify, takeSign, out);
    }

    @Override
    public long bopStep(Tensor p, Tensor g, Tensor m, Tensor flipCounts, double ar, double tau, boolean firstStep) {
        return PabKernels.bopStep(p, g, m, flipCounts, ar, tau, firstStep);
    }

    static UnsupportedOperationException unsupported(String op, DType dtype) {
        return new UnsupportedOperationException(op + " is not defined for " + dtype + " tensors; convert to float32 or float64 first");
    }

    /** A row segment [c0, c1) of row r. */
    @FunctionalInterface
    interface ChunkBody { void run(int row, int c0, int c1); }

    /** Elements per parallel chunk of an elementwise kernel. */
    static final int CHUNK = 1 << 14;

    /**
     * Runs every row of the plan in chunks of at most CHUNK elements, on the thread pool when the
     * work is large enough; a contiguous tensor (one long row) is split across threads too.
     */
    static void forChunks(Rows rows, ChunkBody body) {
        int n = rows.rows(), len = rows.rowLength();
        if (n == 0 || len == 0) return;
        int perRow = (len + CHUNK - 1) / CHUNK;
        long total = (long) n * perRow;
        if ((long) n * len < PARALLEL_GRAIN || total < 2 || total > Integer.MAX_VALUE) {
            for (int r = 0; r < n; r++) body.run(r, 0, len);
            return;
        }
        // chunks handed out one at a time: a thread that starts late takes fewer
        Parallel.forEachTask((int) total, t -> {
            int r = t / perRow, c = t % perRow;
            body.run(r, c * CHUNK, Math.min(len, (c + 1) * CHUNK));
        });
    }

    private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[CHUNK]);

    /** A per-thread double buffer of at least n elements (reused: no garbage per call). */
    static double[] scratch(int n) {
        double[] b = SCRATCH.get();
        if (b.length < n) {
            b = new double[n];
            SCRATCH.set(b);
        }
        return b;
    }

    /** Runs row ranges on the thread pool when the work is large enough. */
    static void forRows(Rows rows, Parallel.RangeBody body) {
        int n = rows.rows();
        if (n == 0) return;
        long work = (long) n * rows.rowLength();
        if (work < PARALLEL_GRAIN || n < 2) body.run(0, n);
        else Parallel.forRange(n, body);
    }
}
