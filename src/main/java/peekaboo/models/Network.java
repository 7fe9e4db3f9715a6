package peekaboo.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import peekaboo.nn.BatchNorm2d;
import peekaboo.nn.Conv2d;
import peekaboo.nn.Linear;
import peekaboo.nn.Module;
import peekaboo.tensor.Tensor;

/**
 * A whole model of the registry, with the groupings PaB needs (spec sections 2 and 3):
 * the prunable weights (of every masked layer) with their masks, the Bop parameters (every
 * parameter of every conv) and the rest (BN and classifier parameters, trained by SGD).
 */
public abstract class Network extends Module {
    private final String arch;
    private final int numClasses;
    private final int[] inputShape;

    protected Network(String arch, int numClasses, int[] inputShape) {
        this.arch = arch;
        this.numClasses = numClasses;
        this.inputShape = inputShape.clone();
    }

    public String arch() { return arch; }

    public int numClasses() { return numClasses; }

    /** The input [C, H, W] the model is built for. */
    public int[] inputShape() { return inputShape.clone(); }

    /** Every conv layer, in module order. */
    public final List<Conv2d> convs() {
        List<Conv2d> out = new ArrayList<>();
        for (Module m : namedModules().values()) if (m instanceof Conv2d c) out.add(c);
        return out;
    }

    /** name of weight -> {weight, weight_mask} for every masked layer, in module order (spec section 2). */
    public final Map<String, Tensor[]> prunable() {
        Map<String, Tensor[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            Module m = e.getValue();
            boolean masked = m instanceof Conv2d c && c.masked || m instanceof Linear l && l.masked;
            if (masked) out.put(prefix(e.getKey()) + "weight", new Tensor[] {m.param("weight"), m.buffer("weight_mask")});
        }
        return out;
    }

    /** Every parameter of every conv (weights and VGG's conv biases): what Bop trains. */
    public final Map<String, Tensor> bopParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            if (!(e.getValue() instanceof Conv2d c)) continue;
            for (String p : new String[] {"weight", "bias"}) {
                if (c.param(p) != null) out.put(prefix(e.getKey()) + p, c.param(p));
            }
        }
        return out;
    }

    /** BN and Linear parameters: what SGD trains next to Bop. */
    public final Map<String, Tensor> nonBopParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            Module m = e.getValue();
            if (!(m instanceof BatchNorm2d || m instanceof Linear)) continue;
            for (String p : new String[] {"weight", "bias"}) {
                if (m.param(p) != null) out.put(prefix(e.getKey()) + p, m.param(p));
            }
        }
        return out;
    }

    private static String prefix(String moduleName) { return moduleName.isEmpty() ? "" : moduleName + "."; }
}
