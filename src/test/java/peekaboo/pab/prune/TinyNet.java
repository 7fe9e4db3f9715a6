package peekaboo.pab.prune;

import peekaboo.models.Network;
import peekaboo.nn.BatchNorm2d;
import peekaboo.nn.Conv2d;
import peekaboo.nn.Linear;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** Small float64 networks for scoring tests: conv-BN-ReLU-linear, or a bare two-layer linear chain. */
final class TinyNet extends Network {
    private final boolean chain;

    private TinyNet(boolean chain, Generator g) {
        super("TinyNet", 3, chain ? new int[] {4, 1, 1} : new int[] {2, 5, 5});
        this.chain = chain;
        if (chain) {
            registerModule("fc1", new Linear(4, 5, false, true, g));
            registerModule("fc2", new Linear(5, 3, false, true, g));
        } else {
            registerModule("conv", new Conv2d(2, 3, 3, 1, 1, 1, 1, false, true, g));
            registerModule("bn", new BatchNorm2d(3));
            registerModule("fc", new Linear(3 * 25, 3, true, true, g));
        }
        to(DType.F64);
        eval();
    }

    static TinyNet conv(long seed) { return new TinyNet(false, new Generator(seed)); }

    static TinyNet chain(long seed) { return new TinyNet(true, new Generator(seed)); }

    @Override
    protected Tensor compute(Tensor x) {
        if (chain) return child("fc2").forward(child("fc1").forward(x.flatten(1, -1)));
        Tensor h = child("bn").forward(child("conv").forward(x)).relu();
        return child("fc").forward(h.flatten(1, -1));
    }
}
