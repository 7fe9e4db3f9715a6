package peekaboo.backend;

import java.util.SplittableRandom;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/** Seeded host inputs for the PaB kernels of the conformance suite: both signs, exact zeros of both signs, ties, rare NaN and infinities. */
final class PabInputs {
    private PabInputs() {}

    /**
     * Float32 values for Q(x, bits, max, signed): normal values times 10^k (k in -3..3), +-0, values exactly
     * halfway between two levels (ties of rint, exact because max is a power of two), values beyond the
     * range, and now and then a NaN or an infinity.
     */
    static Tensor quantiserInput(SplittableRandom r, int[] shape, int bits, float max, boolean signed) {
        float[] v = new float[Shape.numel(shape)];
        float scale = (float) Math.pow(10, r.nextInt(7) - 3), min = signed ? -max : 0f;
        float delta = (max - min) / Math.scalb(1f, bits);
        int levels = (int) Math.min(1000, Math.scalb(1.0, bits));
        boolean specials = r.nextInt(4) == 0;
        for (int i = 0; i < v.length; i++) {
            int kind = r.nextInt(20);
            if (kind < 3) v[i] = 0f;
            else if (kind == 3) v[i] = -0f;
            else if (kind < 8) v[i] = min + (r.nextInt(levels) + 0.5f) * delta;
            else if (kind == 8) v[i] = (r.nextBoolean() ? 4 : -4) * max;
            else if (kind == 9 && specials) v[i] = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}[r.nextInt(3)];
            else v[i] = (float) (gaussian(r) * scale);
        }
        return new Tensor(Backends.cpu().upload(DType.F32, v), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    /** A gradient-like tensor of dtype: normal values times 10^k (k in -6..0), +-0, now and then a NaN. */
    static Tensor gradient(SplittableRandom r, DType dtype, int[] shape) {
        double[] v = new double[Shape.numel(shape)];
        double scale = Math.pow(10, r.nextInt(7) - 6);
        boolean nan = r.nextInt(6) == 0;
        for (int i = 0; i < v.length; i++) {
            int kind = r.nextInt(12);
            v[i] = kind == 0 ? 0.0 : kind == 1 ? -0.0 : kind == 2 && nan ? Double.NaN : gaussian(r) * scale;
        }
        return Conformance.host(v, dtype, shape);
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble(), w = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }
}
