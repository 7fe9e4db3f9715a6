package peekaboo.autograd;

import peekaboo.tensor.Tensor;

/**
 * One recorded operation of the graph: the inputs it was applied to and how to turn the gradient of
 * its output into gradients of its inputs. {@link #backward} must be written with differentiable
 * tensor ops, so that a backward run with {@code createGraph} records a graph of its own (second
 * derivatives, as GraSP needs).
 */
public abstract class Node {
    private final String name;
    private final Tensor[] inputs;
    private Tensor[] saved = new Tensor[0];
    private int[] savedVersions = new int[0];
    private boolean released;

    protected Node(String name, Tensor... inputs) {
        this.name = name;
        this.inputs = inputs;
    }

    /** Gradients for each input (null where an input needs none), given the gradient of the output. */
    protected abstract Tensor[] backward(Tensor gradOutput);

    /** Keeps a tensor for the backward pass and remembers its version, to detect in-place changes. */
    protected final Tensor save(Tensor t) {
        int n = saved.length;
        saved = java.util.Arrays.copyOf(saved, n + 1);
        savedVersions = java.util.Arrays.copyOf(savedVersions, n + 1);
        saved[n] = t;
        savedVersions[n] = t.version();
        return t;
    }

    public final String name() { return name; }

    public final Tensor[] inputs() { return inputs; }

    final boolean isReleased() { return released; }

    /** Drops what was saved for the backward pass (after a backward without retainGraph). */
    final void release() {
        released = true;
        saved = new Tensor[0];
    }

    final Tensor[] apply(Tensor gradOutput) {
        if (released) {
            throw new IllegalStateException("cannot run backward through " + name + " a second time: its graph was freed by the "
                    + "first backward; pass retainGraph=true to the first call if you need to go through it again");
        }
        for (int i = 0; i < saved.length; i++) {
            if (saved[i].version() != savedVersions[i]) {
                throw new IllegalStateException("a tensor of shape " + peekaboo.tensor.Shape.str(saved[i].shape())
                        + " that " + name + " saved for its gradient was modified in place (version " + saved[i].version()
                        + ", expected " + savedVersions[i] + "); use an out-of-place op or clone() it first");
            }
        }
        return backward(gradOutput);
    }

    @Override
    public String toString() { return name; }
}
