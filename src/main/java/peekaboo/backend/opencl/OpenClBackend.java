package peekaboo.backend.opencl;

import static org.jocl.CL.*;

import java.util.concurrent.atomic.AtomicLong;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_mem;
import peekaboo.backend.Backend;
import peekaboo.backend.Backends;
import peekaboo.backend.BinaryOp;
import peekaboo.backend.ConvShape;
import peekaboo.backend.PoolShape;
import peekaboo.backend.ReduceOp;
import peekaboo.backend.Storage;
import peekaboo.backend.UnaryOp;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * The OpenCL backend (JOCL): tensors live in device buffers, kernels come from kernels/*.cl, host
 * transfers happen only in upload and the read methods. Float64 needs cl_khr_fp64. On CPUs (PoCL)
 * this backend is correct but slower than the CPU backend; it is meant for GPUs.
 */
public final class OpenClBackend implements Backend {
    private static final long GC_BYTES = Long.getLong("peekaboo.opencl.gcBytes", 1L << 30);

    private final String name;
    private final OpenClPlatforms.DeviceInfo info;
    private volatile OpenClDevice device;
    private final AtomicLong live = new AtomicLong();
    private final OpenClKernels kernels = new OpenClKernels(this);
    private final OpenClPab pab = new OpenClPab(this);

    OpenClBackend(String name, OpenClPlatforms.DeviceInfo info) {
        this.name = name;
        this.info = info;
    }

    @Override
    public String name() { return name; }

    /** The device this backend runs on. */
    public OpenClPlatforms.DeviceInfo info() { return info; }

    /** The device, opened on first use (context, queue). */
    OpenClDevice dev() {
        OpenClDevice d = device;
        if (d == null) {
            synchronized (this) {
                if (device == null) device = new OpenClDevice(info);
                d = device;
            }
        }
        return d;
    }

    static OpenClStorage st(Tensor t) {
        if (!(t.storage() instanceof OpenClStorage s)) {
            throw new IllegalArgumentException("a tensor on backend '" + t.backend().name() + "' was passed to an OpenCL kernel; move it with tensor.to(backend) first");
        }
        return s;
    }

    static String type(DType d) {
        return switch (d) {
            case F32 -> "float";
            case F64 -> "double";
            default -> throw new UnsupportedOperationException("this kernel is not defined for " + d + " tensors; convert to float32 or float64 first");
        };
    }

    // ------------------------------------------------------------------ memory

    @Override
    public Storage allocate(DType dtype, int size) {
        OpenClStorage s = new OpenClStorage(this, dtype, size, createBuffer(dtype, size), live);
        try {
            clEnqueueFillBuffer(dev().queue, s.mem, Pointer.to(new byte[] {0}), 1, 0, OpenClStorage.bytes(dtype, size), 0, null, null);
        } catch (CLException e) {
            throw dev().translate("clearing a buffer", e);
        }
        return s;
    }

    /** A raw buffer for kernel temporaries; the caller releases it. */
    cl_mem createBuffer(DType dtype, int size) {
        if (dtype == DType.F64 && !dev().fp64) throw dev().noFp64();
        long bytes = OpenClStorage.bytes(dtype, size);
        if (bytes > info.maxAllocBytes()) {
            throw new OpenClException("a tensor of " + size + " " + dtype + " elements (" + (bytes >> 20) + " MiB) is larger than the largest buffer of "
                    + info.name() + " (" + (info.maxAllocBytes() >> 20) + " MiB); the device is out of memory for it: use a smaller batch or --device cpu");
        }
        if (live.get() + bytes > GC_BYTES) collectGarbage();
        try {
            return clCreateBuffer(dev().context, CL_MEM_READ_WRITE, bytes, null, null);
        } catch (CLException e) {
            collectGarbage();
            try {
                return clCreateBuffer(dev().context, CL_MEM_READ_WRITE, bytes, null, null);
            } catch (CLException again) {
                throw dev().translate("allocating " + (bytes >> 20) + " MiB", again);
            }
        }
    }

