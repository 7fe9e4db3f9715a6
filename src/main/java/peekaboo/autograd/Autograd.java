package peekaboo.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * Reverse-mode differentiation over the dynamic graph of {@link Node}s. Each node's backward is made
 * of tensor ops; with {@code createGraph} those ops are recorded too, which gives higher derivatives.
 */
public final class Autograd {
    private Autograd() {}

    /** True when an op applied to these inputs must record a node: grad mode is on and some input requires grad. */
    public static boolean needsGraph(Tensor... inputs) {
        if (!GradMode.isEnabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /** Accumulates d(root)/d(leaf) into every leaf's {@code grad}, like {@code root.backward(gradient)}. */
    public static void backward(Tensor root, Tensor gradient, boolean retainGraph, boolean createGraph) {
        Tensor seed = seedGradient(root, gradient);
        Map<Tensor, Tensor> leafGrads = run(new Tensor[] {root}, new Tensor[] {seed}, retainGraph, createGraph, null);
        try (var scope = GradMode.set(createGraph)) {
            for (Map.Entry<Tensor, Tensor> e : leafGrads.entrySet()) {
                Tensor leaf = e.getKey();
                Tensor g = e.getValue();
                // a fresh copy: the same gradient tensor may reach several leaves (or be the caller's seed),
                // and an optimiser may change one leaf's grad in place
                if (!createGraph) g = leaf.grad() == null ? g.detach().clone() : g.detach();
                leaf.setGrad(leaf.grad() == null ? g : leaf.grad().add(g));
            }
        }
    }

    /**
     * The gradients of the sum of {@code outputs} (weighted by {@code gradOutputs}, ones for scalars when null)
     * with respect to {@code inputs}, without touching any {@code grad} field ({@code torch.autograd.grad}).
     */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] gradOutputs, Tensor[] inputs,
                                boolean retainGraph, boolean createGraph, boolean allowUnused) {
        Tensor[] seeds = new Tensor[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            seeds[i] = seedGradient(outputs[i], gradOutputs == null ? null : gradOutputs[i]);
        }
        Map<Tensor, Tensor> captured = run(outputs, seeds, retainGraph, createGraph, inputs);
        Tensor[] result = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor g = captured.get(inputs[i]);
            if (g == null && !allowUnused) {
                throw new IllegalArgumentException("input " + i + " (shape " + Shape.str(inputs[i].shape())
                        + ") was not used to compute the outputs, or does not require grad; pass allowUnused=true to get null for it");
            }
            result[i] = g;
        }
        return result;
    }

    private static Tensor seedGradient(Tensor root, Tensor gradient) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward of a tensor of shape " + Shape.str(root.shape())
                    + " that does not require grad: none of the tensors it was computed from has requiresGrad set");
        }
        if (gradient == null) {
            if (root.numel() != 1) {
                throw new IllegalArgumentException("backward of a non-scalar tensor of shape " + Shape.str(root.shape())
                        + " needs a gradient argument of that shape; only one-element tensors get the implicit gradient 1");
            }
            return Tensor.onesLike(root);
        }
        if (!java.util.Arrays.equals(gradient.shape(), root.shape())) {
            throw new IllegalArgumentException("the gradient has shape " + Shape.str(gradient.shape())
                    + " but the tensor it differentiates has shape " + Shape.str(root.shape()));
        }
        if (gradient.dtype() != root.dtype()) {
            throw new IllegalArgumentException("the gradient has dtype " + gradient.dtype() + " but the tensor it differentiates has dtype " + root.dtype());
        }
        return gradient;
    }

    /**
     * Runs the backward pass. Returns gradients of leaves (when {@code captureFor} is null) or of the tensors in
     * {@code captureFor} (leaves or not), keyed by tensor identity.
     */
    private static Map<Tensor, Tensor> run(Tensor[] roots, Tensor[] seeds, boolean retainGraph, boolean createGraph,
                                           Tensor[] captureFor) {
        Map<Tensor, Tensor> result = new IdentityHashMap<>();
        Map<Node, Tensor> captureNodes = new IdentityHashMap<>();
        Map<Tensor, Boolean> wanted = new IdentityHashMap<>();
        if (captureFor != null) {
            for (Tensor t : captureFor) {
                wanted.put(t, Boolean.TRUE);
                if (t.gradFn() != null) captureNodes.put(t.gradFn(), t);
            }
        }
        Map<Node, Tensor> pending = new IdentityHashMap<>();
        GradRecycler recycler = new GradRecycler(!createGraph);
        for (int i = 0; i < roots.length; i++) {
            Tensor root = roots[i];
            recycler.keep(seeds[i]);
            if (root.gradFn() == null) {
                accumulateLeaf(result, wanted, captureFor, root, seeds[i]);
            } else {
                addPending(pending, recycler, root.gradFn(), seeds[i]);
            }
        }
        recycler.recycleDead();
        List<Node> order = topologicalOrder(roots);
        try (var scope = GradMode.set(createGraph)) {
            for (Node node : order) {
                Tensor g = pending.remove(node);
                if (g == null) continue;
                recycler.release(g);
                Tensor captured = captureNodes.get(node);
                if (captured != null) {
                    recycler.keep(g);
                    recycler.keep(result.merge(captured, g, Tensor::add));
                }
                Tensor[] inputGrads = node.apply(g);
                if (!retainGraph) node.release();
                Tensor[] inputs = node.inputs();
                for (int i = 0; i < inputs.length; i++) {
                    Tensor input = inputs[i];
                    Tensor ig = inputGrads[i];
                    if (input == null || ig == null || !input.requiresGrad()) continue;
                    if (!java.util.Arrays.equals(ig.shape(), input.shape())) ig = ig.sumTo(input.shape());
                    if (ig.dtype() != input.dtype()) ig = ig.to(input.dtype());
                    if (input.gradFn() != null) {
                        addPending(pending, recycler, input.gradFn(), ig);
                    } else {
                        recycler.keep(ig);
                        accumulateLeaf(result, wanted, captureFor, input, ig);
                    }
                }
                recycler.mayDie(g);
                recycler.recycleDead(); // only now: the node's input gradients may alias g
            }
        }
        return result;
    }

    /** pending[node] += g, the sum in a new tensor; the two summands may die there. */
    private static void addPending(Map<Node, Tensor> pending, GradRecycler recycler, Node node, Tensor g) {
        Tensor old = pending.get(node);
        if (old == null) {
            pending.put(node, g);
            recycler.hold(g);
            return;
        }
        Tensor sum = old.add(g);
        pending.put(node, sum);
        recycler.hold(sum);
        recycler.release(old);
        recycler.mayDie(old);
        recycler.mayDie(g);
    }

    private static void accumulateLeaf(Map<Tensor, Tensor> result, Map<Tensor, Boolean> wanted, Tensor[] captureFor,
                                       Tensor leaf, Tensor g) {
        if (captureFor == null || wanted.containsKey(leaf)) result.merge(leaf, g, Tensor::add);
    }

    /** Nodes reachable from the roots, each after every node that consumes its output. */
    private static List<Node> topologicalOrder(Tensor[] roots) {
        Map<Node, Integer> consumers = new IdentityHashMap<>();
        ArrayDeque<Node> stack = new ArrayDeque<>();
        for (Tensor r : roots) {
            if (r.gradFn() != null && !consumers.containsKey(r.gradFn())) {
                consumers.put(r.gradFn(), 0);
                stack.push(r.gradFn());
            }
        }
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            for (Tensor in : n.inputs()) {
                if (in == null || in.gradFn() == null) continue;
                Node m = in.gradFn();
                Integer c = consumers.get(m);
                if (c == null) {
                    consumers.put(m, 1);
                    stack.push(m);
                } else {
                    consumers.put(m, c + 1);
                }
            }
        }
        List<Node> order = new ArrayList<>(consumers.size());
        ArrayDeque<Node> ready = new ArrayDeque<>();
        for (Tensor r : roots) {
            Node n = r.gradFn();
            if (n != null && consumers.get(n) == 0 && !ready.contains(n)) ready.add(n);
        }
        while (!ready.isEmpty()) {
            Node n = ready.poll();
            order.add(n);
            for (Tensor in : n.inputs()) {
                if (in == null || in.gradFn() == null) continue;
                Node m = in.gradFn();
                int c = consumers.get(m) - 1;
                consumers.put(m, c);
                if (c == 0) ready.add(m);
            }
        }
        return order;
    }
}
