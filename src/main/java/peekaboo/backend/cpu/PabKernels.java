package peekaboo.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import peekaboo.backend.Quantization;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * The PaB kernels on the CPU, the reference for every backend: PSG's quantiser and weight-gradient
 * combine (spec section 4) and the Bop step (spec section 3), each one pass over contiguous data.
 * Float32 arithmetic is float32 with every product and sum rounded (Java never contracts to fma).
 */
public final class PabKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** The bits of |v| are those of v with the sign bit cleared ({@link VectorLoops#ABS_BITS}); above this, a NaN's. */
    private static final int ABS_BITS = VectorLoops.ABS_BITS;
    private static final int INFINITY_BITS = 0x7f800000;
    /** 2^23: for 0 <= t < 2^23, (t + 2^23) - 2^23 is rint(t) (round half to even) in float32. */
    private static final float RINT_MAGIC = 8388608f;
    /** Elements per parallel task. */
    private static final int TASK = 16384;

    private PabKernels() {}

    private static CpuStorage st(Tensor t) { return CpuBackend.st(t); }

    private static int tasks(int n) { return Math.max(1, Math.min(Parallel.threads() * 4, n / TASK)); }

    private static int from(int n, int tasks, int c) { return (int) ((long) n * c / tasks); }

    // ------------------------------------------------------------------ PSG quantiser

    static void quantize(Tensor x, int bits, double max, boolean signed, Tensor out) {
        if (x.dtype() != DType.F32) throw CpuBackend.unsupported("the PSG quantiser kernel", x.dtype());
        float[] a = st(x).f32, o = st(out).f32;
        int xo = x.offset(), oo = out.offset(), n = x.numel();
        Quantizing q = new Quantizing(new Quantization(bits, (float) max, signed));
        int chunks = tasks(n);
        Parallel.forEachTask(chunks, c -> {
            int i0 = from(n, chunks, c), i1 = from(n, chunks, c + 1);
            q.copy(a, xo + i0, o, oo + i0, i1 - i0);
        });
    }

    /**
     * The quantiser of {@link #quantize} as a copy: dst[d, d + len) = Q(src[s, s + len)). The weight-gradient
     * kernels use it to quantise their operands while they copy them (PSG).
     */
    static final class Quantizing {
        private final float min;
        private final float delta;
        private final float top;
        private final boolean simd;

        /**
         * Whether x = 0 comes out +0 without being selected: unsigned, t = 0 / delta gives +0 (-0 gives
         * -0, which rint and + min turn into +0); signed, t = max / delta = 2^(bits-1) exactly and
         * 2^(bits-1) delta - max = +0, all exact while max and delta are finite normal numbers.
         */
        private final boolean zeroIsExact;

        Quantizing(Quantization q) {
            float mx = q.max();
            min = q.signed() ? -mx : 0f;
            delta = (mx - min) / Math.scalb(1f, q.bits());
            top = Math.scalb(1f, q.bits()) - 1;
            simd = Sgemm.SIMD && q.bits() <= 23;
            zeroIsExact = mx >= 0x1p-100f && mx <= 0x1p100f;
        }

        /** dst[d, d + len) = src[s, s + len), quantised by q unless q is null. */
        static void copy(Quantizing q, float[] src, int s, float[] dst, int d, int len) {
            if (q == null) {
                System.arraycopy(src, s, dst, d, len);
            } else {
                q.copy(src, s, dst, d, len);
            }
        }

        /** A copy that quantises by q, or null for q null (a plain copy). */
        static Quantizing of(Quantization q) {
            return q == null ? null : new Quantizing(q);
        }

        void copy(float[] src, int s, float[] dst, int d, int len) {
            int i = 0;
            if (simd) {
                FloatVector vmin = FloatVector.broadcast(F, min), vdelta = FloatVector.broadcast(F, delta);
                FloatVector magic = FloatVector.broadcast(F, RINT_MAGIC);
                if (zeroIsExact) {
                    // The clamps are integer max and min on the float's bits: they order t >= +0 as floats do
                    // and send every negative t (-0 included) to +0, which rint and + min treat as the -0 the
                    // float clamp kept. A compare and a select per clamp ran at half the speed (one core, 64 KB
                    // copies: 7.6 against 14.4 G floats/s from L2, 3.8 against 5.6 from memory; Zen 5). They
                    // would send a NaN to 0 or top, so the loop keeps the largest |v| as bits too (NaNs sort
                    // above infinity) and puts the NaNs back afterwards.
                    IntVector itop = IntVector.broadcast(I, Float.floatToRawIntBits(top));
                    IntVector worst = IntVector.zero(I);
                    for (int bound = F.loopBound(len); i < bound; i += F.length()) {
                        FloatVector v = FloatVector.fromArray(F, src, s + i);
                        IntVector t = v.sub(vmin).div(vdelta).reinterpretAsInts().max(0).min(itop);
                        t.reinterpretAsFloats().add(magic).sub(magic).mul(vdelta).add(vmin).intoArray(dst, d + i);
                        worst = worst.max(v.reinterpretAsInts().and(ABS_BITS));
                    }
                    if (worst.reduceLanes(VectorOperators.MAX) > INFINITY_BITS) {
                        for (int j = 0; j < i; j++) {
                            if (Float.isNaN(src[s + j])) {
                                dst[d + j] = src[s + j];
                            }
                        }
                    }
                } else {
                    // extreme scales (see zeroIsExact): float clamps, and x = 0 selected explicitly
                    FloatVector vtop = FloatVector.broadcast(F, top), zero = FloatVector.zero(F);
                    for (int bound = F.loopBound(len); i < bound; i += F.length()) {
                        FloatVector v = FloatVector.fromArray(F, src, s + i);
                        FloatVector t = v.sub(vmin).div(vdelta);
                        t = t.blend(zero, t.compare(VectorOperators.LT, zero));
                        t = t.blend(vtop, t.compare(VectorOperators.GT, vtop));
                        FloatVector q = t.add(magic).sub(magic).mul(vdelta).add(vmin);
                        q.blend(zero, v.compare(VectorOperators.EQ, 0f)).intoArray(dst, d + i);
                    }
                }
            }
            for (; i < len; i++) {
                float v = src[s + i];
                if (v == 0) {
                    dst[d + i] = 0f;
                    continue;
                }
                float t = (v - min) / delta;
                t = Math.min(Math.max(t, 0f), top);
                dst[d + i] = (float) Math.rint(t) * delta + min;
            }
        }
    }

    /**
     * max |x| of each of the n = x.size(0) samples of a contiguous float32 CPU tensor, in one pass without a
     * temporary (NaN propagates, as torch's max); the same values as {@code x.abs().flatten(1).max(1)}.
     */
    public static float[] sampleMaxAbs(Tensor x) {
        float[] a = st(x).f32;
        int off = x.offset(), n = x.size(0), per = n == 0 ? 0 : x.numel() / n;
        float[] out = new float[n];
        Parallel.forRange(n, (s0, s1) -> {
            for (int s = s0; s < s1; s++) out[s] = maxAbs(a, off + s * per, per);
        });
        return out;
    }

    /**
     * max |a[from, from + len)|. Four independent maxima (a max waits for the one before it): a sample of
     * 16,384 floats, one thread, 0.32 -> 0.15 ms. The maxima are integer maxima of the bits of |a| (the sign bit
     * cleared), which order as the floats do and put every NaN above infinity, so a NaN still comes out: one
     * integer max where Java's float max checks for NaN and -0 in extra instructions.
     */
    private static float maxAbs(float[] a, int from, int len) {
        int i = 0;
        float m = 0;
        if (Sgemm.SIMD && len >= F.length()) {
            int vl = F.length();
            IntVector m0 = IntVector.zero(I), m1 = m0, m2 = m0, m3 = m0;
            for (int bound = len - 4 * vl; i <= bound; i += 4 * vl) {
                m0 = m0.max(FloatVector.fromArray(F, a, from + i).reinterpretAsInts().and(ABS_BITS));
                m1 = m1.max(FloatVector.fromArray(F, a, from + i + vl).reinterpretAsInts().and(ABS_BITS));
                m2 = m2.max(FloatVector.fromArray(F, a, from + i + 2 * vl).reinterpretAsInts().and(ABS_BITS));
                m3 = m3.max(FloatVector.fromArray(F, a, from + i + 3 * vl).reinterpretAsInts().and(ABS_BITS));
            }
            for (int bound = F.loopBound(len); i < bound; i += vl) {
                m0 = m0.max(FloatVector.fromArray(F, a, from + i).reinterpretAsInts().and(ABS_BITS));
            }
            m = Float.intBitsToFloat(m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX));
        }
        for (; i < len; i++) m = Math.max(m, Math.abs(a[from + i]));
        return m;
    }

    // ------------------------------------------------------------------ PSG weight-gradient combine

    static void psgCombine(Tensor msb, Tensor exact, double t, boolean sparsify, boolean takeSign, Tensor out) {
        boolean useExact = exact != null && !sparsify;
        int n = msb.numel(), mo = msb.offset(), eo = useExact ? exact.offset() : 0, oo = out.offset();
        if (msb.dtype() == DType.F32) {
            float[] a = st(msb).f32, e = useExact ? st(exact).f32 : null, o = st(out).f32;
            float tf = (float) t;
            boolean all = tf == 0;
            int i = 0;
            if (Sgemm.SIMD && !Float.isNaN(tf)) {
                // the loop below in lanes: |v| >= t as a compare of |v|'s bits (false for a NaN, as the float
                // compare), sign(r) as 1 with r's sign bit except where r is +-0 or NaN (kept as they are)
                IntVector tBits = IntVector.broadcast(I, Float.floatToRawIntBits(tf));
                IntVector one = IntVector.broadcast(I, Float.floatToRawIntBits(1f));
                FloatVector zero = FloatVector.zero(F);
                for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                    FloatVector v = FloatVector.fromArray(F, a, mo + i);
                    FloatVector r = v;
                    if (!all) {
                        IntVector abs = v.reinterpretAsInts().and(ABS_BITS);
                        var drop = abs.compare(VectorOperators.LT, tBits).or(abs.compare(VectorOperators.GT, INFINITY_BITS))
                                .cast(F);
                        r = v.blend(useExact ? FloatVector.fromArray(F, e, eo + i) : zero, drop);
                    }
                    if (takeSign) {
                        IntVector bits = r.reinterpretAsInts();
                        IntVector abs = bits.and(ABS_BITS);
                        var keepR = abs.compare(VectorOperators.EQ, 0).or(abs.compare(VectorOperators.GT, INFINITY_BITS));
                        r = bits.and(~ABS_BITS).or(one).blend(bits, keepR).reinterpretAsFloats();
                    }
                    r.intoArray(o, oo + i);
                }
            }
            for (; i < n; i++) {
                float v = a[mo + i];
                float r = all || Math.abs(v) >= tf ? v : useExact ? e[eo + i] : 0f;
                o[oo + i] = takeSign ? Math.signum(r) : r;
            }
        } else if (msb.dtype() == DType.F64) {
            double[] a = st(msb).f64, e = useExact ? st(exact).f64 : null, o = st(out).f64;
            boolean all = t == 0;
            for (int i = 0; i < n; i++) {
                double v = a[mo + i];
                double r = all || Math.abs(v) >= t ? v : useExact ? e[eo + i] : 0.0;
                o[oo + i] = takeSign ? Math.signum(r) : r;
            }
        } else {
            throw CpuBackend.unsupported("the PSG combine kernel", msb.dtype());
        }
    }

    // ------------------------------------------------------------------ Bop

    static long bopStep(Tensor p, Tensor g, Tensor m, Tensor counts, double ar, double tau, boolean first) {
        int n = p.numel(), chunks = tasks(n);
        long[] flips = new long[chunks];
        long[] c = st(counts).i64;
        int po = p.offset(), go = g.offset(), mo = m.offset(), co = counts.offset();
        if (p.dtype() == DType.F32) {
            float[] pa = st(p).f32, ga = st(g).f32, ma = st(m).f32;
            final float y = (float) ar, keep = (float) (1.0 - ar), t = (float) tau;
            Parallel.forEachTask(chunks, k -> {
                int i = from(n, chunks, k), end = from(n, chunks, k + 1);
                long f = 0;
                if (Sgemm.SIMD) {
                    // the same float32 operations in lanes; a vector with a lane to flip flips it below (flips are
                    // rare: a branch per weight, taken at random, cost 1.6 ms of ResNet-20's step, 6 ns a weight)
                    FloatVector vy = FloatVector.broadcast(F, y), vkeep = FloatVector.broadcast(F, keep);
                    for (int bound = i + F.loopBound(end - i); i < bound; i += F.length()) {
                        FloatVector gv = FloatVector.fromArray(F, ga, go + i);
                        FloatVector mv = first ? gv.add(gv.mul(vy))
                                : FloatVector.fromArray(F, ma, mo + i).mul(vkeep).add(gv.mul(vy));
                        mv.intoArray(ma, mo + i);
                        FloatVector pv = FloatVector.fromArray(F, pa, po + i);
                        var positive = mv.compare(VectorOperators.GT, 0f).and(pv.compare(VectorOperators.GT, 0f));
                        var negative = mv.compare(VectorOperators.LT, 0f).and(pv.compare(VectorOperators.LT, 0f));
                        // sign 0 on both sides: m = +-0 and p = +-0 or NaN
                        var neither = mv.compare(VectorOperators.EQ, 0f)
                                .andNot(pv.compare(VectorOperators.GT, 0f).or(pv.compare(VectorOperators.LT, 0f)));
                        if (mv.abs().compare(VectorOperators.GE, t).and(positive.or(negative).or(neither)).anyTrue()) {
                            f += flipLanes(pa, po, ma, mo, c, co, i, i + F.length(), t);
                        }
                    }
                }
                int tail = i;
                for (; i < end; i++) {
                    float gi = ga[go + i];
                    ma[mo + i] = first ? gi + gi * y : ma[mo + i] * keep + gi * y;
                }
                f += flipLanes(pa, po, ma, mo, c, co, tail, end, t);
                flips[k] = f;
            });
        } else if (p.dtype() == DType.F64) {
            double[] pa = st(p).f64, ga = st(g).f64, ma = st(m).f64;
            final double y = ar, keep = 1.0 - ar, t = tau;
            Parallel.forEachTask(chunks, k -> {
                long f = 0;
                for (int i = from(n, chunks, k), end = from(n, chunks, k + 1); i < end; i++) {
                    double gi = ga[go + i];
                    double mi = first ? gi + gi * y : ma[mo + i] * keep + gi * y;
                    ma[mo + i] = mi;
                    double pi = pa[po + i];
                    if (Math.abs(mi) >= t && sign(mi) == sign(pi)) {
                        pa[po + i] = -pi;
                        c[co + i]++;
                        f++;
                    }
                }
                flips[k] = f;
            });
        } else {
            throw CpuBackend.unsupported("the Bop step", p.dtype());
        }
        long total = 0;
        for (long f : flips) total += f;
        return total;
    }

    /** Flips p[i] where |m[i]| >= t and m[i], p[i] have one sign, for i in [i0, i1), m already updated; the flips. */
    private static long flipLanes(float[] pa, int po, float[] ma, int mo, long[] c, int co, int i0, int i1, float t) {
        long f = 0;
        for (int i = i0; i < i1; i++) {
            float mi = ma[mo + i], pi = pa[po + i];
            if (Math.abs(mi) >= t && sign(mi) == sign(pi)) {
                pa[po + i] = -pi;
                c[co + i]++;
                f++;
            }
        }
        return f;
    }

    /** sign with sign(+-0) = 0 (and sign(NaN) = 0, which never matters: |NaN| >= tau is false). */
    private static int sign(double x) {
        return x > 0 ? 1 : x < 0 ? -1 : 0;
    }
}