    /** Device buffers are freed by the garbage collector's cleaner: ask for a collection under memory pressure. */
    private void collectGarbage() {
        long before = live.get();
        System.gc();
        for (int i = 0; i < 20 && live.get() >= before; i++) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public Storage upload(DType dtype, Object hostArray) {
        Pointer p;
        int size;
        if (hostArray instanceof float[] a && dtype == DType.F32) { p = Pointer.to(a); size = a.length; }
        else if (hostArray instanceof double[] a && dtype == DType.F64) { p = Pointer.to(a); size = a.length; }
        else if (hostArray instanceof long[] a && dtype == DType.I64) { p = Pointer.to(a); size = a.length; }
        else if (hostArray instanceof byte[] a && (dtype == DType.U8 || dtype == DType.BOOL)) { p = Pointer.to(a); size = a.length; }
        else throw new IllegalArgumentException("cannot upload a " + hostArray.getClass().getSimpleName() + " as " + dtype);
        OpenClStorage s = new OpenClStorage(this, dtype, size, createBuffer(dtype, size), live);
        if (size > 0) {
            try {
                clEnqueueWriteBuffer(dev().queue, s.mem, CL_TRUE, 0, (long) size * dtype.byteSize(), p, 0, null, null);
            } catch (CLException e) {
                throw dev().translate("uploading " + size + " elements", e);
            }
        }
        return s;
    }

    private void read(Tensor t, Pointer dst) {
        if (t.numel() == 0) return;
        long es = t.dtype().byteSize();
        try {
            clEnqueueReadBuffer(dev().queue, st(t).mem, CL_TRUE, t.offset() * es, t.numel() * es, dst, 0, null, null);
        } catch (CLException e) {
            throw dev().translate("reading a tensor back to the host", e);
        }
    }

    /** t itself when contiguous with this dtype, else a contiguous converted copy on this backend. */
    Tensor contiguous(Tensor t, DType dtype) {
        if (t.dtype() == dtype && t.isContiguous()) return t;
        Tensor c = Tensor.zeros(this, dtype, t.shape());
        copy(t, c);
        return c;
    }

    @Override
    public double[] readDoubles(Tensor t) {
        if (!dev().fp64 && t.dtype() != DType.I64) {
            float[] f = readFloats(t);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            return d;
        }
        double[] out = new double[t.numel()];
        read(contiguous(t, DType.F64), Pointer.to(out));
        return out;
    }

    @Override
    public float[] readFloats(Tensor t) {
        float[] out = new float[t.numel()];
        read(contiguous(t, DType.F32), Pointer.to(out));
        return out;
    }

    @Override
    public long[] readLongs(Tensor t) {
        long[] out = new long[t.numel()];
        read(contiguous(t, DType.I64), Pointer.to(out));
        return out;
    }

    // ------------------------------------------------------------------ elementwise

    private void elementwise(String kernel, Tensor out, Object... args) {
        dev().run("elementwise", null, kernel, new long[] {out.numel()}, null, args);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        elementwise("copy_k", dst, Layouts.elementwise(dst, src), st(src), src.dtype().ordinal(), st(dst), dst.dtype().ordinal());
    }

    @Override
    public void fill(Tensor dst, double value) {
        int[] l = Layouts.of(dst.shape(), new int[] {dst.offset()}, dst.strides());
        elementwise("fill_k", dst, l, st(dst), dst.dtype().ordinal(), value);
    }

    @Override
    public void unary(UnaryOp op, Tensor x, double p0, double p1, Tensor out) {
        if (out.dtype() == DType.F32) {
            // PyTorch casts scalar arguments to the tensor's dtype before computing (as the CPU backend)
            p0 = (float) p0;
            p1 = (float) p1;
        }
        elementwise("unary_k", out, Layouts.elementwise(out, x), op.ordinal(), p0, p1, st(x), x.dtype().ordinal(), st(out), out.dtype().ordinal());
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        elementwise("binary_k", out, Layouts.elementwise(out, a, b), op.ordinal(), st(a), a.dtype().ordinal(), st(b), b.dtype().ordinal(),
                st(out), out.dtype().ordinal());
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        elementwise("where_k", out, Layouts.elementwise(out, cond, a, b), st(cond), cond.dtype().ordinal(), st(a), a.dtype().ordinal(),
                st(b), b.dtype().ordinal(), st(out), out.dtype().ordinal());
    }

    // ------------------------------------------------------------------ reductions

    @Override
    public void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out, Tensor indices) {
        int rank = x.dim();
        int[] shape = x.shape(), strides = x.strides();
        boolean[] reduced = new boolean[rank];
        for (int d : dims) reduced[d] = true;
        int[] ks = new int[rank], kst = new int[rank], rs = new int[rank], rst = new int[rank];
        int kn = 0, rn = 0;
        for (int d = 0; d < rank; d++) {
            if (reduced[d]) { rs[rn] = shape[d]; rst[rn++] = strides[d]; }
            else { ks[kn] = shape[d]; kst[kn++] = strides[d]; }
        }
        int[] keptShape = java.util.Arrays.copyOf(ks, kn), redShape = java.util.Arrays.copyOf(rs, rn);
        int seg = Shape.numel(redShape), nOut = Shape.numel(keptShape);
        if (op != ReduceOp.SUM && seg == 0 && nOut > 0) throw new IllegalArgumentException("max/min of an empty dimension has no value");
        int[] k = Layouts.of(keptShape, new int[] {x.offset()}, java.util.Arrays.copyOf(kst, kn));
        Layouts.withOffset(k, 1, out.offset());
        Layouts.withOffset(k, 2, indices == null ? 0 : indices.offset());
        int[] r = Layouts.of(redShape, new int[] {0}, java.util.Arrays.copyOf(rst, rn));
        Object idx = indices == null ? st(out) : st(indices);  // any buffer when there are no indices
        int hasIdx = indices == null ? 0 : 1;
        if (seg >= 512 && nOut <= 4096) {
            int lsz = 64, acc = dev().fp64 ? 8 : 4;
            dev().run("reduce", null, "reduce_group", new long[] {(long) nOut * lsz}, new long[] {lsz}, k, r, op.ordinal(), st(x),
                    x.dtype().ordinal(), st(out), out.dtype().ordinal(), idx, hasIdx, new OpenClDevice.Local((long) lsz * acc),
                    new OpenClDevice.Local(lsz * 4L));
        } else {
            dev().run("reduce", null, "reduce_item", new long[] {nOut}, null, k, r, op.ordinal(), st(x), x.dtype().ordinal(), st(out),
                    out.dtype().ordinal(), idx, hasIdx);
        }
    }

