package peekaboo.testing;

import static org.junit.jupiter.api.Assertions.fail;

import peekaboo.autograd.Autograd;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * Guards second-order checks against passing vacuously: a gradgradcheck of a function whose Hessian is
 * zero compares zeros with zeros. {@link #assertNonZero} computes the analytic Hessian-vector product of
 * sum(f(x) * v) for random v, u and fails if every entry is (numerically) zero.
 */
public final class HessianProbe {
    private HessianProbe() {}

    /** Fails unless some entry of the Hessian-vector product of sum(f(x) v) has magnitude above 1e-8. */
    public static void assertNonZero(GradCheck.Fn f, Tensor... inputs) {
        double max = maxAbsHvp(f, inputs);
        if (!(max > 1e-8)) fail("Hessian-vector product is zero (max |entry| " + max + "): the second-order check would be vacuous");
    }

    /** Fails unless the first derivative of sum(f(x) v) has some entry above 1e-8 in magnitude. */
    public static void assertGradientNonZero(GradCheck.Fn f, Tensor... inputs) {
        Tensor[] xs = leaves(inputs);
        Tensor out = f.apply(xs);
        Tensor v = Tensor.randn(new Generator(11), DType.F64, out.shape());
        Tensor[] g = Autograd.grad(new Tensor[] {out.mul(v).sum()}, null, xs, false, false, true);
        double max = 0;
        for (Tensor t : g) if (t != null) for (double d : t.toDoubleArray()) max = Math.max(max, Math.abs(d));
        if (!(max > 1e-8)) fail("gradient is zero (max |entry| " + max + "): the first-order check would be vacuous");
    }

    public static double maxAbsHvp(GradCheck.Fn f, Tensor... inputs) {
        Tensor[] xs = leaves(inputs);
        Tensor out = f.apply(xs);
        Tensor v = Tensor.randn(new Generator(12), DType.F64, out.shape());
        Tensor[] g = Autograd.grad(new Tensor[] {out.mul(v).sum()}, null, xs, true, true, true);
        Tensor m = Tensor.zeros(DType.F64);
        for (int i = 0; i < xs.length; i++) {
            if (g[i] != null) m = m.add(g[i].mul(Tensor.randn(new Generator(13 + i), DType.F64, xs[i].shape())).sum());
        }
        if (!m.requiresGrad()) return 0;
        Tensor[] h = Autograd.grad(new Tensor[] {m}, null, xs, false, false, true);
        double max = 0;
        for (Tensor t : h) if (t != null) for (double d : t.toDoubleArray()) max = Math.max(max, Math.abs(d));
        return max;
    }

    private static Tensor[] leaves(Tensor[] inputs) {
        Tensor[] xs = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) xs[i] = inputs[i].detach().requiresGrad(true);
        return xs;
    }
}
