package peekaboo.backend.opencl;

import static org.jocl.CL.*;

import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_mem;
import peekaboo.backend.Backends;
import peekaboo.backend.ConvShape;
import peekaboo.backend.PoolShape;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** Convolution (im2col + tiled GEMM), pooling, batch norm, gather/scatter, channel affine and sort on OpenCL. */
final class OpenClKernels {
    /** Largest column matrix (elements) materialised at once; images are processed in chunks below it. */
    private static final long COL_LIMIT = 1L << 24;
    /** Rows longer than this are sorted on the host (the device kernel is O(len^2) per row). */
    private static final int SORT_ON_DEVICE = 4096;
    private static final int BN_LOCAL = 128;

    private final OpenClBackend be;

    OpenClKernels(OpenClBackend backend) { this.be = backend; }

    private static OpenClStorage st(Tensor t) { return OpenClBackend.st(t); }

    private static int[] geom(ConvShape g) {
        return new int[] {g.c(), g.h(), g.w(), g.r(), g.s(), g.strideH(), g.strideW(), g.padH(), g.padW(), g.dilH(), g.dilW(),
                g.outH(), g.outW(), g.cg()};
    }

    /** Images per chunk so that the column matrix stays under COL_LIMIT. */
    private static int chunk(ConvShape g) {
        long perImage = (long) g.cg() * g.r() * g.s() * g.outH() * g.outW();
        return (int) Math.max(1, Math.min(g.n(), COL_LIMIT / Math.max(1, perImage)));
    }

    private void release(cl_mem m) { OpenClDevice.release(m); }

    void conv2d(Tensor x, Tensor w, Tensor bias, ConvShape g, Tensor out) {
        String t = OpenClBackend.type(x.dtype());
        int p = g.outH() * g.outW(), crs = g.cg() * g.r() * g.s(), kg = g.kg(), nb = chunk(g);
        cl_mem col = be.createBuffer(x.dtype(), nb * crs * p);
        try {
            for (int b0 = 0; b0 < g.n(); b0 += nb) {
                int cnt = Math.min(nb, g.n() - b0);
                for (int gi = 0; gi < g.groups(); gi++) {
                    be.dev().run("conv", t, "im2col", new long[] {(long) cnt * crs * p}, null, geom(g), st(x),
                            x.offset() + (long) b0 * g.c() * g.h() * g.w(), gi * g.cg(), cnt, col, (long) crs * p, (long) p);
                    be.gemm(x.dtype(), cnt, kg, p, crs, st(w), w.offset() + (long) gi * kg * crs, 0L, crs, 1,
                            col, 0L, (long) crs * p, p, 1, st(out), out.offset() + ((long) b0 * g.k() + gi * kg) * p, (long) g.k() * p, p, 1, false);
                }
            }
        } finally {
            release(col);
        }
        if (bias != null) {
            Tensor b = be.contiguous(bias, x.dtype());
            be.dev().run("conv", t, "add_bias", new long[] {out.numel()}, null, st(out), (long) out.offset(), st(b), (long) b.offset(),
                    g.k(), p, (long) out.numel());
        }
    }

    void conv2dInputGrad(Tensor dy, Tensor w, ConvShape g, Tensor dx) {
        String t = OpenClBackend.type(dy.dtype());
        int p = g.outH() * g.outW(), crs = g.cg() * g.r() * g.s(), kg = g.kg(), nb = chunk(g);
        cl_mem col = be.createBuffer(dy.dtype(), nb * crs * p);
        try {
            for (int b0 = 0; b0 < g.n(); b0 += nb) {
                int cnt = Math.min(nb, g.n() - b0);
                for (int gi = 0; gi < g.groups(); gi++) {
                    // col[b] = W_g^T dy[b]
                    be.gemm(dy.dtype(), cnt, crs, p, kg, st(w), w.offset() + (long) gi * kg * crs, 0L, 1, crs,
                            st(dy), dy.offset() + ((long) b0 * g.k() + gi * kg) * p, (long) g.k() * p, p, 1, col, 0L, (long) crs * p, p, 1, false);
                    be.dev().run("conv", t, "col2im", new long[] {(long) cnt * g.cg() * g.h() * g.w()}, null, geom(g), col, (long) crs * p,
                            (long) p, cnt, st(dx), dx.offset() + (long) b0 * g.c() * g.h() * g.w(), gi * g.cg());
                }
            }
        } finally {
            release(col);
        }
    }