    // ------------------------------------------------------------------ GEMM

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) {
        if (a.dtype() != b.dtype() || (a.dtype() != DType.F32 && a.dtype() != DType.F64)) {
            throw new UnsupportedOperationException("matmul needs two float32 or two float64 tensors, got " + a.dtype() + " and " + b.dtype());
        }
        int batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        if (k == 0) {
            fill(out, 0);
            return;
        }
        gemm(a.dtype(), batch, m, n, k, st(a), a.offset(), a.stride(0), a.stride(1), a.stride(2),
                st(b), b.offset(), b.stride(0), b.stride(1), b.stride(2), st(out), out.offset(), (long) m * n, n, 1, false);
    }

    /** C[b] (+)= A[b] B[b] with arbitrary element strides (see kernels/gemm.cl). */
    void gemm(DType dtype, int batch, int m, int n, int k, Object a, long aoff, long sab, int sam, int sak,
              Object b, long boff, long sbb, int sbk, int sbn, Object c, long coff, long scb, int scm, int scn, boolean accumulate) {
        long rowsPerGroup = 16 * 4;
        long[] global = {n, (m + rowsPerGroup - 1) / rowsPerGroup * 16, batch};
        dev().run("gemm", type(dtype), "gemm", global, new long[] {16, 16, 1}, m, n, k, a, aoff, sab, sam, sak, b, boff, sbb, sbk, sbn,
                c, coff, scb, scm, scn, accumulate ? 1 : 0);
    }

    // ------------------------------------------------------------------ the rest: OpenClKernels

    @Override
    public void conv2d(Tensor x, Tensor w, Tensor bias, ConvShape g, Tensor out) { kernels.conv2d(x, w, bias, g, out); }

    @Override
    public void conv2dInputGrad(Tensor dy, Tensor w, ConvShape g, Tensor dx) { kernels.conv2dInputGrad(dy, w, g, dx); }

    @Override
    public void conv2dWeightGrad(Tensor x, Tensor dy, ConvShape g, Tensor dw) { kernels.conv2dWeightGrad(x, dy, g, dw); }

    @Override
    public void maxPool2d(Tensor x, PoolShape p, Tensor out, Tensor indices) { kernels.maxPool2d(x, p, out, indices); }

    @Override
    public void avgPool2d(Tensor x, PoolShape p, Tensor out) { kernels.avgPool2d(x, p, out); }

    @Override
    public void avgPool2dBackward(Tensor dy, PoolShape p, Tensor dx) { kernels.avgPool2dBackward(dy, p, dx); }

    @Override
    public void gather(Tensor x, int dim, Tensor index, Tensor out) { kernels.gather(x, dim, index, out); }

    @Override
    public void scatterAdd(Tensor src, int dim, Tensor index, Tensor out) { kernels.scatterAdd(src, dim, index, out); }

    @Override
    public void channelAffine(Tensor x, Tensor scale, Tensor shift, Tensor out) { kernels.channelAffine(x, scale, shift, out); }

    @Override
    public void batchNormStats(Tensor x, Tensor mean, Tensor var) { kernels.batchNormStats(x, mean, var); }

    @Override
    public void batchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor invstd, Tensor weight, Tensor gx, Tensor gw, Tensor gb) {
        kernels.batchNormBackward(x, gy, mean, invstd, weight, gx, gw, gb);
    }

    /** Reads the values back and selects on the host (a selection is one pass; not worth a device kernel). */
    @Override
    public double kthSmallest(Tensor x, long k) {
        double[] v = readDoubles(x);
        return Backends.cpu().kthSmallest(new Tensor(Backends.cpu().upload(DType.F64, v), new int[] {v.length}, new int[] {1}, 0), k);
    }

    @Override
    public void sort(Tensor x, boolean descending, Tensor out, Tensor indices) { kernels.sort(x, descending, out, indices); }

    // ------------------------------------------------------------------ PaB: OpenClPab

    @Override
    public void quantize(Tensor x, int bits, double max, boolean signed, Tensor out) { pab.quantize(x, bits, max, signed, out); }

    @Override
    public void psgCombine(Tensor msb, Tensor exact, double t, boolean sparsify, boolean takeSign, Tensor out) {
        pab.psgCombine(msb, exact, t, sparsify, takeSign, out);
    }

    @Override
    public long bopStep(Tensor p, Tensor g, Tensor m, Tensor flipCounts, double ar, double tau, boolean firstStep) {
        return pab.bopStep(p, g, m, flipCounts, ar, tau, firstStep);
    }

    /** Writes a contiguous host (CPU-backend) tensor into the fresh contiguous tensor dst of the same dtype. */
    void copyFromHost(Tensor host, Tensor dst) {
        Storage s = upload(dst.dtype(), switch (dst.dtype()) {
            case F32 -> host.toFloatArray();
            case F64 -> host.toDoubleArray();
            case I64 -> host.toLongArray();
            default -> throw new UnsupportedOperationException("copyFromHost " + dst.dtype());
        });
        copy(new Tensor(s, dst.shape(), Shape.contiguousStrides(dst.shape()), 0), dst);
    }

    /** Blocks until every queued kernel has finished (for benchmarks). */
    public void finish() { clFinish(dev().queue); }

}
