package peekaboo.backend;

import java.util.Map;
import java.util.SplittableRandom;
import static org.junit.jupiter.api.Assertions.assertSame;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import peekaboo.ops.F;
import peekaboo.ops.Indexing;
import peekaboo.ops.Normalization;
import peekaboo.ops.Pooling;
import peekaboo.ops.Sorting;
import peekaboo.ops.Views;
import peekaboo.optim.Bop;
import peekaboo.pab.psg.PsgConvolution;
import peekaboo.pab.psg.Quantizer;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * The backend conformance suite: every SPI kernel and the main public ops (with their gradients
 * through autograd) on seeded inputs, run on the CPU reference and on the backend under test, the
 * outputs compared at the tolerances of {@link Conformance#tol}: 2e-4 (abs + rel) for float32,
 * 1e-9 for float64, exact for integers and booleans. Inputs include broadcast (zero-stride) and
 * non-contiguous views. Subclasses name the backend and its skip list.
 */
public abstract class BackendConformanceProperties {
    /** The backend under test (may throw with a clear reason when it cannot exist here). */
    protected abstract Backend backend();

    /** Ops this backend may leave unsupported, with the reason: printed in the test report. */
    protected Map<String, String> skipList() { return Map.of(); }

    private Conformance harness;

    protected Conformance c() {
        if (harness == null) harness = new Conformance(backend(), skipList());
        return harness;
    }

    @Provide
    Arbitrary<Long> seeds() { return Arbitraries.longs(); }

    private static DType floatType(SplittableRandom r) { return r.nextBoolean() ? DType.F32 : DType.F64; }

    /** A non-contiguous view with x's values: x stored transposed, viewed back. */
    private static Tensor strided(Tensor x) {
        if (x.dim() < 2) return x;
        int d = x.dim();
        return x.transpose(d - 2, d - 1).contiguous().transpose(d - 2, d - 1);
    }

    // ---------------------------------------------------------------- elementwise

    @Property(tries = 12, seed = "101")
    void unaryOps(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        int[] shape = Conformance.shape(r, 0, 4, 5);
        Tensor x = Conformance.randn(seed, dt, shape), pos = Conformance.uniform(seed + 1, 0.1, 3, dt, shape);
        for (UnaryOp op : UnaryOp.values()) {
            boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.POW;
            double p0 = op == UnaryOp.CLAMP ? -0.5 : op == UnaryOp.POW ? 1.7 : 1.3, p1 = op == UnaryOp.CLAMP ? 0.7 : 0;
            c().check("unary " + op, dt, in -> {
                Tensor v = strided(in[0]), out = Tensor.zeros(in[0].backend(), dt, v.shape());
                v.backend().unary(op, v, p0, p1, out);
                return new Tensor[] {out};
            }, positive ? pos : x);
        }
    }

    @Property(tries = 12, seed = "102")
    void binaryOpsBroadcastAndStrided(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType da = floatType(r), db = r.nextInt(4) == 0 ? DType.I64 : floatType(r);
        int[] shape = Conformance.shape(r, 1, 4, 5), partner = Conformance.broadcastPartner(r, shape);
        Tensor a = Conformance.uniform(seed, 0.2, 2, da, shape), b = Conformance.uniform(seed + 1, 0.2, 2, db, partner);
        DType outType = DType.promote(da, db);
        for (BinaryOp op : BinaryOp.values()) {
            c().check("binary " + op, outType, in -> {
                Tensor x = strided(in[0]), y = in[1].expand(shape);
                Tensor out = Tensor.zeros(x.backend(), op.isComparison() ? DType.BOOL : outType, shape);
                x.backend().binary(op, x, y, out);
                return new Tensor[] {out};
            }, a, b);
        }
        c().check("public add/mul/div/maximum/compare", outType,
                in -> new Tensor[] {in[0].add(in[1]), in[0].mul(in[1]).sub(in[1]), in[0].div(in[1]), in[0].maximum(in[1]), in[0].gt(in[1])}, a, b);
    }

    @Property(tries = 10, seed = "103")
    void whereAndFill(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        int[] shape = Conformance.shape(r, 1, 3, 5);
        Tensor cond = Conformance.randn(seed, DType.BOOL, Conformance.broadcastPartner(r, shape));
        Tensor a = Conformance.randn(seed + 1, dt, shape), b = Conformance.randn(seed + 2, dt, Conformance.broadcastPartner(r, shape));
        c().check("where", dt, in -> new Tensor[] {Tensor.where(in[0], in[1], in[2]), in[1].maskedFill(in[0], -7)}, cond, a, b);
        c().check("fill (view)", dt, in -> {
            Tensor t = in[0].clone();
            t.slice(0, 0, t.size(0), 2).fillInPlace(3.5);
            return new Tensor[] {t};
        }, a);
    }

    @Property(tries = 10, seed = "104")
    void copyConvertsEveryDtypePair(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] shape = Conformance.shape(r, 1, 4, 4);
        for (DType from : DType.values()) {
            Tensor x = Conformance.randn(seed, from, shape);
            for (DType to : DType.values()) {
                c().check("copy " + from + " -> " + to, 1e-6, 1e-6, in -> new Tensor[] {strided(in[0]).to(to), strided(in[0]).contiguous()}, x);
            }
        }
    }

    // ---------------------------------------------------------------- reductions

    @Property(tries = 12, seed = "105")
    void reductions(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = r.nextInt(5) == 0 ? DType.I64 : floatType(r);
        int[] shape = Conformance.shape(r, 1, 4, 6);
        int dim = r.nextInt(shape.length);
        boolean keep = r.nextBoolean();
        Tensor x = Conformance.randn(seed, dt, shape);
        c().check("sum/mean/max/min", dt == DType.I64 ? DType.F64 : dt, in -> {
            Tensor v = strided(in[0]);
            var max = v.max(dim, keep);
            var min = v.min(dim, keep);
            return new Tensor[] {v.sum(), v.sum(dim), v.sum(shape.length == 1 ? new int[] {0} : new int[] {0, shape.length - 1}, keep), max.values(), max.indices(), min.values(),
                    min.indices(), v.max()};
        }, x);
        if (dt != DType.I64) c().check("mean", dt, in -> new Tensor[] {strided(in[0]).mean(dim), strided(in[0]).mean()}, x);
    }

    @Property(tries = 4, seed = "106")
    void longReductionsUseTheWorkGroupPath(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        Tensor x = Conformance.randn(seed, dt, 3, 700 + r.nextInt(3000));
        c().check("long sum/max/argmin", 1e-3, 1e-4, in -> new Tensor[] {in[0].sum(1), in[0].max(1, false).values(), in[0].argmin(1, false),
                in[0].sum(), in[0].transpose(0, 1).sum(0)}, x);
    }

    // ---------------------------------------------------------------- matmul

    @Property(tries = 12, seed = "107")
    void matmulWithTransposedViews(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        int batch = 1 + r.nextInt(3), m = 1 + r.nextInt(40), k = 1 + r.nextInt(40), n = 1 + r.nextInt(40);
        boolean ta = r.nextBoolean(), tb = r.nextBoolean();
        Tensor a = Conformance.randn(seed, dt, ta ? new int[] {batch, k, m} : new int[] {batch, m, k});
        Tensor b = Conformance.randn(seed + 1, dt, tb ? new int[] {batch, n, k} : new int[] {batch, k, n});
        a.requiresGrad(true);
        b.requiresGrad(true);
        c().check("matmul (+ grads)", dt, in -> {
            Tensor x = ta ? in[0].transpose(1, 2) : in[0], y = tb ? in[1].transpose(1, 2) : in[1];
            Tensor out = x.matmul(y);
            out.mul(out).sum().backward();
            return new Tensor[] {out, in[0].grad(), in[1].grad()};
        }, a, b);
    }

    // ---------------------------------------------------------------- conv2d

    @Property(tries = 10, seed = "108")
    void conv2dAndItsGradients(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        int groups = 1 + r.nextInt(2), cg = 1 + r.nextInt(3), kg = 1 + r.nextInt(3);
        int n = 1 + r.nextInt(3), h = 3 + r.nextInt(6), w = 3 + r.nextInt(6), kr = 1 + r.nextInt(3), ks = 1 + r.nextInt(3);
        int stride = 1 + r.nextInt(2), pad = r.nextInt(2), dil = 1 + r.nextInt(2);
        if (h + 2 * pad - dil * (kr - 1) - 1 < 0 || w + 2 * pad - dil * (ks - 1) - 1 < 0) { dil = 1; pad = 1; kr = Math.min(kr, h); ks = Math.min(ks, w); }
        final int fs = stride, fp = pad, fd = dil, fg = groups;
        Tensor x = Conformance.randn(seed, dt, n, cg * groups, h, w).requiresGrad(true);
        Tensor wt = Conformance.randn(seed + 1, dt, kg * groups, cg, kr, ks).requiresGrad(true);
        Tensor bias = r.nextBoolean() ? Conformance.randn(seed + 2, dt, kg * groups).requiresGrad(true) : null;
        c().check("conv2d (+ input, weight, bias grads)", dt, in -> {
            Tensor y = F.conv2d(in[0], in[1], in[2], fs, fp, fd, fg);
            y.mul(y).sum().backward();
            return new Tensor[] {y, in[0].grad(), in[1].grad(), in[2] == null ? null : in[2].grad()};
        }, x, wt, bias);
    }

    // ---------------------------------------------------------------- pooling, batch norm, losses

    @Property(tries = 8, seed = "109")
    void pooling(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        int k = 2 + r.nextInt(2), s = 1 + r.nextInt(2), p = r.nextInt(k / 2 + 1);
        boolean ceil = r.nextBoolean(), includePad = r.nextBoolean();
        Tensor x = Conformance.randn(seed, dt, 1 + r.nextInt(2), 1 + r.nextInt(3), 4 + r.nextInt(5), 4 + r.nextInt(5)).requiresGrad(true);
        c().check("max/avg pool (+ grads)", dt, in -> {
            Tensor a = Pooling.maxPool2d(in[0], new int[] {k, k}, new int[] {s, s}, new int[] {p, p}, ceil);
            Tensor b = Pooling.avgPool2d(in[0], new int[] {k, k}, new int[] {s, s}, new int[] {p, p}, ceil, includePad);
            a.sum().add(b.mul(b).sum()).backward();
            return new Tensor[] {a, b, in[0].grad(), F.adaptiveAvgPool2d(in[0].detach(), 1, 1)};
        }, x);
    }

    @Property(tries = 8, seed = "110")
    void batchNormTrainAndEval(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        int ch = 1 + r.nextInt(4);
        Tensor x = Conformance.randn(seed, dt, 2 + r.nextInt(3), ch, 1 + r.nextInt(4), 1 + r.nextInt(4)).requiresGrad(true);
        Tensor w = Conformance.uniform(seed + 1, 0.5, 1.5, dt, ch).requiresGrad(true), b = Conformance.randn(seed + 2, dt, ch).requiresGrad(true);
        Tensor rm = Conformance.randn(seed + 3, dt, ch), rv = Conformance.uniform(seed + 4, 0.5, 2, dt, ch);
        c().check("batch norm train (+ grads, running stats)", 1e-3, 1e-3, in -> {
            Tensor y = F.batchNorm(in[0], in[3], in[4], in[1], in[2], true, 0.1, 1e-5);
            y.mul(y.detach().add(0.3)).sum().backward();
            return new Tensor[] {y, in[0].grad(), in[1].grad(), in[2].grad(), in[3], in[4]};
        }, x, w, b, rm, rv);
        c().check("batch norm eval", dt, in -> new Tensor[] {F.batchNorm(in[0].detach(), in[3], in[4], in[1].detach(), in[2].detach(), false, 0.1, 1e-5)},
                x, w, b, rm, rv);
        c().check("channel affine", dt, in -> new Tensor[] {Normalization.channelAffine(strided(in[0].detach()).contiguous(), in[1].detach(), in[2].detach())},
                x, w, b);
    }

    @Property(tries = 8, seed = "111")
    void crossEntropyAndSoftmax(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        int n = 1 + r.nextInt(6), classes = 2 + r.nextInt(8);
        Tensor logits = Conformance.randn(seed, dt, n, classes).requiresGrad(true);
        Tensor target = Conformance.indices(seed + 1, classes, n);
        c().check("cross entropy (+ grad), softmax", dt, in -> {
            Tensor loss = F.crossEntropy(in[0], in[1]);
            loss.backward();
            return new Tensor[] {loss, in[0].grad(), F.softmax(in[0].detach(), 1)};
        }, logits, target);
    }

    // ---------------------------------------------------------------- indexing, views, sorting

    @Property(tries = 10, seed = "112")
    void gatherAndScatterAdd(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        int[] shape = Conformance.shape(r, 1, 3, 5);
        int dim = r.nextInt(shape.length);
        int[] idxShape = shape.clone();
        idxShape[dim] = 1 + r.nextInt(6);
        Tensor x = Conformance.randn(seed, dt, shape).requiresGrad(true);
        Tensor idx = Conformance.indices(seed + 1, shape[dim], idxShape), src = Conformance.randn(seed + 2, dt, idxShape);
        c().check("gather (+ grad = scatterAdd), scatterAdd", dt, in -> {
            Tensor g = Indexing.gather(strided(in[0]), dim, in[1]);
            g.mul(g).sum().backward();
            return new Tensor[] {g, in[0].grad(), Indexing.scatterAdd(in[0].detach(), dim, in[1], in[2])};
        }, x, idx, src);
    }

    @Property(tries = 8, seed = "113")
    void catViewsAndContiguous(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = r.nextInt(4) == 0 ? DType.I64 : floatType(r);
        Tensor a = Conformance.randn(seed, dt, 3, 4, 5), b = Conformance.randn(seed + 1, dt, 3, 2, 5);
        c().check("cat, permute/slice/expand + contiguous", dt == DType.I64 ? DType.F64 : dt, in -> new Tensor[] {
                Views.cat(1, in[0], in[1]), in[0].permute(2, 0, 1).contiguous(), in[0].slice(2, 1, 5, 2).contiguous(),
                in[1].slice(1, 0, 1, 1).expand(3, 6, 5).contiguous(), Views.cat(0, in[0].transpose(1, 2), in[0].transpose(1, 2))}, a, b);
    }

    @Property(tries = 8, seed = "114")
    void sortAndKthValue(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        Tensor x = Conformance.randn(seed, dt, 1 + r.nextInt(4), 1 + r.nextInt(30));
        boolean desc = r.nextBoolean();
        long k = 1 + r.nextInt(x.numel());
        c().check("sort, topk, kthSmallest", dt, in -> {
            var s = Sorting.sort(strided(in[0]), desc);
            var t = Sorting.topk(in[0], 1, true);
            double kth = Sorting.kthSmallest(in[0], k);
            return new Tensor[] {s.values(), s.indices(), t.values(), t.indices(), Tensor.scalar(DType.F64, kth)};
        }, x);
    }

    // ---------------------------------------------------------------- PaB kernels: bit-exact (spec sections 3 and 4)

    /** PSG's weight gradient of Q(x) and Q(dy): the CPU quantises while it copies, other backends through the SPI default. */
    @Property(tries = 8, seed = "115")
    void psgQuantizedWeightGradient(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int stride = 1 + r.nextInt(2);
        ConvShape g = new ConvShape(1 + r.nextInt(3), 1 + r.nextInt(4), 4 + r.nextInt(6), 4 + r.nextInt(6), 1 + r.nextInt(5), 3, 3,
                stride, stride, 1, 1, 1, 1, 1);
        Quantization qx = new Quantization(1 + r.nextInt(8), 1.5f, r.nextBoolean());
        Quantization qdy = r.nextInt(4) == 0 ? null : new Quantization(8 + r.nextInt(9), 2f, true);
        Tensor x = Conformance.randn(seed, DType.F32, g.n(), g.c(), g.h(), g.w());
        Tensor dy = Conformance.randn(seed + 1, DType.F32, g.n(), g.k(), g.outH(), g.outW());
        c().check("PSG weight gradient of quantised operands", DType.F32, in -> {
            Tensor dw = Tensor.zeros(in[0].backend(), DType.F32, g.k(), g.cg(), g.r(), g.s());
            in[0].backend().conv2dWeightGradQuantized(in[0], qx, in[1], qdy, g, dw);
            return new Tensor[] {dw};
        }, x, dy);
    }

    @Property(tries = 12, seed = "116")
    void psgQuantiserBitExact(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int bits = r.nextInt(3) == 0 ? 17 + r.nextInt(15) : 1 + r.nextInt(16);
        boolean signed = r.nextBoolean();
        float max = (float) Math.scalb(1.0, r.nextInt(7) - 3);  // a power of two: the ties below are exact
        Tensor x = PabInputs.quantiserInput(r, Conformance.shape(r, 1, 4, 7), bits, max, signed);
        c().checkExact("PSG quantiser (kernel, scales, strided input)", in -> {
            Tensor v = in[0], out = Tensor.zeros(v.backend(), DType.F32, v.shape());
            v.backend().quantize(v, bits, max, signed, out);
            return new Tensor[] {out, Quantizer.quantize(v, bits, max, signed), Quantizer.quantizeInput(strided(v), bits, signed),
                    Quantizer.quantizeGrad(v, bits), Tensor.scalar(DType.F32, Quantizer.inputScale(v)), Tensor.scalar(DType.F32, Quantizer.gradScale(v))};
        }, x);
    }

    @Property(tries = 12, seed = "117")
    void psgCombineBitExact(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        int[] shape = Conformance.shape(r, 1, 4, 6);
        Tensor msb = PabInputs.gradient(r, dt, shape), exact = PabInputs.gradient(r, dt, shape);
        double[] m = msb.toDoubleArray();
        double[] ts = {0, Math.abs(m[r.nextInt(m.length)]), 1e-3, Double.NaN};  // 0 keeps all; |msb[k]| is a tie
        double t = ts[r.nextInt(ts.length)], v = new double[] {0, 1e-7, 0.05, 0.5}[r.nextInt(4)];
        boolean sparsify = r.nextBoolean(), takeSign = r.nextBoolean(), noExact = (sparsify || t == 0) && r.nextBoolean();
        c().checkExact("PSG combine (kernel, PsgConvolution.combine)", in -> {
            Tensor out = Tensor.zerosLike(in[0]);
            in[0].backend().psgCombine(in[0], noExact ? null : in[1], t, sparsify, takeSign, out);
            return new Tensor[] {out, PsgConvolution.combine(in[0], in[1], v, sparsify, takeSign)};
        }, msb, exact);
    }

    @Property(tries = 12, seed = "118")
    void bopStepBitExact(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DType dt = floatType(r);
        int[] shape = Conformance.shape(r, 1, 4, 6);
        double ar = new double[] {1e-3, 0.5, 0.3, 0.9}[r.nextInt(4)];
        Tensor p = PabInputs.gradient(r, dt, shape), g0 = PabInputs.gradient(r, dt, shape), g1 = PabInputs.gradient(r, dt, shape),
                g2 = PabInputs.gradient(r, dt, shape), counts = Conformance.indices(seed, 5, shape);
        double[] first = g0.toDoubleArray();
        // with ar 0.5 the first m is exactly 1.5 g: tau = 1.5 |g[k]| is a tie of |m| >= tau
        double tie = first[r.nextInt(first.length)]; // the inputs hold NaNs on purpose; tau must stay finite
        double tau = new double[] {0, 1e-6, 0.01, 1.5 * (Double.isNaN(tie) ? 0 : Math.abs(tie))}[r.nextInt(4)];
        c().checkExact("Bop step (kernel, optimiser, state dict)", in -> {
            Tensor pk = in[0].clone(), m = Tensor.zerosLike(pk), ck = in[4].clone();
            long[] flips = new long[3];
            for (int k = 0; k < 3; k++) flips[k] = pk.backend().bopStep(pk, in[1 + k], m, ck, ar, tau, k == 0);
            // the optimiser: a strided parameter and gradient, a checkpoint taken and loaded on the backend
            Tensor w = strided(in[0].clone()).requiresGrad(true);
            Bop bop = new Bop(Map.of("w", w), ar, tau);
            long[] bopFlips = new long[3];
            for (int k = 0; k < 2; k++) {
                w.setGrad(strided(in[1 + k]));
                bop.step();
                bopFlips[k] = bop.flipsLastStep();
            }
            Map<String, Tensor> state = bop.stateDict();
            assertSame(Backends.cpu(), state.get("bop.m.w").backend(), "m is saved as a CPU snapshot");
            assertSame(Backends.cpu(), state.get("bop.flip_count.w").backend(), "flip counts are saved as a CPU snapshot");
            Tensor w2 = w.detach().clone().requiresGrad(true);
            Bop resumed = new Bop(Map.of("w", w2), ar, tau);
            resumed.loadStateDict(state);
            w2.setGrad(in[3]);
            resumed.step();
            bopFlips[2] = resumed.flipsLastStep();
            return new Tensor[] {pk, m, ck, Tensor.of(flips, 3), w.detach(), w2.detach(), resumed.flipCounts().get("w"), Tensor.of(bopFlips, 3),
                    state.get("bop.m.w").to(pk.backend())};
        }, p, g0, g1, g2, counts);
    }

    /** Three PaB steps of PsgResNet20 (SynFlow 0.3, Bop, the seed's PSG flags), batch 8 of 3x16x16: see {@link PabSteps#assertClose}. */
    @Example
    void fewPabTrainingStepsOfPsgResNet20() {
        for (long seed : new long[] {1, 10}) {  // two where a ReLU kink makes the backends part after step 1 on PoCL
            Tensor x = Conformance.randn(seed, DType.F32, 8, 3, 16, 16), y = Conformance.indices(seed + 1, 10, 8);
            PabSteps.Result[] r = new PabSteps.Result[2];
            Backend[] on = {Backends.cpu(), c().backend()};
            for (int b = 0; b < 2; b++) {
                int i = b;
                Conformance.runOn(on[b], in -> {
                    r[i] = PabSteps.run(in[0], in[1], seed * 13, 3);
                    return new Tensor[0];
                }, new Tensor[] {x, y});
            }
            PabSteps.assertClose(r[0], r[1], c().backend().name());
        }
    }

    @Property(tries = 3, seed = "119")
    void fewTrainingStepsOfATinyConvNet(@ForAll("seeds") long seed) {
        Tensor x = Conformance.randn(seed, DType.F32, 4, 2, 8, 8);
        Tensor y = Conformance.indices(seed + 1, 3, 4);
        Tensor w1 = Conformance.randn(seed + 2, DType.F32, 4, 2, 3, 3).mul(0.3).requiresGrad(true);
        Tensor w2 = Conformance.randn(seed + 3, DType.F32, 3, 4 * 4 * 4).mul(0.1).requiresGrad(true);
        Tensor g = Conformance.uniform(seed + 4, 0.8, 1.2, DType.F32, 4).requiresGrad(true);
        Tensor bb = Conformance.randn(seed + 5, DType.F32, 4).mul(0.1).requiresGrad(true);
        c().check("tiny conv net, 3 SGD steps", 1e-3, 1e-3, in -> {
            Tensor[] params = {in[2], in[3], in[4], in[5]};
            Tensor loss = null;
            for (int step = 0; step < 3; step++) {
                Tensor h = F.conv2d(in[0], params[0], null, 1, 1, 1, 1);
                h = F.batchNorm(h, null, null, params[2], params[3], true, 0.1, 1e-5).relu();
                h = F.maxPool2d(h, 2, 2, 0).reshape(4, -1);
                loss = F.crossEntropy(F.linear(h, params[1], null), in[1]);
                for (Tensor p : params) p.zeroGrad();
                loss.backward();
                try (var scope = peekaboo.autograd.GradMode.noGrad()) {
                    for (Tensor p : params) p.subInPlace(p.grad().mul(0.1));
                }
            }
            return new Tensor[] {loss, params[0], params[1], params[2], params[3]};
        }, x, y, w1, w2, g, bb);
    }
}
