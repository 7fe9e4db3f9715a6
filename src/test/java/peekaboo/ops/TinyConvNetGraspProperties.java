package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import peekaboo.autograd.Autograd;
import peekaboo.autograd.GradMode;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;

/**
 * A tiny conv net on GraSP's path: masked conv -> BN(train) -> relu -> maxpool -> masked conv -> BN(eval)
 * -> + shortcut -> relu -> avgpool -> linear -> cross_entropy. Its gradient passes gradcheck, and GraSP's
 * Hessian-gradient product (z = sum(g * dL/dw) with g = dL/dw held fixed, then dz/dw = H g) matches finite
 * differences of the gradient along g.
 */
class TinyConvNetGraspProperties {

    /** Parameters in order: w1, b1, bn1 weight, bn1 bias, w2, bn2 weight, bn2 bias, fc weight, fc bias (fc bias optional). */
    record Net(long seed, boolean fcBias) {
        static final int N = 2, C = 2, H = 6, K1 = 3, K2 = 3, CLASSES = 4;

        Tensor x() { return TensorGen.randn(seed, N, C, H, H); }

        Tensor targets() { return Tensor.of(new long[] {Math.floorMod(seed, CLASSES), Math.floorMod(seed >> 7, CLASSES)}, N); }

        /** Masks (buffers of ones and zeros, not differentiated) multiply the conv weights, as PaB's masked layers. */
        Tensor mask1() { return TensorGen.uniform(seed + 100, 0, 1, K1, C, 3, 3).gt(0.2).to(DType.F64); }

        Tensor mask2() { return TensorGen.uniform(seed + 101, 0, 1, K2, K1, 3, 3).gt(0.2).to(DType.F64); }

        Tensor[] params() {
            Tensor[] p = {
                TensorGen.randn(seed + 1, K1, C, 3, 3).mul(0.4), TensorGen.randn(seed + 2, K1).mul(0.1),
                TensorGen.uniform(seed + 3, 0.5, 1.5, K1), TensorGen.randn(seed + 4, K1).mul(0.1),
                TensorGen.randn(seed + 5, K2, K1, 3, 3).mul(0.3),
                TensorGen.uniform(seed + 6, 0.5, 1.5, K2), TensorGen.randn(seed + 7, K2).mul(0.1),
                TensorGen.randn(seed + 8, CLASSES, K2).mul(0.5), TensorGen.randn(seed + 9, CLASSES).mul(0.1)};
            return fcBias ? p : java.util.Arrays.copyOf(p, 8);
        }

        /** Logits; running statistics are fresh on every call so that repeated evaluations are pure. */
        Tensor logits(Tensor x, Tensor[] p) {
            Tensor rm1 = Tensor.zeros(DType.F64, K1), rv1 = Tensor.ones(DType.F64, K1);
            Tensor rm2 = TensorGen.randn(seed + 20, K2).mul(0.2), rv2 = TensorGen.uniform(seed + 21, 0.5, 2, K2);
            Tensor h = F.conv2d(x, p[0].mul(mask1()), p[1], 1, 1);
            h = F.batchNorm(h, rm1, rv1, p[2], p[3], true, 0.1, 1e-5);
            h = F.maxPool2d(F.relu(h), 2, 2, 0);                                 // [N, K1, 3, 3]
            Tensor r = F.conv2d(h, p[4].mul(mask2()), null, 1, 1);
            r = F.batchNorm(r, rm2, rv2, p[5], p[6], false, 0.1, 1e-5);
            r = F.relu(r.add(h));                                                // identity shortcut
            Tensor pooled = F.avgPool2d(r, 3).reshape(N, K2);
            return F.linear(pooled, p[7], fcBias ? p[8] : null);
        }

        Tensor loss(Tensor x, Tensor[] p) { return F.crossEntropy(logits(x, p), targets()); }
    }

    @Property(tries = 10, seed = "68")
    void gradientOfTheNetPassesGradcheck(@ForAll long seed, @ForAll boolean fcBias) {
        Net net = new Net(seed, fcBias);
        Tensor[] p = net.params();
        Tensor[] all = new Tensor[p.length + 1];
        all[0] = net.x();
        System.arraycopy(p, 0, all, 1, p.length);
        GradCheck.check(in -> net.loss(in[0], java.util.Arrays.copyOfRange(in, 1, in.length)), all);
    }