    void conv2dWeightGrad(Tensor x, Tensor dy, ConvShape g, Tensor dw) {
        String t = OpenClBackend.type(x.dtype());
        int p = g.outH() * g.outW(), crs = g.cg() * g.r() * g.s(), kg = g.kg(), nb = chunk(g);
        cl_mem col = be.createBuffer(x.dtype(), nb * crs * p), dyT = be.createBuffer(x.dtype(), nb * kg * p);
        try {
            for (int b0 = 0; b0 < g.n(); b0 += nb) {
                int cnt = Math.min(nb, g.n() - b0);
                long wide = (long) cnt * p;
                for (int gi = 0; gi < g.groups(); gi++) {
                    // col as [crs, cnt*p] and dy's group as [kg, cnt*p]: one GEMM over all images of the chunk
                    be.dev().run("conv", t, "im2col", new long[] {wide * crs}, null, geom(g), st(x),
                            x.offset() + (long) b0 * g.c() * g.h() * g.w(), gi * g.cg(), cnt, col, (long) p, wide);
                    int[] l = Layouts.of(new int[] {kg, cnt, p}, new int[] {dy.offset() + (b0 * g.k() + gi * kg) * p, 0},
                            new int[] {p, g.k() * p, 1}, new int[] {cnt * p, p, 1});
                    be.dev().run("elementwise", null, "copy_k", new long[] {(long) kg * cnt * p}, null, l, st(dy), dy.dtype().ordinal(), dyT,
                            dy.dtype().ordinal());
                    be.gemm(x.dtype(), 1, kg, crs, (int) wide, dyT, 0L, 0L, (int) wide, 1, col, 0L, 0L, 1, (int) wide,
                            st(dw), dw.offset() + (long) gi * kg * crs, 0L, crs, 1, b0 > 0);
                }
            }
        } finally {
            release(col);
            release(dyT);
        }
    }

    // ------------------------------------------------------------------ pooling

    private static int[] pool(PoolShape p) {
        return new int[] {p.h(), p.w(), p.outH(), p.outW(), p.kh(), p.kw(), p.strideH(), p.strideW(), p.padH(), p.padW(),
                p.countIncludePad() ? 1 : 0};
    }

    void maxPool2d(Tensor x, PoolShape p, Tensor out, Tensor indices) {
        be.dev().run("pool", OpenClBackend.type(x.dtype()), "max_pool", new long[] {out.numel()}, null, pool(p), st(x), (long) x.offset(),
                st(out), st(indices), (long) out.numel());
    }

    void avgPool2d(Tensor x, PoolShape p, Tensor out) {
        be.dev().run("pool", OpenClBackend.type(x.dtype()), "avg_pool", new long[] {out.numel()}, null, pool(p), st(x), (long) x.offset(),
                st(out), (long) out.numel());
    }

    void avgPool2dBackward(Tensor dy, PoolShape p, Tensor dx) {
        be.dev().run("pool", OpenClBackend.type(dy.dtype()), "avg_pool_backward", new long[] {dx.numel()}, null, pool(p), st(dy),
                (long) dy.offset(), st(dx), (long) dx.numel());
    }

    // ------------------------------------------------------------------ batch norm, channel affine

    void batchNormStats(Tensor x, Tensor mean, Tensor var) {
        int n = x.size(0), c = x.size(1), inner = x.numel() / Math.max(1, n * c);
        Tensor xc = be.contiguous(x, x.dtype());
        int acc = be.dev().fp64 ? 8 : 4;
        be.dev().run("batchnorm", OpenClBackend.type(x.dtype()), "bn_stats", new long[] {(long) c * BN_LOCAL}, new long[] {BN_LOCAL},
                st(xc), (long) xc.offset(), n, c, inner, st(mean), (long) mean.offset(), st(var), (long) var.offset(),
                new OpenClDevice.Local((long) BN_LOCAL * acc));
    }

