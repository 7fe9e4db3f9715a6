package peekaboo.backend.opencl;

import static org.jocl.CL.*;

import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_mem;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * The PaB kernels on OpenCL (kernels/pab.cl): PSG's quantiser and weight-gradient combine, the Bop step.
 * Bit-exact with the CPU reference; the only host transfer is the Bop step's per-work-group flip counts.
 */
final class OpenClPab {
    /** Work-group size of the Bop step (a power of two: tree reduction of the flip counts). */
    private static final int BOP_LOCAL = 256;
    /** At most this many work-groups; each walks the entries grid-stride. */
    private static final int BOP_GROUPS = 64;

    private final OpenClBackend be;

    OpenClPab(OpenClBackend backend) { this.be = backend; }

    private static OpenClStorage st(Tensor t) { return OpenClBackend.st(t); }

    void quantize(Tensor x, int bits, double max, boolean signed, Tensor out) {
        if (x.dtype() != DType.F32) {
            throw new UnsupportedOperationException("the PSG quantiser kernel is defined for float32 tensors, got " + x.dtype());
        }
        // the constants exactly as the CPU reference computes them, in float32
        float mx = (float) max, min = signed ? -mx : 0f;
        float delta = (mx - min) / Math.scalb(1f, bits), top = Math.scalb(1f, bits) - 1;
        be.dev().run("pab", "float", "quantize", new long[] {x.numel()}, null, st(x), (long) x.offset(), st(out), (long) out.offset(),
                min, delta, top, (long) x.numel());
    }

    void psgCombine(Tensor msb, Tensor exact, double t, boolean sparsify, boolean takeSign, Tensor out) {
        boolean useExact = exact != null && !sparsify;
        Tensor e = useExact ? exact : msb;  // any buffer when G_exact is never read
        be.dev().run("pab", OpenClBackend.type(msb.dtype()), "psg_combine", new long[] {msb.numel()}, null, st(msb), (long) msb.offset(),
                st(e), (long) e.offset(), useExact ? 1 : 0, typed(msb.dtype(), t), takeSign ? 1 : 0, st(out), (long) out.offset(),
                (long) msb.numel());
    }

    long bopStep(Tensor p, Tensor g, Tensor m, Tensor counts, double ar, double tau, boolean first) {
        long n = p.numel();
        if (n == 0) return 0;
        DType d = p.dtype();
        int groups = (int) Math.min(BOP_GROUPS, (n + BOP_LOCAL - 1) / BOP_LOCAL);
        cl_mem partial = be.createBuffer(DType.I64, groups);
        long[] flips = new long[groups];
        try {
            be.dev().run("pab", OpenClBackend.type(d), "bop_step", new long[] {(long) groups * BOP_LOCAL}, new long[] {BOP_LOCAL},
                    st(p), (long) p.offset(), st(g), (long) g.offset(), st(m), (long) m.offset(), st(counts), (long) counts.offset(),
                    typed(d, ar), typed(d, 1.0 - ar), typed(d, tau), first ? 1 : 0, n, partial, new OpenClDevice.Local(BOP_LOCAL * 4L));
            clEnqueueReadBuffer(be.dev().queue, partial, CL_TRUE, 0, groups * 8L, Pointer.to(flips), 0, null, null);
        } catch (CLException e) {
            throw be.dev().translate("reading Bop's flip counts", e);
        } finally {
            OpenClDevice.release(partial);
        }
        long total = 0;
        for (long f : flips) total += f;
        return total;
    }

    /** A scalar kernel argument of type T: rounded to float for float32 (as the CPU reference rounds it). */
    private static Object typed(DType d, double v) {
        return d == DType.F32 ? (Object) (float) v : (Object) v;
    }
}
