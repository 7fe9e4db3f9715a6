package peekaboo.pab.psg;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import peekaboo.backend.cpu.CpuStorage;
import peekaboo.backend.cpu.Parallel;
import peekaboo.backend.cpu.Sgemm;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * PSG's quantiser Q(x, bits, max, signed) of spec section 4, as tensor ops (results never require grad:
 * PSG quantises only inside its own backward):
 * min = signed ? -max : 0, delta = (max - min) / 2^bits,
 * q = rint(clamp((x - min) / delta, 0, 2^bits - 1)) * delta + min, zeros stay zero, an all-zero tensor
 * comes back unchanged, 32 bits or more return x. Each step rounds to x's dtype, as PyTorch does.
 *
 * <p>The {@code *Ops} methods compose the quantiser from ordinary tensor ops: they are the living
 * definition and serve every dtype and backend. The others are fused single-pass loops for contiguous
 * float32 data (the training path); {@code QuantizerProperties} checks that both agree bit for bit.
 * Scales follow the engine's float32 mean (a sum accumulated in double, rounded, divided by N in float32);
 * PyTorch sums in float32, so the two scales may differ in the last bit.
 */
public final class Quantizer {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** 2^23: for 0 <= t < 2^23, (t + 2^23) - 2^23 is rint(t) (round half to even) in float32. */
    private static final float RINT_MAGIC = 8388608f;

    private Quantizer() {}

    // ------------------------------------------------------------------ the definition, from tensor ops

    /** {@code x.abs().flatten(1).max(1).values.mean()}: the input scale (mean over the batch of per-sample max|x|), 0-dim. */
    public static Tensor inputScaleOps(Tensor x) {
        return x.detach().abs().flatten(1, -1).max(1, false).values().mean();
    }

    /** {@code g.abs().flatten(1).max(1).values.max()}: the output-gradient scale (max over the batch of per-sample max|g|), 0-dim. */
    public static Tensor gradScaleOps(Tensor g) {
        return g.detach().abs().max();
    }

    /** Q(x, bits, max, signed) from tensor ops; {@code max} is a one-element tensor of x's dtype. */
    public static Tensor quantizeOps(Tensor x, int bits, Tensor max, boolean signed) {
        x = x.detach();
        if (bits >= 32 || x.ne(0.0).sum().item() == 0) return x;
        Tensor m = max.detach().reshape();
        Tensor min = signed ? m.neg() : Tensor.zerosLike(m);
        Tensor delta = m.sub(min).div(Math.scalb(1.0, bits));
        Tensor q = x.sub(min).div(delta).clamp(0, Math.scalb(1.0, bits) - 1).round().mul(delta).add(min);
        return Tensor.where(x.eq(0.0), Tensor.zerosLike(q), q);
    }

    // ------------------------------------------------------------------ fused float32 kernels

    /** The input scale as a float32 value (see {@link #inputScaleOps}). */
    public static float inputScale(Tensor x) {
        if (!fast(x)) return (float) inputScaleOps(x).item();
        return mean(sampleMaxima(x));
    }

    /** The output-gradient scale as a float32 value (see {@link #gradScaleOps}). */
    public static float gradScale(Tensor g) {
        if (!fast(g)) return (float) gradScaleOps(g).item();
        return max(sampleMaxima(g));
    }

    /** Q(x, bits, max, signed): one pass over contiguous float32 data; other tensors go through {@link #quantizeOps}. */
    public static Tensor quantize(Tensor x, int bits, double max, boolean signed) {
        if (bits >= 32) return x.detach();
        if (!fast(x)) return quantizeOps(x, bits, Tensor.full(x.dtype(), max).to(x.backend()), signed);
        if (allZero(sampleMaxima(x))) return x.detach();
        return quantizeFloats(x, bits, (float) max, signed);
    }

    /** Q(x) with the input scale: PSG's quantised conv input. */
    public static Tensor quantizeInput(Tensor x, int bits, boolean signed) {
        if (bits >= 32) return x.detach();
        if (!fast(x)) return quantizeOps(x, bits, inputScaleOps(x), signed);
        float[] maxima = sampleMaxima(x);
        return allZero(maxima) ? x.detach() : quantizeFloats(x, bits, mean(maxima), signed);
    }

