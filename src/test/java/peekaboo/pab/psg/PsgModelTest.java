package peekaboo.pab.psg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import peekaboo.autograd.GradMode;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.nn.Conv2d;
import peekaboo.ops.F;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** The Psg twins of spec section 1: names, state-dict keys, signed inputs, and equality with the plain models. */
class PsgModelTest {

    /** Copies a Psg model's weights into its plain twin (no quant_input buffers; a conv bias the Psg model lacks is zero). */
    static void copyIntoPlainTwin(Network psg, Network plain) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        psg.stateDict().forEach((k, v) -> { if (!k.contains("quant_input.")) state.put(k, v); });
        var report = plain.loadStateDict(state, false);
        try (var s = GradMode.noGrad()) {
            for (String k : report.missing()) if (k.endsWith(".bias")) plain.stateDict().get(k).fillInPlace(0);
        }
    }

    @Test
    void everyPlainModelHasAPsgTwin() {
        List<String> names = Models.names();
        for (String plain : List.of("ResNet20", "ResNet32", "ResNet44", "ResNet56", "ResNet110", "ResNet18", "ResNet34", "ResNet50",
                "ResNet101", "ResNet152", "VGG11", "VGG13", "VGG16", "VGG19", "WideResNet28_10")) {
            assertTrue(names.contains("Psg" + plain), "Psg" + plain);
            assertEquals(plain, Models.plainTwin("Psg" + plain));
            assertEquals("Psg" + plain, Models.psgTwin(plain));
            assertEquals("Psg" + plain, Models.psgTwin("Psg" + plain));
            assertTrue(Models.isPsg("Psg" + plain) && !Models.isPsg(plain));
        }
        for (String d : List.of("18", "34", "50", "101", "152")) {
            assertTrue(names.contains("psg_resnet" + d), "psg_resnet" + d);
            assertEquals("psg_resnet" + d, Models.psgTwin("resnet" + d));
        }
        assertThrows(IllegalArgumentException.class, () -> Models.psgTwin("NoSuchNet"));
        assertTrue(Models.isPsg("PsgWideResNet16_4"), "any 6n+4 depth");
    }

    @Test
    void stateDictKeysFollowTheReference() {
        Network net = Models.build("PsgResNet20", 10, null, InitMethod.STANDARD, new Generator(0));
        List<String> keys = new ArrayList<>(net.stateDict().keySet());
        assertEquals(List.of("conv1.weight", "conv1.weight_mask", "conv1.quant_input.running_max_values", "bn1.weight"), keys.subList(0, 4));
        assertTrue(keys.contains("layer2.0.shortcut.0.quant_input.running_max_values"));
        Tensor rmv = net.stateDict().get("layer3.2.conv2.quant_input.running_max_values");
        assertArrayEquals(new int[] {1, 1, 1, 1}, rmv.shape());
        assertEquals(0.0, rmv.item());
        Network plain = Models.build("ResNet20", 10, null, InitMethod.STANDARD, new Generator(0));
        List<String> withoutQuant = keys.stream().filter(k -> !k.contains("quant_input")).toList();
        assertEquals(new ArrayList<>(plain.stateDict().keySet()), withoutQuant, "otherwise the plain model's keys, in order");
        assertEquals(plain.parameterCount(), net.parameterCount());

        Network vgg = Models.build("PsgVGG11", 10, null, InitMethod.STANDARD, new Generator(0));
        assertFalse(vgg.stateDict().containsKey("features.0.bias"), "PSG convs have no bias");
        assertTrue(vgg.stateDict().containsKey("classifier.bias_mask"));
        Network in18 = Models.build("psg_resnet18", 1000, new int[] {3, 64, 64}, InitMethod.STANDARD, new Generator(0));
        assertTrue(in18.prunable().containsKey("layer2.0.downsample.0.weight"), "the Psg ImageNet downsample convs are masked");
    }

    @Test
    void onlyTheFirstConvAndWideResNetShortcutsHaveSignedInputs() {
        for (String arch : List.of("PsgResNet20", "PsgResNet50", "PsgVGG11", "PsgWideResNet16_2", "psg_resnet50")) {
            Network net = Models.build(arch, 10, null, InitMethod.STANDARD, new Generator(0));
            boolean first = true;
            for (var e : net.namedModules().entrySet()) {
                if (!(e.getValue() instanceof Conv2d c)) continue;
                PsgConv2d p = assertInstanceOf(PsgConv2d.class, c, arch + " " + e.getKey());
                boolean expected = first || (arch.contains("Wide") && e.getKey().contains("shortcut"));
                assertEquals(expected, p.signedInput, arch + " " + e.getKey());
                assertTrue(p.masked && p.bias() == null, arch + " " + e.getKey());
                first = false;
            }
        }
    }

    /** Logits, loss, input gradient and every gradient of BN and classifier equal the plain twin's, bit for bit. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"PsgResNet20, 32, 4", "PsgResNet50, 32, 2", "PsgVGG11, 32, 2", "PsgWideResNet16_2, 32, 2", "psg_resnet18, 64, 2"})
    void matchesThePlainTwinExceptForTheConvWeightGradients(String arch, int size, int batch) {
        int[] input = {3, size, size};
        Network psg = Models.build(arch, 10, input, InitMethod.KAIMING_NORMAL, new Generator(1));
        Network plain = Models.build(Models.plainTwin(arch), 10, input, InitMethod.STANDARD, new Generator(2));
        copyIntoPlainTwin(psg, plain);
        Tensor x = Tensor.randn(new Generator(3), DType.F32, batch, 3, size, size);
        Tensor y = Tensor.of(new long[batch], batch);
        Tensor[] a = step(psg, x, y), b = step(plain, x, y);
        for (int i = 0; i < a.length; i++) assertArrayEquals(b[i].toFloatArray(), a[i].toFloatArray(), 0f, arch + " output " + i);
        for (var e : plain.nonBopParameters().entrySet()) {
            assertArrayEquals(e.getValue().grad().toFloatArray(), psg.nonBopParameters().get(e.getKey()).grad().toFloatArray(), 0f, e.getKey());
        }
        for (var e : psg.bopParameters().entrySet()) {
            for (float v : e.getValue().grad().toFloatArray()) assertTrue(v == 0 || v == 1 || v == -1, e.getKey() + " gets signs: " + v);
        }
    }

    /** With 32 bits, threshold 0, no sign, the conv weight gradients are the plain ones too. */
    @Test
    void fullPrecisionPsgIsThePlainModel() {
        PsgConfig exact = new PsgConfig(32, 32, 32, 0, false, false, true);
        Network psg = Models.build("PsgResNet20", 10, null, InitMethod.KAIMING_NORMAL, new Generator(1), exact);
        Network plain = Models.build("ResNet20", 10, null, InitMethod.STANDARD, new Generator(2));
        copyIntoPlainTwin(psg, plain);
        Tensor x = Tensor.randn(new Generator(3), DType.F32, 2, 3, 32, 32);
        Tensor y = Tensor.of(new long[] {3, 5}, 2);
        step(psg, x, y);
        step(plain, x, y);
        for (var e : plain.namedParameters().entrySet()) {
            assertArrayEquals(e.getValue().grad().toFloatArray(), psg.namedParameters().get(e.getKey()).grad().toFloatArray(), 0f, e.getKey());
        }
    }

    /** One training-mode forward and backward: {logits, loss, input gradient}. */
    static Tensor[] step(Network net, Tensor x, Tensor y) {
        net.train(true);
        net.zeroGrad();
        Tensor xin = x.detach().requiresGrad(true);
        Tensor logits = net.forward(xin);
        Tensor loss = F.crossEntropy(logits, y);
        loss.backward();
        return new Tensor[] {logits.detach(), loss.detach(), xin.grad()};
    }
}
