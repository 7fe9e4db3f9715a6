package peekaboo.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Function;
import peekaboo.autograd.Autograd;
import peekaboo.autograd.GradMode;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * gradcheck and gradgradcheck in float64, as PyTorch's: analytical derivatives from autograd against
 * central finite differences.
 *
 * <p>First order: for a random weighting v of the output, the gradient of L(x) = sum(f(x) * v) with
 * respect to every input element. Second order: for a random u, the gradient of
 * M(x) = sum(dL/dx * u), built with createGraph, against finite differences of dL/dx (a
 * Hessian-vector product check).
 */
public final class GradCheck {
    private static final double EPS = 1e-6;

    private GradCheck() {}

    public interface Fn extends Function<Tensor[], Tensor> {}

    /** Checks first derivatives of f at the given float64 inputs (they need not require grad). */
    public static void check(Fn f, Tensor... inputs) { check(f, 1e-5, 1e-4, inputs); }

    public static void check(Fn f, double atol, double rtol, Tensor... inputs) {
        Tensor[] xs = leaves(inputs);
        Tensor out = f.apply(xs);
        Tensor v = randomLike(out, 1);
        Tensor[] analytic = Autograd.grad(new Tensor[] {out.mul(v).sum()}, null, xs, false, false, true);
        for (int i = 0; i < xs.length; i++) {
            final int which = i;
            double[] numeric = finiteDifference(xs, i, x -> {
                try (var s = GradMode.noGrad()) {
                    return f.apply(x).mul(v).sum().item();
                }
            });
            compare("first derivative w.r.t. input " + which, analytic[i], numeric, atol, rtol, xs[i]);
        }
    }

    /** Checks second derivatives (Hessian-vector products) of sum(f(x) * v). */
    public static void checkSecondOrder(Fn f, Tensor... inputs) { checkSecondOrder(f, 1e-4, 1e-3, inputs); }

    public static void checkSecondOrder(Fn f, double atol, double rtol, Tensor... inputs) {
        Tensor[] xs = leaves(inputs);
        Tensor out0 = f.apply(xs);
        Tensor v = randomLike(out0, 2);
        Tensor[] us = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) us[i] = randomLike(xs[i], 3 + i);
        Function<Tensor[], Tensor> m = x -> {
            Tensor l = f.apply(x).mul(v).sum();
            Tensor[] g = Autograd.grad(new Tensor[] {l}, null, x, true, true, true);
            Tensor total = Tensor.zeros(DType.F64);
            for (int i = 0; i < x.length; i++) if (g[i] != null) total = total.add(g[i].mul(us[i]).sum());
            return total;
        };
        Tensor mv = m.apply(xs);
        Tensor[] analytic = mv.requiresGrad()
                ? Autograd.grad(new Tensor[] {mv}, null, xs, false, false, true)
                : new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) {
            double[] numeric = finiteDifference(xs, i, x -> m.apply(leaves(x)).item());
            compare("second derivative (Hessian-vector product) w.r.t. input " + i, analytic[i], numeric, atol, rtol, xs[i]);
        }
    }

    private static Tensor[] leaves(Tensor[] inputs) {
        Tensor[] xs = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].dtype() != DType.F64) throw new IllegalArgumentException("gradcheck needs float64 inputs, got " + inputs[i].dtype());
            xs[i] = inputs[i].detach().requiresGrad(true);
        }
        return xs;
    }

    private static Tensor randomLike(Tensor t, long seed) {
        return Tensor.randn(new Generator(0x5eed + seed * 7919), DType.F64, t.shape());
    }

    private static double[] finiteDifference(Tensor[] xs, int which, Function<Tensor[], Double> scalar) {
        double[] base = xs[which].toDoubleArray();
        double[] grad = new double[base.length];
        int[] shape = xs[which].shape();
        for (int j = 0; j < base.length; j++) {
            double[] plus = base.clone(), minus = base.clone();
            plus[j] += EPS;
            minus[j] -= EPS;
            grad[j] = (scalar.apply(replace(xs, which, Tensor.of(plus, shape))) - scalar.apply(replace(xs, which, Tensor.of(minus, shape)))) / (2 * EPS);
        }
        return grad;
    }

    private static Tensor[] replace(Tensor[] xs, int which, Tensor t) {
        Tensor[] copy = xs.clone();
        copy[which] = t;
        return copy;
    }

    private static void compare(String what, Tensor analytic, double[] numeric, double atol, double rtol, Tensor input) {
        double[] a = analytic == null ? new double[numeric.length] : analytic.toDoubleArray();
        if (a.length != numeric.length) fail(what + ": analytic gradient has " + a.length + " elements, expected " + numeric.length);
        for (int j = 0; j < a.length; j++) {
            if (Math.abs(a[j] - numeric[j]) > atol + rtol * Math.abs(numeric[j])) {
                fail(what + " (input shape " + Shape.str(input.shape()) + ") differs at flat index " + j + ": analytic " + a[j]
                        + ", numeric " + numeric[j]);
            }
        }
    }
}
