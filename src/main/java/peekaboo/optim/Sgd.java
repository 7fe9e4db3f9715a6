package peekaboo.optim;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import peekaboo.backend.Backends;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * Stochastic gradient descent with momentum, as {@code torch.optim.SGD(params, lr, momentum, dampening=0,
 * weight_decay, nesterov)} (spec section 3). Per element, with gradient g and parameter p:
 * <pre>
 *   d   = fma(wd, p, g)                 (skipped when wd == 0, as PyTorch does)
 *   buf = d on the first step, else momentum * buf + d   (two roundings)
 *   s   = buf, or with nesterov fma(momentum, buf, d)     (PyTorch: d.add(buf, alpha=momentum))
 *   p   = fma(-lr, s, p)                (PyTorch: p.add_(s, alpha=-lr))
 * </pre>
 * A float32 parameter is computed in float32 arithmetic with lr, momentum and wd first rounded to float,
 * as PyTorch's CPU kernels do ({@code alpha.to<float>()}, a vectorised {@code fmadd} for
 * {@code add(x, alpha=a)}); a float64 parameter in double. With momentum 0 there is no buffer and s = d.
 * Parameters whose grad is null are skipped (their buffer and step count stay as they were).
 *
 * <p>The state ({@link #stateDict()}): {@code sgd.lr}, {@code sgd.momentum}, {@code sgd.weight_decay} (0-dim
 * float64), {@code sgd.nesterov} (0-dim int64, 0 or 1), and per parameter {@code sgd.step.<name>} (0-dim
 * int64, the number of steps that parameter has taken) and {@code sgd.momentum_buffer.<name>} (when
 * momentum != 0). Loading restores lr and the per-parameter state; momentum, weight decay and nesterov are
 * fixed at construction and must match the checkpoint.
 */
public final class Sgd implements Optimizer {
    static final String PREFIX = "sgd.";

    private final Map<String, Tensor> params;
    /** name -> momentum buffer on the CPU backend, in the parameter's dtype (absent when momentum == 0). */
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Long> steps = new LinkedHashMap<>();
    private final double momentum;
    private final double weightDecay;
    private final boolean nesterov;
    private double lr;

    /** {@code torch.optim.SGD(params, lr, momentum, dampening=0, weight_decay=weightDecay, nesterov=nesterov)}. */
    public Sgd(Map<String, Tensor> params, double lr, double momentum, double weightDecay, boolean nesterov) {
        checkLr(lr);
        if (!(momentum >= 0)) throw new IllegalArgumentException("--momentum must be >= 0, got " + momentum);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("--weight-decay must be >= 0, got " + weightDecay);
        if (nesterov && momentum == 0) throw new IllegalArgumentException("nesterov momentum needs --momentum > 0, got 0");
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        for (Map.Entry<String, Tensor> e : this.params.entrySet()) {
            Tensor p = e.getValue();
            HostArrays.checkFloating(p, e.getKey());
            steps.put(e.getKey(), 0L);
            if (momentum != 0) buffers.put(e.getKey(), Tensor.zeros(Backends.cpu(), p.dtype(), p.shape()));
        }
    }

    private static void checkLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("--lr must be a finite number >= 0, got " + lr);
    }

    public double lr() { return lr; }

    /** Sets the learning rate for the next steps (what a schedule does: {@code group['lr'] = lr}). */
    public void setLr(double lr) {
        checkLr(lr);
        this.lr = lr;
    }

    public double momentum() { return momentum; }

    public double weightDecay() { return weightDecay; }

    public boolean nesterov() { return nesterov; }

    /** The parameters, by name, in the order given. */
    public Map<String, Tensor> parameters() { return params; }

    @Override
    public void step() {
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            String name = e.getKey();
            Tensor p = e.getValue();
            if (p.grad() == null) continue;
            Tensor g = HostArrays.gradLike(p, p.grad(), name);
            long k = steps.get(name);
            Tensor buf = buffers.get(name);
            if (p.dtype() == DType.F32) {
                float[] pa = HostArrays.floats(p);
                float[] ba = buf == null ? null : HostArrays.floats(buf);
                stepF32(pa, HostArrays.base(p), HostArrays.floats(g), HostArrays.base(g), ba, buf == null ? 0 : HostArrays.base(buf),
                        p.numel(), k == 0);
                HostArrays.writeBack(p, pa);
                if (buf != null) HostArrays.writeBack(buf, ba);
            } else {
                double[] pa = HostArrays.doubles(p);
                double[] ba = buf == null ? null : HostArrays.doubles(buf);
                stepF64(pa, HostArrays.base(p), HostArrays.doubles(g), HostArrays.base(g), ba, buf == null ? 0 : HostArrays.base(buf),
                        p.numel(), k == 0);
                HostArrays.writeBack(p, pa);
                if (buf != null) HostArrays.writeBack(buf, ba);
            }
            steps.put(name, k + 1);
        }
    }

    private void stepF32(float[] p, int po, float[] g, int go, float[] buf, int bo, int n, boolean first) {
        final float negLr = (float) -lr, mom = (float) momentum, wd = (float) weightDecay;
        final boolean decay = weightDecay != 0;
        for (int i = 0; i < n; i++) {
            float pi = p[po + i];
            float d = decay ? Math.fma(wd, pi, g[go + i]) : g[go + i];
            float s = d;
            if (buf != null) {
                float b = first ? d : buf[bo + i] * mom + d;
                buf[bo + i] = b;
                s = nesterov ? Math.fma(mom, b, d) : b;
            }
            p[po + i] = Math.fma(negLr, s, pi);
        }
    }

    private void stepF64(double[] p, int po, double[] g, int go, double[] buf, int bo, int n, boolean first) {
        final double negLr = -lr, mom = momentum, wd = weightDecay;
        final boolean decay = weightDecay != 0;
        for (int i = 0; i < n; i++) {
            double pi = p[po + i];
            double d = decay ? Math.fma(wd, pi, g[go + i]) : g[go + i];
            double s = d;
            if (buf != null) {
                double b = first ? d : buf[bo + i] * mom + d;
                buf[bo + i] = b;
                s = nesterov ? Math.fma(mom, b, d) : b;
            }
            p[po + i] = Math.fma(negLr, s, pi);
        }
    }

    @Override
    public void zeroGrad() {
        for (Tensor p : params.values()) p.zeroGrad();
    }

    @Override
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(PREFIX + "lr", StateDicts.double0(lr));
        out.put(PREFIX + "momentum", StateDicts.double0(momentum));
        out.put(PREFIX + "weight_decay", StateDicts.double0(weightDecay));
        out.put(PREFIX + "nesterov", StateDicts.long0(nesterov ? 1 : 0));
        for (String name : params.keySet()) {
            out.put(PREFIX + "step." + name, StateDicts.long0(steps.get(name)));
            if (buffers.containsKey(name)) out.put(PREFIX + "momentum_buffer." + name, StateDicts.snapshot(buffers.get(name)));
        }
        return out;
    }

    @Override
    public void loadStateDict(Map<String, Tensor> state) {
        Set<String> known = new HashSet<>(stateDict().keySet());
        StateDicts.rejectUnknown(state, PREFIX, known);
        double newLr = StateDicts.scalarEntry(state, PREFIX + "lr");
        checkLr(newLr);
        StateDicts.requireSame(state, PREFIX + "momentum", momentum, "--momentum");
        StateDicts.requireSame(state, PREFIX + "weight_decay", weightDecay, "--weight-decay");
        StateDicts.requireSame(state, PREFIX + "nesterov", nesterov ? 1 : 0, "nesterov");
        Map<String, Long> newSteps = new LinkedHashMap<>();
        Map<String, Tensor> newBuffers = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            String name = e.getKey();
            long k = (long) StateDicts.scalarEntry(state, PREFIX + "step." + name);
            if (k < 0) throw new IllegalArgumentException("optimiser state '" + PREFIX + "step." + name + "' is negative: " + k);
            newSteps.put(name, k);
            if (buffers.containsKey(name)) {
                newBuffers.put(name, StateDicts.tensorEntry(state, PREFIX + "momentum_buffer." + name, e.getValue().shape(), e.getValue().dtype()));
            }
        }
        // Everything checked: now change the state (a failed load leaves the optimiser as it was).
        lr = newLr;
        steps.putAll(newSteps);
        newBuffers.forEach((name, src) -> StateDicts.copyInto(buffers.get(name), src));
    }
}
