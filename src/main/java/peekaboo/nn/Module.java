package peekaboo.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import peekaboo.autograd.GradMode;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * A layer or a network, as {@code torch.nn.Module}: named parameters (tensors that require grad),
 * named buffers (running statistics, masks) and named child modules. {@link #stateDict()} gives
 * exactly PyTorch's keys and order: for each module, pre-order, its parameters, then its buffers,
 * then its children's entries under {@code childName.}.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    private static final ThreadLocal<List<ForwardHook>> HOOKS = ThreadLocal.withInitial(ArrayList::new);

    /** Applies the module to its input (and tells any forward hooks of this thread). */
    public final Tensor forward(Tensor x) {
        Tensor y = compute(x);
        tellHooks(x, y);
        return y;
    }

    /** Tells this thread's forward hooks that this module mapped x to y (for forwards other than {@link #forward}). */
    protected final void tellHooks(Tensor x, Tensor y) {
        List<ForwardHook> hooks = HOOKS.get();
        for (int i = 0; i < hooks.size(); i++) hooks.get(i).after(this, x, y);
    }

    /** What the module computes; called through {@link #forward}. */
    protected abstract Tensor compute(Tensor x);

    /** Called after every module's forward on this thread while registered (for summaries and tracing). */
    @FunctionalInterface
    public interface ForwardHook {
        void after(Module module, Tensor input, Tensor output);
    }

    /** Registers a hook on this thread until the returned scope is closed. */
    public static HookScope addForwardHook(ForwardHook hook) {
        HOOKS.get().add(hook);
        return () -> HOOKS.get().remove(hook);
    }

    /** A scope whose close does not throw. */
    public interface HookScope extends AutoCloseable {
        @Override
        void close();
    }

    // ------------------------------------------------------------------ registration

    /** Registers (or replaces) a parameter; it is made a leaf that requires grad. */
    protected final Tensor registerParameter(String name, Tensor value) {
        Tensor p = value.isLeaf() ? value : value.detach();
        p.requiresGrad(true);
        parameters.put(name, p);
        return p;
    }

    protected final Tensor registerBuffer(String name, Tensor value) {
        buffers.put(name, value);
        return value;
    }

    protected final <M extends Module> M registerModule(String name, M module) {
        children.put(name, module);
        return module;
    }

    /** This module's own parameter (not a child's), or null. */
    public final Tensor param(String name) { return parameters.get(name); }

    /** This module's own buffer, or null. */
    public final Tensor buffer(String name) { return buffers.get(name); }

    public final Module child(String name) { return children.get(name); }

    /** relu(child(name).forward(x)) for a BatchNorm2d child, as one fused op ({@link BatchNorm2d#forwardRelu}). */
    protected final Tensor bnRelu(String name, Tensor x) { return ((BatchNorm2d) child(name)).forwardRelu(x); }

    public final Map<String, Module> children() { return java.util.Collections.unmodifiableMap(children); }

    // ------------------------------------------------------------------ traversal

    /** Every parameter under its dotted PyTorch name, in PyTorch's order. */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, false);
        return out;
    }

    public final List<Tensor> parameters() { return new ArrayList<>(namedParameters().values()); }

    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false, true);
        return out;
    }

    /** Parameters and buffers under their PyTorch state_dict keys and in that order. */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, true);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean params, boolean bufs) {
        if (params) parameters.forEach((k, v) -> out.put(prefix + k, v));
        if (bufs) buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, params, bufs));
    }

    /** This module and every descendant, pre-order, under dotted names ("" for this one). */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        namedModules("", out);
        return out;
    }

    private void namedModules(String name, Map<String, Module> out) {
        out.put(name, this);
        children.forEach((k, m) -> m.namedModules(name.isEmpty() ? k : name + "." + k, out));
    }

    // ------------------------------------------------------------------ state

    /**
     * Copies values from a state dict into this module's tensors (in place, keeping their identity).
     * Strict: any missing, unexpected or mis-shaped key fails with one message listing them all, and
     * nothing is changed. Non-strict: matching keys are loaded, the rest reported.
     */
    public final LoadReport loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        LoadReport report = LoadReport.compare(own, state);
        if (strict && !report.isClean()) throw new IllegalArgumentException("cannot load the state dict: " + report.describe());
        try (var scope = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src == null || !java.util.Arrays.equals(src.shape(), e.getValue().shape())) continue;
                e.getValue().copyFrom(src);
            }
        }
        return report;
    }

    /** Converts every floating-point parameter and buffer to {@code dtype} (like {@code model.double()}). */
    public final Module to(DType dtype) {
        if (!dtype.isFloating()) throw new IllegalArgumentException("a module can only be converted to a floating dtype, not " + dtype);
        try (var scope = GradMode.noGrad()) {
            parameters.replaceAll((k, v) -> v.dtype() == dtype ? v : v.to(dtype).requiresGrad(true));
            buffers.replaceAll((k, v) -> v.dtype().isFloating() && v.dtype() != dtype ? v.to(dtype) : v);
        }
        children.values().forEach(m -> m.to(dtype));
        return this;
    }

    /** Sets training mode here and below (BatchNorm uses batch statistics in training). */
    public final Module train(boolean mode) {
        training = mode;
        children.values().forEach(m -> m.train(mode));
        return this;
    }

    public final Module eval() { return train(false); }

    public final boolean isTraining() { return training; }

    /** Clears every parameter's gradient. */
    public final void zeroGrad() { parameters().forEach(Tensor::zeroGrad); }

    /** Number of parameter elements. */
    public final long parameterCount() {
        long n = 0;
        for (Tensor p : parameters()) n += p.numel();
        return n;
    }

    /** A one-line description for summaries, e.g. {@code Conv2d(16, 32, 3x3, stride 2)}. */
    public String describe() { return getClass().getSimpleName(); }

    static String shape(Tensor t) { return Shape.str(t.shape()); }
}