    @Property(tries = 10, seed = "67")
    void hessianGradientProductMatchesFiniteDifferences(@ForAll long seed, @ForAll boolean fcBias) {
        Net net = new Net(seed, fcBias);
        Tensor x = net.x();
        Tensor[] w = net.params();
        for (int i = 0; i < w.length; i++) w[i] = w[i].requiresGrad(true);

        // GraSP: g = dL/dw, detached; z = sum(g * dL/dw) built with createGraph; Hg = dz/dw
        Tensor[] g = Autograd.grad(new Tensor[] {net.loss(x, w)}, null, w, false, false, false);
        for (int i = 0; i < g.length; i++) g[i] = g[i].detach();
        Tensor[] grad = Autograd.grad(new Tensor[] {net.loss(x, w)}, null, w, true, true, false);
        Tensor z = Tensor.zeros(DType.F64);
        for (int i = 0; i < w.length; i++) z = z.add(g[i].mul(grad[i]).sum());
        Tensor[] hg = Autograd.grad(new Tensor[] {z}, null, w, false, false, false);

        // finite differences of the gradient along g: (grad(w + eps g) - grad(w - eps g)) / (2 eps). The
        // net has ReLU and max-pool kinks; where a step of eps crosses one (seed 113 did, its difference
        // 1990 against 0.127) the difference says nothing, so such a draw is discarded when a step of
        // eps/4 gives another difference
        double eps = 1e-6;
        Tensor[] plus = gradientAt(net, x, w, g, eps), minus = gradientAt(net, x, w, g, -eps);
        Tensor[] plusQuarter = gradientAt(net, x, w, g, eps / 4), minusQuarter = gradientAt(net, x, w, g, -eps / 4);
        for (int i = 0; i < w.length; i++) {
            double[] p = plus[i].toDoubleArray(), m = minus[i].toDoubleArray();
            double[] pq = plusQuarter[i].toDoubleArray(), mq = minusQuarter[i].toDoubleArray();
            for (int j = 0; j < p.length; j++) {
                double coarse = (p[j] - m[j]) / (2 * eps), fine = (pq[j] - mq[j]) / (eps / 2);
                Assume.that(Math.abs(coarse - fine) <= 1e-4 + 1e-2 * Math.abs(fine));
            }
        }
        double largest = 0;
        for (int i = 0; i < w.length; i++) {
            double[] a = hg[i].toDoubleArray(), p = plus[i].toDoubleArray(), m = minus[i].toDoubleArray();
            for (int j = 0; j < a.length; j++) {
                double numeric = (p[j] - m[j]) / (2 * eps);
                largest = Math.max(largest, Math.abs(a[j]));
                if (Math.abs(a[j] - numeric) > 1e-5 + 1e-3 * Math.abs(numeric)) {
                    throw new AssertionError("seed " + seed + ": Hg of parameter " + i + " element " + j + ": autograd " + a[j]
                            + ", finite differences " + numeric);
                }
            }
        }
        assertTrue(largest > 1e-6, "Hessian-gradient product is zero: the check would be vacuous");
    }

    /** The draw that crossed a kink in CI (session 9): discarded, not failed. */
    @Example
    void aKinkWithinTheStepIsNotAFailure() {
        for (boolean fcBias : new boolean[] {false, true}) {
            try {
                hessianGradientProductMatchesFiniteDifferences(113, fcBias);
                throw new AssertionError("seed 113 no longer crosses a kink; pick another draw that does");
            } catch (org.opentest4j.TestAbortedException discarded) {
                // Assume.that threw: the draw was discarded
            }
        }
    }

    private static Tensor[] gradientAt(Net net, Tensor x, Tensor[] w, Tensor[] dir, double eps) {
        Tensor[] moved = new Tensor[w.length];
        try (var s = GradMode.noGrad()) {
            for (int i = 0; i < w.length; i++) moved[i] = w[i].detach().add(dir[i].mul(eps));
        }
        for (int i = 0; i < w.length; i++) moved[i] = moved[i].requiresGrad(true);
        return Autograd.grad(new Tensor[] {net.loss(x, moved)}, null, moved, false, false, false);
    }

    @Example
    void secondOrderGradcheckOfTheNetWithRespectToAllWeights() {
        Net net = new Net(20240607L, true);
        Tensor x = net.x();
        GradCheck.checkSecondOrder(in -> net.loss(x, in), net.params());
    }
}
