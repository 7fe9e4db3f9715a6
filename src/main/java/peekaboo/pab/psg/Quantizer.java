package peekaboo.pab.psg;

import peekaboo.backend.cpu.CpuStorage;
import peekaboo.backend.cpu.Parallel;
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
            for (int s = s0; s < s1; s++) {
                float m = 0;
                for (int i = off + s * per, end = i + per; i < end; i++) {
                    float v = Math.abs(a[i]);
                    if (v > m || v != v) m = v; // NaN propagates, as torch's max
                }
                out[s] = m;
            }
        });
        return out;
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
        Parallel.forRange(n, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
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
