package peekaboo.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import peekaboo.autograd.GradMode;
import peekaboo.nn.Conv2d;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

class RegistryTest {
    static java.util.List<String> architectures() { return Models.names(); }

    @ParameterizedTest
    @MethodSource("architectures")
    void everyArchitectureBuildsAndRunsAForwardPass(String arch) {
        boolean imagenet = Models.defaultInput(arch)[1] >= 224;
        int[] input = imagenet ? new int[] {3, 64, 64} : new int[] {3, 32, 32};
        Network net = Models.build(arch, 7, input, InitMethod.KAIMING_NORMAL, new Generator(1));
        net.eval();
        try (var scope = GradMode.noGrad()) {
            Tensor y = net.forward(Tensor.randn(new Generator(2), DType.F32, 1, input[0], input[1], input[2]));
            assertArrayEquals(new int[] {1, 7}, y.shape());
            for (double v : y.toDoubleArray()) assertTrue(Double.isFinite(v), arch + " produced " + v);
        }
        assertTrue(net.prunable().size() > 0);
        long bop = net.bopParameters().values().stream().mapToLong(Tensor::numel).sum();
        long rest = net.nonBopParameters().values().stream().mapToLong(Tensor::numel).sum();
        assertEquals(net.parameterCount(), bop + rest, "every parameter is either Bop's or SGD's");
    }

    @Test
    void resnet20HasTheSpecsPrunableWeights() {
        Network net = Models.build("ResNet20", 10, null, InitMethod.STANDARD, new Generator(0));
        Map<String, Tensor[]> prunable = net.prunable();
        assertEquals(21, prunable.size());
        assertEquals(270_256, prunable.values().stream().mapToLong(t -> t[0].numel()).sum());
        assertTrue(prunable.containsKey("layer2.0.shortcut.0.weight"));
    }

    @Test
    void imagenetDownsampleConvsAreNotMaskedButTrainedByBop() {
        Network net = Models.build("resnet50", 1000, new int[] {3, 64, 64}, InitMethod.STANDARD, new Generator(0));
        assertTrue(net.bopParameters().containsKey("layer1.0.downsample.0.weight"));
        assertTrue(!net.prunable().containsKey("layer1.0.downsample.0.weight"));
        assertTrue(net.prunable().containsKey("fc.weight"));
        assertTrue(!net.stateDict().containsKey("layer1.0.downsample.0.weight_mask"));
    }

    @Test
    void initMethodsFollowTheSpec() {
        double fanIn = 16 * 9, std = Math.sqrt(2.0) / Math.sqrt(fanIn);
        for (InitMethod m : InitMethod.values()) {
            Network net = Models.build("ResNet20", 10, null, m, new Generator(3));
            Conv2d c = (Conv2d) net.namedModules().get("layer1.0.conv1");
            double[] w = c.weight().toDoubleArray();
            double mean = 0, sq = 0, maxAbs = 0;
            for (double v : w) {
                mean += v / w.length;
                sq += v * v / w.length;
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            double rms = Math.sqrt(sq);
            switch (m) {
                case STANDARD -> assertTrue(maxAbs <= 1 / Math.sqrt(fanIn) && Math.abs(rms - 1 / Math.sqrt(3 * fanIn)) < 0.1 * rms, m + " rms " + rms);
                case KAIMING_NORMAL, KAIMING_LAPLACE -> assertEquals(std, rms, 0.1 * std, m.flag());
                case KAIMING_UNIFORM -> assertTrue(maxAbs <= Math.sqrt(3) * std && Math.abs(rms - std) < 0.1 * std, m.flag());
                case KAIMING_CONSTANT_SIGNED -> {
                    for (double v : w) assertEquals(std, Math.abs(v), 1e-7);
                    assertTrue(Math.abs(mean) < 0.2 * std, "signs are mixed");
                }
                case KAIMING_CONSTANT_UNSIGNED -> { for (double v : w) assertEquals(std, v, 1e-7); }
                case XAVIER_NORMAL -> assertEquals(Math.sqrt(2.0 / (fanIn + fanIn)), rms, 0.1 * rms, m.flag());
                case XAVIER_CONSTANT -> { for (double v : w) assertEquals(Math.sqrt(2.0 / (2 * fanIn)), Math.abs(v), 1e-7); }
            }
        }
        assertEquals(InitMethod.KAIMING_NORMAL, InitMethod.parse("kaiming_normal"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InitMethod.parse("he"));
        assertTrue(e.getMessage().contains("kaiming_normal"));
    }

    @Test
    void sameSeedSameWeights() {
        Network a = Models.build("VGG11", 10, null, InitMethod.KAIMING_NORMAL, new Generator(11));
        Network b = Models.build("VGG11", 10, null, InitMethod.KAIMING_NORMAL, new Generator(11));
        assertArrayEquals(a.stateDict().get("features.0.weight").toFloatArray(), b.stateDict().get("features.0.weight").toFloatArray());
        assertArrayEquals(a.stateDict().get("features.0.bias").toFloatArray(), b.stateDict().get("features.0.bias").toFloatArray());
    }

    @Test
    void unknownArchitecturesAndBadSizesGetClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.build("ResNet21", 10, null, InitMethod.STANDARD, new Generator(0)));
        assertTrue(e.getMessage().contains("unknown --arch 'ResNet21'") && e.getMessage().contains("ResNet20"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Models.build("WideResNet27_2", 10, null, InitMethod.STANDARD, new Generator(0)));
        assertThrows(IllegalArgumentException.class, () -> Models.build("ResNet20", 0, null, InitMethod.STANDARD, new Generator(0)));
        assertEquals(2_748_890, Models.build("WideResNet16_4", 10, null, InitMethod.STANDARD, new Generator(0)).parameterCount());
    }
}
