package peekaboo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import peekaboo.backend.Backends;
import peekaboo.backend.opencl.OpenClRequired;
import peekaboo.io.SafeTensors;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.pab.psg.PsgConfig;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;
import peekaboo.testing.Goldens;

class GradCommandTest {
    static Path batch(Path dir) {
        Path b = dir.resolve("batch.safetensors");
        SafeTensors.write(b, Map.of("input", Tensor.randn(new Generator(1), DType.F32, 4, 3, 32, 32), "target", Tensor.of(new long[] {0, 3, 5, 9}, 4)), null);
        return b;
    }

    static Path weights(Path dir, String arch) {
        Network net = Models.build(arch, 10, null, InitMethod.STANDARD, new Generator(0));
        Goldens.fillDeterministic(net.stateDict(), 21);
        Path w = dir.resolve(arch + ".safetensors");
        SafeTensors.write(w, net.stateDict(), null);
        return w;
    }

    @Test
    void writesLossLogitsAndThePsgGradientsOfEveryParameter(@TempDir Path dir) {
        Path b = batch(dir), w = weights(dir, "PsgResNet20"), out = dir.resolve("g.safetensors");
        String[] r = PruneCommandTest.run("grad", "--arch", "PsgResNet20", "--resume", w.toString(), "--batch", b.toString(), "--out", out.toString(),
                "--msb-bits", "8", "--msb-bits-weight", "8", "--msb-bits-grad", "16", "--psg-threshold", "-1e-7", "--psg-sparsify", "--psg-no-take-sign");
        assertEquals("0", r[0], r[2]);
        Map<String, Tensor> g = SafeTensors.read(out);
        assertArrayEquals(new int[] {1}, g.get("loss").shape());
        assertArrayEquals(new int[] {4, 10}, g.get("logits").shape());

        Network net = Models.build("PsgResNet20", 10, null, InitMethod.STANDARD, new Generator(5), new PsgConfig(8, 8, 16, 1e-7, true, false, true));
        net.loadStateDict(SafeTensors.read(w), true);
        Map<String, Tensor> in = SafeTensors.read(b);
        net.train(true);
        Tensor loss = F.crossEntropy(net.forward(in.get("input")), in.get("target"));
        loss.backward();
        assertEquals(loss.item(), g.get("loss").item());
        assertEquals(net.namedParameters().size() + 2, g.size());
        net.namedParameters().forEach((k, p) -> assertArrayEquals(p.grad().toFloatArray(), g.get("grad." + k).toFloatArray(), 0f, k));
    }

    @Test
    void compareReportsAgreementWithTheExactGradient(@TempDir Path dir) {
        String[] r = PruneCommandTest.run("grad", "--arch", "PsgResNet20", "--resume", weights(dir, "PsgResNet20").toString(),
                "--batch", batch(dir).toString(), "--compare");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("cosine") && r[1].contains("layer3.2.conv2.weight") && r[1].contains("mean cosine over 21 conv layers"), r[1]);
        // full precision without sign is the exact gradient: cosine 1, signs all agree
        r = PruneCommandTest.run("grad", "--arch", "PsgResNet20", "--batch", batch(dir).toString(), "--compare",
                "--msb-bits", "32", "--msb-bits-grad", "32", "--psg-no-take-sign");
        assertTrue(r[1].matches("(?s).*\\n  conv1\\.weight\\s+432\\s+1\\.0000\\s+100\\.00%.*"), r[1]);
        assertTrue(r[1].contains("mean cosine over 21 conv layers: 1.0000"), r[1]);
    }

    /** `pab grad --device D` computes on D (the default backend it selects) and writes what the cpu writes, within float32 noise. */
    @Test
    void runsOnTheDeviceGiven(@TempDir Path dir) {
        Path b = batch(dir), w = weights(dir, "PsgResNet20");
        try {
            Map<String, Tensor> cpu = grads(dir, b, w, "cpu");
            List<String> devices = new ArrayList<>(List.of("aparapi"));
            if (OpenClRequired.unavailableReason() == null) devices.add("opencl");
            for (String d : devices) {
                Map<String, Tensor> g = grads(dir, b, w, d);
                assertEquals(d, Backends.getDefault().name(), "--device selects the backend");
                assertEquals(cpu.get("loss").item(), g.get("loss").item(), 1e-5 * Math.abs(cpu.get("loss").item()), d + ": loss");
                assertArrayEquals(cpu.get("logits").toFloatArray(), g.get("logits").toFloatArray(), 1e-4f, d + ": logits");
                assertEquals(cpu.keySet(), g.keySet());
                cpu.forEach((k, t) -> {
                    float[] e = t.toFloatArray(), a = g.get(k).toFloatArray();
                    float max = 0;
                    for (float v : e) max = Math.max(max, Math.abs(v));
                    assertArrayEquals(e, a, 1e-2f * max + 1e-6f, d + ": " + k);  // PSG: a quantisation level may move (spec section 0)
                });
            }
            String[] r = PruneCommandTest.run("grad", "--arch", "PsgResNet20", "--batch", b.toString(), "--out", "x.safetensors", "--device", "quantum");
            assertEquals("2", r[0]);
            assertTrue(r[2].startsWith("pab grad: --device must be cpu, opencl"), r[2]);
        } finally {
            Backends.setDefault(Backends.cpu());
        }
    }

    private static Map<String, Tensor> grads(Path dir, Path batch, Path weights, String device) {
        Path out = dir.resolve("g-" + device + ".safetensors");
        String[] r = PruneCommandTest.run("grad", "--arch", "PsgResNet20", "--resume", weights.toString(), "--batch", batch.toString(), "--out", out.toString(),
                "--msb-bits", "8", "--msb-bits-weight", "8", "--msb-bits-grad", "16", "--psg-threshold", "1e-7", "--psg-sparsify", "--psg-no-take-sign",
                "--device", device);
        assertEquals("0", r[0], r[2]);
        return SafeTensors.read(out);
    }

    @Test
    void userMistakesEndInOneSentence(@TempDir Path dir) {
        Path b = batch(dir);
        String[] r = PruneCommandTest.run("grad", "--arch", "ResNet20", "--batch", b.toString(), "--out", "x.safetensors", "--msb-bits", "8");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("need a Psg architecture"), r[2]);
        r = PruneCommandTest.run("grad", "--arch", "PsgResNet20", "--batch", b.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--out"), r[2]);
        r = PruneCommandTest.run("grad", "--arch", "PsgResNet20", "--batch", b.toString(), "--compare", "--msb-bits", "0");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--msb-bits must be between 1 and 32"), r[2]);
    }
}