    /** Q(g) with the output-gradient scale, signed: PSG's quantised output gradient. */
    public static Tensor quantizeGrad(Tensor g, int bits) {
        if (bits >= 32) return g.detach();
        if (!fast(g)) return quantizeOps(g, bits, gradScaleOps(g), true);
        float[] maxima = sampleMaxima(g);
        return allZero(maxima) ? g.detach() : quantizeFloats(g, bits, max(maxima), true);
    }

    private static boolean fast(Tensor t) {
        return t.dtype() == DType.F32 && t.dim() >= 1 && t.size(0) > 0;
    }

    /** Host view of a float32 tensor's elements: the storage itself when contiguous in host memory, else a copy. */
    private static float[] floats(Tensor t) {
        return t.storage() instanceof CpuStorage s && t.isContiguous() ? s.floats() : t.toFloatArray();
    }

    private static int base(Tensor t) {
        return t.storage() instanceof CpuStorage && t.isContiguous() ? t.offset() : 0;
    }

    /** max |x| of each sample (over every dimension but the first). */
    static float[] sampleMaxima(Tensor x) {
        float[] a = floats(x);
        int off = base(x), n = x.size(0), per = x.numel() / n;
        float[] out = new float[n];
        Parallel.forRange(n, (s0, s1) -> {
            for (int s = s0; s < s1; s++) out[s] = maxAbs(a, off + s * per, per);
        });
        return out;
    }

    /** max |a[from .. from + len)| (NaN propagates, as torch's max). */
    private static float maxAbs(float[] a, int from, int len) {
        int i = 0;
        float m = 0;
        if (Sgemm.SIMD && len >= F.length()) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(len); i < bound; i += F.length()) {
                acc = acc.max(FloatVector.fromArray(F, a, from + i).abs());
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < len; i++) m = Math.max(m, Math.abs(a[from + i]));
        return m;
    }

    private static boolean allZero(float[] maxima) {
        for (float m : maxima) if (m != 0) return false;
        return true;
    }

    /** float32 mean as the engine computes it: the sum in double rounded to float32, then divided by N in float32. */
    private static float mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return (float) s / (float) v.length;
    }

    private static float max(float[] v) {
        float m = v[0];
        for (float x : v) if (x > m || x != x) m = x;
        return m;
    }

    private static Tensor quantizeFloats(Tensor x, int bits, float max, boolean signed) {
        float[] a = floats(x);
        int off = base(x), n = x.numel();
        Tensor out = Tensor.zeros(x.backend(), DType.F32, x.shape());
        boolean direct = out.storage() instanceof CpuStorage;
        float[] o = direct ? ((CpuStorage) out.storage()).floats() : new float[n];
        float min = signed ? -max : 0f;
        float delta = (max - min) / Math.scalb(1f, bits);
        float top = Math.scalb(1f, bits) - 1;
        boolean simd = Sgemm.SIMD && bits <= 23;
        int chunks = Math.max(1, Math.min(Parallel.threads() * 4, n / 16384));
        Parallel.forEachTask(chunks, c -> {
            int i0 = (int) ((long) n * c / chunks), i1 = (int) ((long) n * (c + 1) / chunks), i = i0;
            if (simd) {
                FloatVector vmin = FloatVector.broadcast(F, min), vdelta = FloatVector.broadcast(F, delta);
                FloatVector vtop = FloatVector.broadcast(F, top), magic = FloatVector.broadcast(F, RINT_MAGIC);
                FloatVector zero = FloatVector.zero(F);
                for (int bound = i0 + F.loopBound(i1 - i0); i < bound; i += F.length()) {
                    FloatVector v = FloatVector.fromArray(F, a, off + i);
                    FloatVector t = v.sub(vmin).div(vdelta).max(zero).min(vtop);
                    FloatVector q = t.add(magic).sub(magic).mul(vdelta).add(vmin);
                    q.blend(zero, v.compare(VectorOperators.EQ, 0f)).intoArray(o, i);
                }
            }
            for (; i < i1; i++) {
                float v = a[off + i];
                if (v == 0) continue; // preserved zero (out is zero-filled)
                float t = (v - min) / delta;
                t = Math.min(Math.max(t, 0f), top);
                o[i] = (float) Math.rint(t) * delta + min;
            }
        });
        if (!direct) out.copyFrom(Tensor.of(o, x.shape()));
        return out;
    }
}
