package peekaboo.nn;

import peekaboo.tensor.Tensor;

/** {@code nn.Sequential}: children named "0", "1", ... applied in order. */
public final class Sequential extends Module {
    private int size;

    public Sequential(Module... modules) {
        for (Module m : modules) add(m);
    }

    public Sequential add(Module m) {
        registerModule(Integer.toString(size++), m);
        return this;
    }

    public int size() { return size; }

    @Override
    protected Tensor compute(Tensor x) {
        Tensor out = x;
        for (Module m : children().values()) out = m.forward(out);
        return out;
    }
}
