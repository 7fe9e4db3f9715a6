package peekaboo.pab.psg;

import peekaboo.backend.Quantization;
import peekaboo.backend.cpu.CpuStorage;
import peekaboo.backend.cpu.PabKernels;
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
 * definition and serve every dtype and backend. The others are the training path for float32 data on any
 * backend: the per-sample scales from MAX and MIN reductions where the tensor lives (only 2N values reach
 * the host), then one pass of the backend's quantiser kernel ({@code Backend.quantize});
 * {@code QuantizerProperties} checks that both agree bit for bit, the conformance suite every backend.
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

    // ------------------------------------------------------------------ the fused float32 path, on the tensor's backend

    /** The input scale as a float32 value (see {@link #inputScaleOps}). */
    public static float inputScale(Tensor x) {
        if (!fast(x)) return (float) inputScaleOps(x).item();
        return mean(sampleMaxima(x.detach().contiguous()));
    }

    /** The output-gradient scale as a float32 value (see {@link #gradScaleOps}). */
    public static float gradScale(Tensor g) {
        if (!fast(g)) return (float) gradScaleOps(g).item();
        return max(sampleMaxima(g.detach().contiguous()));
    }

    /** Q(x, bits, max, signed): the backend's quantiser kernel for float32 data; other tensors go through {@link #quantizeOps}. */
    public static Tensor quantize(Tensor x, int bits, double max, boolean signed) {
        if (bits >= 32) return x.detach();
        if (!fast(x)) return quantizeOps(x, bits, Tensor.full(x.dtype(), max).to(x.backend()), signed);
        Tensor c = x.detach().contiguous();
        if (allZero(sampleMaxima(c))) return x.detach();
        return quantizeFloats(c, bits, (float) max, signed);
    }

    /** Q(x) with the input scale: PSG's quantised conv input. */
    public static Tensor quantizeInput(Tensor x, int bits, boolean signed) {
        if (bits >= 32) return x.detach();
        if (!fast(x)) return quantizeOps(x, bits, inputScaleOps(x), signed);
        Tensor c = x.detach().contiguous();
        return quantizeFloats(x, c, inputQuantization(c, bits, signed));
    }

    /** Q(g) with the output-gradient scale, signed: PSG's quantised output gradient. */
    public static Tensor quantizeGrad(Tensor g, int bits) {
        if (bits >= 32) return g.detach();
        if (!fast(g)) return quantizeOps(g, bits, gradScaleOps(g), true);
        Tensor c = g.detach().contiguous();
        return quantizeFloats(g, c, gradQuantization(c, bits));
    }

    /**
     * The quantisation {@link #quantizeInput} applies to x, as parameters for a kernel that quantises while
     * it copies (null: Q leaves x as it is). x contiguous float32 with at least one sample ({@link #fast}).
     */
    static Quantization inputQuantization(Tensor x, int bits, boolean signed) {
        if (bits >= 32) return null;
        float[] maxima = sampleMaxima(x);
        return allZero(maxima) ? null : new Quantization(bits, mean(maxima), signed);
    }

    /** The quantisation {@link #quantizeGrad} applies to g (see {@link #inputQuantization}). */
    static Quantization gradQuantization(Tensor g, int bits) {
        if (bits >= 32) return null;
        float[] maxima = sampleMaxima(g);
        return allZero(maxima) ? null : new Quantization(bits, max(maxima), true);
    }

    /** Float32 with at least one sample: the quantiser's kernel path (and {@link #inputQuantization}'s). */
    static boolean fast(Tensor t) {
        return t.dtype() == DType.F32 && t.dim() >= 1 && t.size(0) > 0;
    }

    /**
     * max |x| of each sample of a contiguous float32 tensor (over every dimension but the first; NaN
     * propagates, as torch's max), computed where x lives: MAX and MIN reductions of each sample on the backend
     * (max |x| = max(max x, -min x), no temporary), and only 2N values come to the host; on the CPU one fused
     * pass.
     */
    static float[] sampleMaxima(Tensor x) {
        int n = x.size(0);
        if (x.numel() == 0) return new float[n];
        if (x.isContiguous()) {
            // found by the kernel that wrote x (batch norm's backward for a PSG conv's output gradient)
            float[] known = x.storage().sampleMaxAbs(x.offset(), x.numel(), n);
            if (known != null) return known;
        }
        if (x.storage() instanceof CpuStorage) return PabKernels.sampleMaxAbs(x);
        Tensor rows = x.reshape(n, -1);
        float[] hi = rows.max(1, false).values().toFloatArray(), lo = rows.min(1, false).values().toFloatArray();
        for (int i = 0; i < n; i++) hi[i] = Math.max(hi[i], -lo[i]);
        return hi;
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

    /** Q by q of c, the contiguous float32 copy of x (x itself, detached, for q null: Q leaves it as it is). */
    private static Tensor quantizeFloats(Tensor x, Tensor c, Quantization q) {
        return q == null ? x.detach() : quantizeFloats(c, q.bits(), q.max(), q.signed());
    }

    /** Q(x) of contiguous float32 x by the backend's quantiser kernel, into a new tensor on x's backend. */
    private static Tensor quantizeFloats(Tensor x, int bits, float max, boolean signed) {
        Tensor out = Tensor.empty(x.backend(), DType.F32, x.shape());
        x.backend().quantize(x, bits, max, signed, out);
        return out;
    }
}