    void batchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor invstd, Tensor weight, Tensor gx, Tensor gw, Tensor gb) {
        int n = x.size(0), c = x.size(1), inner = x.numel() / Math.max(1, n * c);
        DType d = x.dtype();
        Tensor m = be.contiguous(mean, d), is = be.contiguous(invstd, d), w = weight == null ? null : be.contiguous(weight, d);
        int acc = be.dev().fp64 ? 8 : 4;
        be.dev().run("batchnorm", OpenClBackend.type(d), "bn_backward", new long[] {(long) c * BN_LOCAL}, new long[] {BN_LOCAL},
                st(x), (long) x.offset(), st(gy), (long) gy.offset(), n, c, inner, st(m), (long) m.offset(), st(is), (long) is.offset(),
                w == null ? st(m) : st(w), w == null ? 0L : (long) w.offset(), w == null ? 0 : 1, st(gx), st(gw), (long) gw.offset(),
                st(gb), (long) gb.offset(), new OpenClDevice.Local((long) BN_LOCAL * acc));
    }

    void channelAffine(Tensor x, Tensor scale, Tensor shift, Tensor out) {
        int n = x.size(0), c = x.size(1), inner = x.numel() / Math.max(1, n * c);
        Tensor a = be.contiguous(scale, x.dtype()), b = be.contiguous(shift, x.dtype());
        be.dev().run("batchnorm", OpenClBackend.type(x.dtype()), "channel_affine", new long[] {out.numel()}, null, st(x), (long) x.offset(),
                st(a), (long) a.offset(), 1, st(b), (long) b.offset(), 1, c, inner,
                st(out), (long) out.numel());
    }

    // ------------------------------------------------------------------ indexing

    private cl_mem errorBuffer() {
        cl_mem err = be.createBuffer(DType.I64, 2);
        clEnqueueFillBuffer(be.dev().queue, err, Pointer.to(new byte[] {0}), 1, 0, 16, 0, null, null);
        return err;
    }

    private void checkError(cl_mem err, int limit, int dim) {
        long[] e = new long[2];
        try {
            clEnqueueReadBuffer(be.dev().queue, err, CL_TRUE, 0, 16, Pointer.to(e), 0, null, null);
        } catch (CLException ex) {
            throw be.dev().translate("checking index bounds", ex);
        } finally {
            release(err);
        }
        if (e[0] != 0) throw new IndexOutOfBoundsException("index " + e[1] + " is out of range for dimension " + dim + " of size " + limit);
    }

    void gather(Tensor x, int dim, Tensor index, Tensor out) {
        Tensor idx = index.dtype() == DType.I64 ? index : be.contiguous(index, DType.I64);
        int[] xs = x.strides();
        long dimStride = xs[dim];
        xs[dim] = 0;
        int[] l = Layouts.of(idx.shape(), new int[] {out.offset(), idx.offset(), x.offset()}, out.strides(), idx.strides(), xs);
        cl_mem err = errorBuffer();
        be.dev().run("index", null, "gather_k", new long[] {out.numel()}, null, l, st(x), x.dtype().ordinal(), dimStride, x.size(dim),
                st(idx), st(out), out.dtype().ordinal(), err);
        checkError(err, x.size(dim), dim);
    }

    void scatterAdd(Tensor src, int dim, Tensor index, Tensor out) {
        Tensor idx = index.dtype() == DType.I64 ? index : be.contiguous(index, DType.I64);
        int[] shape = idx.shape();
        int len = shape[dim];
        shape[dim] = 1;
        Tensor s = java.util.Arrays.equals(src.shape(), idx.shape()) ? src : be.contiguous(src, src.dtype()).reshape(idx.shape());
        int[] l = Layouts.of(shape, new int[] {idx.offset(), s.offset(), out.offset()}, idx.strides(), s.strides(), out.strides());
        cl_mem err = errorBuffer();
        be.dev().run("index", null, "scatter_add_k", new long[] {Math.max(1, idx.numel() / Math.max(1, len))}, null, l, len,
                (long) idx.stride(dim), (long) s.stride(dim), (long) out.stride(dim), out.size(dim), st(idx), st(s), s.dtype().ordinal(),
                st(out), out.dtype().ordinal(), err);
        if (idx.numel() == 0) {
            release(err);
            return;
        }
        checkError(err, out.size(dim), dim);
    }

    // ------------------------------------------------------------------ sort

    void sort(Tensor x, boolean descending, Tensor out, Tensor indices) {
        int len = x.dim() == 0 ? 1 : x.size(-1);
        if (x.numel() == 0) return;
        if (len > SORT_ON_DEVICE) {
            // long rows: sort on the host with the CPU reference and upload the result
            Tensor hx = new Tensor(Backends.cpu().upload(DType.F64, be.readDoubles(x)), x.shape(), peekaboo.tensor.Shape.contiguousStrides(x.shape()), 0);
            Tensor ho = Tensor.zeros(Backends.cpu(), out.dtype(), out.shape()), hi = Tensor.zeros(Backends.cpu(), DType.I64, out.shape());
            Backends.cpu().sort(hx, descending, ho, hi);
            be.copyFromHost(ho, out);
            be.copyFromHost(hi, indices);
            return;
        }
        Tensor xc = be.contiguous(x, x.dtype());
        be.dev().run("index", null, "sort_rank", new long[] {x.numel()}, null, st(xc), xc.dtype().ordinal(), (long) xc.offset(), len,
                (long) x.numel(), descending ? 1 : 0, st(out), out.dtype().ordinal(), st(indices));
    }
}
