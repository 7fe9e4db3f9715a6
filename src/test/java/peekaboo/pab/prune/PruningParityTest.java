package peekaboo.pab.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import peekaboo.io.SafeTensors;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;
import peekaboo.testing.Goldens;

/**
 * Masks equal those of our PyTorch implementation of spec section 2 (src/test/python/make_prune_goldens.py,
 * Debian's python3-torch 1.13) on the ResNet20 layout with deterministic weights and one fixed batch of 100.
 */
class PruningParityTest {
    static final Path GOLDENS = Path.of("src/test/resources/goldens/prune");

    @ParameterizedTest(name = "{0} x{1} {2}")
    @CsvSource({"Mag, 1, global", "SNIP, 1, global", "GraSP, 1, global", "SynFlow, 1, global", "SynFlow, 20, global",
        "SNIP, 1, local", "Mag, 3, local"})
    void masksEqualPyTorch(String pruner, int iters, String scope) {
        Network net = Models.build("ResNet20", 10, null, InitMethod.STANDARD, new Generator(0));
        Goldens.fillDeterministic(net.stateDict(), 31);
        Map<String, Tensor> batch = SafeTensors.read(GOLDENS.resolve("batch.safetensors"));
        PruneOptions options = new PruneOptions(PrunerKind.parse(pruner), 0.3, iters, PruneOptions.Schedule.EXPONENTIAL,
                PruneOptions.Scope.parse(scope), -1, false);
        Pruning.prune(net, options, PruneData.fixed(batch.get("input"), batch.get("target"), 256), new Generator(1), null);
        Map<String, Tensor> expected = SafeTensors.read(GOLDENS.resolve(pruner + "_" + iters + "_" + scope + ".safetensors"));
        Map<String, Tensor[]> prunable = net.prunable();
        assertEquals(expected.keySet(), prunable.keySet(), "masked layers");
        long differing = 0, total = 0;
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            double[] want = e.getValue().toDoubleArray(), got = prunable.get(e.getKey())[1].toDoubleArray();
            for (int i = 0; i < want.length; i++) if (want[i] != got[i]) differing++;
            total += want.length;
        }
        System.out.printf("pruning parity %s x%d %s: %d of %d mask entries differ%n", pruner, iters, scope, differing, total);
        assertEquals(0, differing, pruner + ": mask entries that differ from PyTorch's");
    }
}
