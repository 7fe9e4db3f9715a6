package peekaboo.backend.aparapi;

import com.aparapi.Kernel;
import com.aparapi.Range;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Logger;
import peekaboo.backend.Backend;
import peekaboo.backend.Backends;
import peekaboo.backend.BinaryOp;
import peekaboo.backend.ConvShape;
import peekaboo.backend.PoolShape;
import peekaboo.backend.ReduceOp;
import peekaboo.backend.Storage;
import peekaboo.backend.UnaryOp;
import peekaboo.backend.cpu.CpuStorage;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * The Aparapi backend: storages are host arrays; elementwise ops, reductions and GEMM are Aparapi
 * kernels written in Java (run on an OpenCL device when Aparapi can translate them, else on its Java
 * thread pool). Every other op falls back to the CPU backend explicitly: the operands are copied to
 * CPU tensors, the CPU kernel runs, the outputs are copied back; each fallback op is logged once
 * and listed by {@link #fallbacks()}.
 */
public final class AparapiBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(AparapiBackend.class.getName());
    private static volatile AparapiBackend instance;

    private final ElementwiseKernel elementwise = new ElementwiseKernel();
    private final ReduceKernel reduce = new ReduceKernel();
    private final GemmKernel gemm = new GemmKernel();
    private final QuantizeKernel quantize = new QuantizeKernel();
    private final PsgCombineKernel psgCombine = new PsgCombineKernel();
    private final BopKernel bop = new BopKernel();
    private final Set<String> fallbacks = ConcurrentHashMap.newKeySet();
    private final Map<String, String> modes = new ConcurrentHashMap<>();

    private AparapiBackend() {}

    /** The one Aparapi backend of this JVM. */
    public static AparapiBackend instance() {
        if (instance == null) {
            synchronized (AparapiBackend.class) {
                if (instance == null) instance = new AparapiBackend();
            }
        }
        return instance;
    }

    @Override
    public String name() { return "aparapi"; }

    /** The SPI ops that ran on the CPU fallback so far. */
    public Set<String> fallbacks() { return Collections.unmodifiableSet(new java.util.TreeSet<>(fallbacks)); }

    /** Where each Aparapi kernel last ran (e.g. {@code GPU}, {@code CPU}, {@code JTP}). */
    public Map<String, String> executionModes() { return Map.copyOf(modes); }

    static AparapiStorage st(Tensor t) {
        if (!(t.storage() instanceof AparapiStorage s)) {
            throw new IllegalArgumentException("a tensor on backend '" + t.backend().name() + "' was passed to the aparapi backend; move it with tensor.to(backend) first");
        }
        return s;
    }

    @Override
    public Storage allocate(DType dtype, int size) {
        Object array = switch (dtype) {
            case F32 -> new float[size];
            case F64 -> new double[size];
            case I64 -> new long[size];
            case U8, BOOL -> new byte[size];
        };
        return new AparapiStorage(this, dtype, array, size);
    }

    @Override
    public Storage upload(DType dtype, Object hostArray) {
        Storage cpu = Backends.cpu().upload(dtype, hostArray);  // validates and clones
        return new AparapiStorage(this, dtype, array((CpuStorage) cpu), cpu.size());
    }

    private static Object array(CpuStorage s) {
        return s.floats() != null ? s.floats() : s.doubles() != null ? s.doubles() : s.longs() != null ? s.longs() : s.bytes();
    }

    // ------------------------------------------------------------------ the explicit CPU fallback

    /** A CPU tensor with t's view over a copy of t's whole storage. */
    private static Tensor toCpu(Tensor t) {
        if (t == null) return null;
        Object a = st(t).array();
        Object copy = a instanceof float[] f ? f.clone() : a instanceof double[] d ? d.clone() : a instanceof long[] l ? l.clone() : ((byte[]) a).clone();
        return new Tensor(Backends.cpu().upload(t.dtype(), copy), t.shape(), t.strides(), t.offset());
    }

    /** Runs op on the CPU backend with copies of args; args from index firstOut on are outputs and are copied back. */
    private void fallback(String op, int firstOut, Consumer<Tensor[]> body, Tensor... args) {
        if (fallbacks.add(op)) LOG.info(() -> "aparapi: " + op + " has no Aparapi kernel; running it on the CPU backend (operands copied to host arrays)");
        Tensor[] c = new Tensor[args.length];
        for (int i = 0; i < args.length; i++) c[i] = toCpu(args[i]);
        body.accept(c);
        for (int i = firstOut; i < args.length; i++) {
            if (args[i] == null) continue;
            Object src = array((CpuStorage) c[i].storage()), dst = st(args[i]).array();
            System.arraycopy(src, 0, dst, 0, args[i].storage().size());
        }
    }

    private void execute(String what, Kernel k, int n) {
        if (n == 0) return;
        k.execute(Range.create(n));
        modes.put(what, k.isRunningCL() ? "OpenCL" : "Java thread pool");
    }

    // ------------------------------------------------------------------ transfers (host arrays: on the CPU path)

    @Override
    public double[] readDoubles(Tensor t) { return Backends.cpu().readDoubles(toCpu(t)); }

    @Override
    public float[] readFloats(Tensor t) { return Backends.cpu().readFloats(toCpu(t)); }

    @Override
    public long[] readLongs(Tensor t) { return Backends.cpu().readLongs(toCpu(t)); }

    @Override
    public void copy(Tensor src, Tensor dst) { fallback("copy", 1, c -> Backends.cpu().copy(c[0], c[1]), src, dst); }

    @Override
    public void fill(Tensor dst, double value) { fallback("fill", 0, c -> Backends.cpu().fill(c[0], value), dst); }

    // ------------------------------------------------------------------ Aparapi kernels

    private static boolean floating(DType d) { return d == DType.F32 || d == DType.F64; }

    /** meta for ElementwiseKernel: rank, shape[8], strides of a, b, out, offsets; null when more than 8 dims remain. */
    private static int[] elementwiseMeta(Tensor out, Tensor a, Tensor b) {
        int[] shape = out.shape();
        int[] sa = Shape.broadcastStrides(a.shape(), a.strides(), shape), sb = b == null ? new int[shape.length] : Shape.broadcastStrides(b.shape(), b.strides(), shape);
        int[] so = out.strides();
        int[] meta = new int[36];
        int m = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            if (m == 8) return null;
            meta[1 + m] = shape[d];
            meta[9 + m] = sa[d];
            meta[17 + m] = sb[d];
            meta[25 + m] = so[d];
            m++;
        }
        meta[0] = m;
        meta[33] = a.offset();
        meta[34] = b == null ? 0 : b.offset();
        meta[35] = out.offset();
        return meta;
    }

    @Override
    public void unary(UnaryOp op, Tensor x, double p0, double p1, Tensor out) {
        int[] meta = elementwiseMeta(out, x, null);
        if (!floating(out.dtype()) || x.dtype() != out.dtype() || meta == null) {
            final double q0 = p0, q1 = p1;
            fallback("unary (mixed or non-float dtypes)", 1, c -> Backends.cpu().unary(op, c[0], q0, q1, c[1]), x, out);
            return;
        }
        if (out.dtype() == DType.F32) {
            p0 = (float) p0;
            p1 = (float) p1;
        }
        runElementwise(0, op.ordinal(), p0, p1, x, x, out, meta);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int[] meta = elementwiseMeta(out, a, b);
        if (op.isComparison() || !floating(out.dtype()) || a.dtype() != out.dtype() || b.dtype() != out.dtype() || meta == null) {
            fallback("binary (comparisons, mixed or non-float dtypes)", 2, c -> Backends.cpu().binary(op, c[0], c[1], c[2]), a, b, out);
            return;
        }
        runElementwise(1, op.ordinal(), 0, 0, a, b, out, meta);
    }

    private void runElementwise(int mode, int op, double p0, double p1, Tensor a, Tensor b, Tensor out, int[] meta) {
        ElementwiseKernel k = elementwise;
        synchronized (k) {
            boolean d = out.dtype() == DType.F64;
            k.useDouble = d ? 1 : 0;
            k.mode = mode;
            k.op = op;
            k.p0 = p0;
            k.p1 = p1;
            k.meta = meta;
            if (d) { k.ad = st(a).f64; k.bd = st(b).f64; k.od = st(out).f64; k.af = k.bf = k.of = new float[1]; }
            else { k.af = st(a).f32; k.bf = st(b).f32; k.of = st(out).f32; k.ad = k.bd = k.od = new double[1]; }
            execute("elementwise", k, out.numel());
        }
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        fallback("where", 3, c -> Backends.cpu().where(c[0], c[1], c[2], c[3]), cond, a, b, out);
    }

    @Override
    public void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out, Tensor indices) {
        int rank = x.dim();
        boolean[] red = new boolean[rank];
        for (int d : dims) red[d] = true;
        int[] meta = new int[36];
        int kept = 0, rr = 0, seg = 1;
        boolean fits = floating(x.dtype()) && x.dtype() == out.dtype();
        for (int d = 0; d < rank && fits; d++) {
            if (red[d]) {
                if (rr == 8) { fits = false; break; }
                meta[18 + rr] = x.size(d);
                meta[26 + rr++] = x.stride(d);
                seg *= x.size(d);
            } else {
                if (kept == 8) { fits = false; break; }
                meta[1 + kept] = x.size(d);
                meta[9 + kept++] = x.stride(d);
            }
        }
        if (!fits || (op != ReduceOp.SUM && seg == 0)) {
            fallback("reduce (non-float or >8 dims)", 1, c -> Backends.cpu().reduce(op, c[0], dims, c[1], c[2]), x, out, indices);
            return;
        }
        meta[0] = kept;
        meta[17] = rr;
        meta[34] = x.offset();
        meta[35] = seg;
        ReduceKernel k = reduce;
        synchronized (k) {
            boolean d = x.dtype() == DType.F64;
            k.useDouble = d ? 1 : 0;
            k.op = op.ordinal();
            k.meta = meta;
            k.hasIdx = indices == null ? 0 : 1;
            k.idx = indices == null ? new long[1] : st(indices).i64;
            if (d) { k.xd = st(x).f64; k.od = st(out).f64; k.xf = k.of = new float[1]; }
            else { k.xf = st(x).f32; k.of = st(out).f32; k.xd = k.od = new double[1]; }
            execute("reduce", k, out.numel());
        }
    }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) {
        if (a.dtype() != b.dtype() || !floating(a.dtype())) {
            throw new UnsupportedOperationException("matmul needs two float32 or two float64 tensors, got " + a.dtype() + " and " + b.dtype());
        }
        GemmKernel k = gemm;
        synchronized (k) {
            boolean d = a.dtype() == DType.F64;
            k.useDouble = d ? 1 : 0;
            k.dims = new int[] {a.size(0), a.size(1), b.size(2), a.size(2)};
            k.st = new int[] {a.offset(), a.stride(0), a.stride(1), a.stride(2), b.offset(), b.stride(0), b.stride(1), b.stride(2), out.offset()};
            if (d) { k.ad = st(a).f64; k.bd = st(b).f64; k.cd = st(out).f64; k.af = k.bf = k.cf = new float[1]; }
            else { k.af = st(a).f32; k.bf = st(b).f32; k.cf = st(out).f32; k.ad = k.bd = k.cd = new double[1]; }
            execute("gemm", k, out.numel());
        }
    }

    // ------------------------------------------------------------------ PaB kernels (spec sections 3 and 4)

    @Override
    public void quantize(Tensor x, int bits, double max, boolean signed, Tensor out) {
        if (x.dtype() != DType.F32) {
            throw new UnsupportedOperationException("the PSG quantiser kernel is defined for float32 tensors, got " + x.dtype());
        }
        QuantizeKernel k = quantize;
        synchronized (k) {
            // the constants exactly as the CPU reference computes them, in float32
            float mx = (float) max;
            k.min = signed ? -mx : 0f;
            k.delta = (mx - k.min) / Math.scalb(1f, bits);
            k.top = Math.scalb(1f, bits) - 1;
            k.x = st(x).f32;
            k.xo = x.offset();
            k.out = st(out).f32;
            k.oo = out.offset();
            execute("quantize", k, x.numel());
        }
    }

    @Override
    public void psgCombine(Tensor msb, Tensor exact, double t, boolean sparsify, boolean takeSign, Tensor out) {
        if (!floating(msb.dtype())) throw new UnsupportedOperationException("the PSG combine kernel needs float32 or float64, got " + msb.dtype());
        boolean useExact = exact != null && !sparsify;
        Tensor e = useExact ? exact : msb;
        PsgCombineKernel k = psgCombine;
        synchronized (k) {
            boolean d = msb.dtype() == DType.F64;
            k.useDouble = d ? 1 : 0;
            k.useExact = useExact ? 1 : 0;
            k.takeSign = takeSign ? 1 : 0;
            k.mo = msb.offset();
            k.eo = e.offset();
            k.oo = out.offset();
            k.td = t;
            k.tf = (float) t;
            if (d) { k.md = st(msb).f64; k.ed = st(e).f64; k.od = st(out).f64; k.mf = k.ef = k.of = new float[1]; }
            else { k.mf = st(msb).f32; k.ef = st(e).f32; k.of = st(out).f32; k.md = k.ed = k.od = new double[1]; }
            execute("psgCombine", k, msb.numel());
        }
    }

    @Override
    public long bopStep(Tensor p, Tensor g, Tensor m, Tensor flipCounts, double ar, double tau, boolean firstStep) {
        if (!floating(p.dtype())) throw new UnsupportedOperationException("the Bop step needs float32 or float64, got " + p.dtype());
        int n = p.numel(), items = Math.min(n, 4096);
        if (n == 0) return 0;
        BopKernel k = bop;
        synchronized (k) {
            boolean d = p.dtype() == DType.F64;
            k.useDouble = d ? 1 : 0;
            k.first = firstStep ? 1 : 0;
            k.po = p.offset();
            k.go = g.offset();
            k.mo = m.offset();
            k.co = flipCounts.offset();
            k.n = n;
            k.stride = items;
            k.yd = ar;
            k.keepd = 1.0 - ar;
            k.td = tau;
            k.yf = (float) ar;
            k.keepf = (float) (1.0 - ar);
            k.tf = (float) tau;
            k.counts = st(flipCounts).i64;
            k.partial = new int[items];
            if (d) { k.pd = st(p).f64; k.gd = st(g).f64; k.md = st(m).f64; k.pf = k.gf = k.mf = new float[1]; }
            else { k.pf = st(p).f32; k.gf = st(g).f32; k.mf = st(m).f32; k.pd = k.gd = k.md = new double[1]; }
            execute("bopStep", k, items);
            long total = 0;
            for (int f : k.partial) total += f;
            return total;
        }
    }

    // ------------------------------------------------------------------ CPU fallbacks

    @Override
    public void conv2d(Tensor x, Tensor w, Tensor bias, ConvShape g, Tensor out) {
        fallback("conv2d", 3, c -> Backends.cpu().conv2d(c[0], c[1], c[2], g, c[3]), x, w, bias, out);
    }

    @Override
    public void conv2dInputGrad(Tensor dy, Tensor w, ConvShape g, Tensor dx) {
        fallback("conv2dInputGrad", 2, c -> Backends.cpu().conv2dInputGrad(c[0], c[1], g, c[2]), dy, w, dx);
    }

    @Override
    public void conv2dWeightGrad(Tensor x, Tensor dy, ConvShape g, Tensor dw) {
        fallback("conv2dWeightGrad", 2, c -> Backends.cpu().conv2dWeightGrad(c[0], c[1], g, c[2]), x, dy, dw);
    }

    @Override
    public void maxPool2d(Tensor x, PoolShape p, Tensor out, Tensor indices) {
        fallback("maxPool2d", 1, c -> Backends.cpu().maxPool2d(c[0], p, c[1], c[2]), x, out, indices);
    }

    @Override
    public void avgPool2d(Tensor x, PoolShape p, Tensor out) { fallback("avgPool2d", 1, c -> Backends.cpu().avgPool2d(c[0], p, c[1]), x, out); }

    @Override
    public void avgPool2dBackward(Tensor dy, PoolShape p, Tensor dx) {
        fallback("avgPool2dBackward", 1, c -> Backends.cpu().avgPool2dBackward(c[0], p, c[1]), dy, dx);
    }

    @Override
    public void gather(Tensor x, int dim, Tensor index, Tensor out) {
        fallback("gather", 2, c -> Backends.cpu().gather(c[0], dim, c[1], c[2]), x, index, out);
    }

    @Override
    public void scatterAdd(Tensor src, int dim, Tensor index, Tensor out) {
        fallback("scatterAdd", 2, c -> Backends.cpu().scatterAdd(c[0], dim, c[1], c[2]), src, index, out);
    }

    @Override
    public void channelAffine(Tensor x, Tensor scale, Tensor shift, Tensor out) {
        fallback("channelAffine", 3, c -> Backends.cpu().channelAffine(c[0], c[1], c[2], c[3]), x, scale, shift, out);
    }

    @Override
    public void batchNormStats(Tensor x, Tensor mean, Tensor var) {
        fallback("batchNormStats", 1, c -> Backends.cpu().batchNormStats(c[0], c[1], c[2]), x, mean, var);
    }

    @Override
    public void batchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor invstd, Tensor weight, Tensor gx, Tensor gw, Tensor gb) {
        fallback("batchNormBackward", 5, c -> Backends.cpu().batchNormBackward(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]),
                x, gy, mean, invstd, weight, gx, gw, gb);
    }

    @Override
    public double kthSmallest(Tensor x, long k) {
        fallbacks.add("kthSmallest");
        return Backends.cpu().kthSmallest(toCpu(x), k);
    }

    @Override
    public void sort(Tensor x, boolean descending, Tensor out, Tensor indices) {
        fallback("sort", 1, c -> Backends.cpu().sort(c[0], descending, c[1], c[2]), x, out, indices);
    }
}
