package peekaboo.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.optim.Bop;
import peekaboo.optim.Sgd;
import peekaboo.pab.prune.PruneData;
import peekaboo.pab.prune.PruneOptions;
import peekaboo.pab.prune.Pruning;
import peekaboo.pab.prune.PrunerKind;
import peekaboo.pab.psg.PsgConfig;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * A few PaB training steps as the seed's stage-2 command runs them (spec sections 2-5): a Psg model
 * pruned at initialisation by SynFlow, then Bop on the conv weights (PSG gradients with the seed's flags
 * 8/8/16 bits, threshold 1e-7, sparsify, no sign) and SGD on BN and the classifier. Run with the backend
 * under test as the default, so every tensor lives there.
 */
final class PabSteps {
    /** The seed command's PSG flags: --msb-bits 8 --msb-bits-weight 8 --msb-bits-grad 16 --psg-threshold 1e-7 --psg-no-take-sign --psg-sparsify. */
    static final PsgConfig SEED_PSG = new PsgConfig(8, 8, 16, 1e-7, true, false, true);

    /** What a run gives: the loss and Bop's flips of each step, the masks, and the final parameters by name. */
    record Result(double[] losses, long[] flips, Map<String, Tensor> masks, Map<String, Tensor> params, Set<String> bopNames) {}

    private PabSteps() {}

    /** {@code steps} steps of PsgResNet20 (10 classes) on one fixed batch x [N, 3, H, W] with labels y, from seed. */
    static Result run(Tensor x, Tensor y, long seed, int steps) {
        Generator g = new Generator(seed);
        Network net = Models.build("PsgResNet20", 10, new int[] {x.size(1), x.size(2), x.size(3)}, InitMethod.KAIMING_NORMAL, g, SEED_PSG);
        Pruning.prune(net, new PruneOptions(PrunerKind.SYNFLOW, 0.3, 1, PruneOptions.Schedule.EXPONENTIAL, PruneOptions.Scope.GLOBAL, -1, false),
                PruneData.fixed(x, y, x.size(0)), g, null);
        Bop bop = new Bop(net.bopParameters(), 1e-3, 1e-6);
        Sgd sgd = new Sgd(net.nonBopParameters(), 0.1, 0.9, 5e-4, false);
        net.train(true);
        double[] losses = new double[steps];
        long[] flips = new long[steps];
        for (int k = 0; k < steps; k++) {
            bop.zeroGrad();
            sgd.zeroGrad();
            Tensor loss = F.crossEntropy(net.forward(x), y);
            loss.backward();
            bop.step();
            sgd.step();
            losses[k] = loss.item();
            flips[k] = bop.flipsLastStep();
        }
        Map<String, Tensor> masks = new java.util.LinkedHashMap<>();
        net.prunable().forEach((name, wm) -> masks.put(name, wm[1]));
        return new Result(losses, flips, masks, net.namedParameters(), net.bopParameters().keySet());
    }

    /**
     * The tolerance of a device run against the CPU's, from the parity contract (spec section 0). Step 1 starts
     * from identical weights: loss within 1e-5 relative, and Bop's flips may differ only where |m| is within
     * rounding of tau (at most 0.05% of them, + 2). Later steps start from weights that may already differ: a
     * ReLU input within rounding of 0 takes the other branch on another summation order, and Bop's threshold
     * turns that into a few different flips, so they are compared loosely: losses within 3%, flips within
     * 25% + 5, Bop weights' signs equal in all but 0.2% of entries, other parameters within 0.1. Masks
     * are identical (the pruning selection is exact in float64).
     */
    static void assertClose(Result cpu, Result dev, String backend) {
        int steps = cpu.losses().length;
        for (int k = 0; k < steps; k++) {
            double rel = Math.abs(cpu.losses()[k] - dev.losses()[k]) / Math.abs(cpu.losses()[k]);
            long df = Math.abs(cpu.flips()[k] - dev.flips()[k]);
            String at = backend + " step " + (k + 1) + ": loss " + dev.losses()[k] + " vs cpu " + cpu.losses()[k] + ", flips " + dev.flips()[k]
                    + " vs cpu " + cpu.flips()[k];
            assertTrue(rel <= (k == 0 ? 1e-5 : 3e-2), at);
            assertTrue(df <= (k == 0 ? 2 + 5e-4 * cpu.flips()[k] : 5 + 0.25 * cpu.flips()[k]), at);
        }
        cpu.masks().forEach((name, m) -> assertArrayEquals(m.toLongArray(), dev.masks().get(name).toLongArray(), backend + ": mask of " + name));
        long signs = 0, entries = 0;
        for (var e : cpu.params().entrySet()) {
            double[] a = e.getValue().toDoubleArray(), b = dev.params().get(e.getKey()).toDoubleArray();
            if (cpu.bopNames().contains(e.getKey())) {
                for (int i = 0; i < a.length; i++) if (Math.signum(a[i]) != Math.signum(b[i])) signs++;
                entries += a.length;
            } else {
                for (int i = 0; i < a.length; i++) {
                    int j = i;
                    assertTrue(Math.abs(a[i] - b[i]) <= 0.1, () -> backend + ": " + e.getKey() + "[" + j + "] " + b[j] + " vs cpu " + a[j]);
                }
            }
        }
        assertTrue(signs <= 2e-3 * entries, backend + ": " + signs + " of " + entries + " Bop weights have another sign than on the cpu");
    }
}
