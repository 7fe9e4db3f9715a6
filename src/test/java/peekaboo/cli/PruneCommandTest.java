package peekaboo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import peekaboo.io.SafeTensors;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

class PruneCommandTest {
    static String[] run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o));
        System.setErr(new PrintStream(e));
        try {
            int code = Main.run(args);
            return new String[] {Integer.toString(code), o.toString(), e.toString()};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void prunesOnAFixedBatchAndWritesWeightsMasksAndSidecar(@TempDir Path dir) {
        Generator g = new Generator(1);
        Path batch = dir.resolve("batch.safetensors");
        SafeTensors.write(batch, Map.of("input", Tensor.randn(g, DType.F32, 8, 3, 32, 32), "target", Tensor.of(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, 8),
                "ignored", Tensor.ones(1)), null);
        Path out = dir.resolve("out/pruned.safetensors");
        String[] r = run("prune", "--arch", "ResNet20", "--init-method", "kaiming_normal", "--pruner", "SNIP", "--prune-ratio", "0.25",
                "--prune-batch", batch.toString(), "--pruned-save-name", out.toString(), "--num-classes", "10");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("Finished pruning (SNIP): 67564 of 270256 prunable weights remain"), r[1]);
        Network net = Models.build("ResNet20", 10, null, InitMethod.STANDARD, new Generator(0));
        net.loadStateDict(SafeTensors.read(out), true);
        long remaining = net.prunable().values().stream().mapToLong(t -> (long) t[1].sum().item()).sum();
        assertEquals(67564, remaining);
        JsonObject side = JsonParser.parseString(read(dir.resolve("out/pruned.json"))).getAsJsonObject();
        assertEquals("SNIP", side.get("pruner").getAsString());
        assertEquals(67564, side.get("remaining").getAsLong());
        assertEquals(21, side.getAsJsonObject("layers").size());
    }

    @Test
    void resumeStartsFromTheGivenWeights(@TempDir Path dir) {
        Network net = Models.build("ResNet20", 10, null, InitMethod.KAIMING_UNIFORM, new Generator(42));
        Path start = dir.resolve("start.safetensors");
        SafeTensors.write(start, net.stateDict(), null);
        Path out = dir.resolve("p.safetensors");
        assertEquals("0", run("prune", "--arch", "ResNet20", "--pruner", "Mag", "--prune-ratio", "0.5", "--resume", start.toString(),
                "--pruned-save-name", out.toString())[0]);
        Map<String, Tensor> saved = SafeTensors.read(out);
        assertEquals(net.stateDict().get("layer1.0.conv1.weight").sum().item(), saved.get("layer1.0.conv1.weight").sum().item(), 1e-6);
        assertTrue(saved.get("layer1.0.conv1.weight_mask").sum().item() < 2304);
    }

    @Test
    void resumesFromAStateDictSavedByPyTorch(@TempDir Path dir) {
        Path torch = Path.of("src/test/resources/goldens/models/ResNet20_torch_state_dict.safetensors");
        Path out = dir.resolve("from-torch.safetensors");
        String[] r = run("prune", "--arch", "ResNet20", "--pruner", "SynFlow", "--prune-ratio", "0.5", "--resume", torch.toString(),
                "--pruned-save-name", out.toString());
        assertEquals("0", r[0], r[2]);
        Map<String, Tensor> in = SafeTensors.read(torch), saved = SafeTensors.read(out);
        assertEquals(in.keySet(), saved.keySet());
        assertEquals(in.get("layer3.2.conv2.weight").sum().item(), saved.get("layer3.2.conv2.weight").sum().item(), 1e-6);
        assertEquals(3L, saved.get("bn1.num_batches_tracked").toLongArray()[0]);
    }

    @Test
    void badInputGetsOneSentenceAndExitCode2(@TempDir Path dir) {
        String[][] cases = {
            {"prune", "--arch", "ResNet20", "--pruner", "GraSP", "--prune-ratio", "0.3"},
            {"prune", "--arch", "ResNet20", "--pruner", "Mag", "--prune-ratio", "0"},
            {"prune", "--arch", "ResNet20", "--pruner", "Mag", "--prune-epoch", "3"},
            {"prune", "--arch", "ResNet20", "--pruner", "Mag", "--prune-shots", "2"},
            {"prune", "--arch", "ResNet20", "--pruner", "Mag", "--prune-schedule", "cubic"},
            {"prune", "--arch", "NoSuchNet", "--pruner", "Mag"},
            {"prune", "--arch", "ResNet20", "--pruner", "SNIP", "--prune-batch", dir.resolve("missing.safetensors").toString()},
            {"prune", "--arch", "ResNet20", "--pruner", "Mag", "--data", dir.resolve("nowhere").toString(), "--dataset", "cifar10"},
        };
        for (String[] c : cases) {
            String[] r = run(c);
            assertEquals("2", r[0], String.join(" ", c) + " -> " + r[2]);
            assertTrue(r[2].startsWith("pab prune: ") && r[2].strip().lines().count() == 1, "one line: " + r[2]);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
