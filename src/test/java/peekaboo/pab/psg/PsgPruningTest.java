package peekaboo.pab.psg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.pab.prune.PruneData;
import peekaboo.pab.prune.PruneOptions;
import peekaboo.pab.prune.PrunerKind;
import peekaboo.pab.prune.Pruning;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** Pruning a Psg model scores its plain twin (PSG convs have no second derivatives) and gives the plain model's masks. */
class PsgPruningTest {

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"PsgResNet20, SNIP, 32", "PsgResNet20, GraSP, 32", "PsgVGG11, SynFlow, 32", "psg_resnet18, Mag, 64"})
    void sameMasksAsPruningThePlainModel(String arch, String pruner, int size) {
        int[] input = {3, size, size};
        Network psg = Models.build(arch, 10, input, InitMethod.KAIMING_NORMAL, new Generator(4));
        Network plain = Models.build(Models.plainTwin(arch), 10, input, InitMethod.STANDARD, new Generator(5));
        PsgModelTest.copyIntoPlainTwin(psg, plain);
        Tensor x = Tensor.randn(new Generator(6), DType.F32, 4, 3, size, size);
        Tensor y = Tensor.of(new long[] {1, 2, 3, 4}, 4);
        PruneOptions options = new PruneOptions(PrunerKind.parse(pruner), 0.2, 2, PruneOptions.Schedule.EXPONENTIAL,
                PruneOptions.Scope.GLOBAL, -1, false);
        Pruning.prune(plain, options, PruneData.fixed(x, y, 2), new Generator(7), null);
        Pruning.prune(psg, options, PruneData.fixed(x, y, 2), new Generator(7), null);
        assertTrue(Pruning.report(plain, 0.2).density() < 0.25, "pruned to about 20%");
        Map<String, Tensor[]> p = plain.prunable(), q = psg.prunable();
        for (var e : p.entrySet()) {
            assertArrayEquals(e.getValue()[1].toFloatArray(), q.get(e.getKey())[1].toFloatArray(), 0f, e.getKey());
        }
        for (var e : q.entrySet()) {
            if (p.containsKey(e.getKey())) continue;
            assertTrue(e.getKey().contains("downsample"), e.getKey());
            assertEquals(e.getValue()[1].numel(), (long) e.getValue()[1].sum().item(), "masks the plain twin does not prune stay all ones");
        }
    }
}
