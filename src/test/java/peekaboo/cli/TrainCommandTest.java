package peekaboo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import peekaboo.io.SafeTensors;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

class TrainCommandTest {
    @TempDir
    static Path dir;
    static Path batch;

    @BeforeAll
    static void writeBatch() {
        Generator g = new Generator(5);
        long[] y = new long[24];
        for (int i = 0; i < y.length; i++) y[i] = i % 10;
        batch = dir.resolve("batch.safetensors");
        SafeTensors.write(batch, Map.of("input", Tensor.randn(g, DType.F32, 24, 3, 32, 32), "target", Tensor.of(y, 24)), null);
    }

    static String[] train(String exp, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--arch", "ResNet20", "--overfit-batch", batch.toString(),
                "--savedir", dir.toString(), "--exp-name", exp, "--no-progress"));
        args.addAll(List.of(extra));
        return PruneCommandTest.run(args.toArray(new String[0]));
    }

    static List<JsonObject> metrics(String exp) throws Exception {
        List<JsonObject> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(exp).resolve("metrics.jsonl"))) out.add(JsonParser.parseString(line).getAsJsonObject());
        return out;
    }

    @Test
    void sgdOverfitsOneBatch() throws Exception {
        String[] r = train("overfit", "--optimizer", "SGD", "--lr", "0.05", "--epochs", "12");
        assertEquals("0", r[0], r[2]);
        List<JsonObject> m = metrics("overfit");
        assertEquals(12, m.size());
        assertTrue(m.get(11).get("train_loss").getAsDouble() < 0.5 * m.get(0).get("train_loss").getAsDouble(), "the loss goes down");
        assertTrue(Files.exists(dir.resolve("overfit/init.safetensors")) && Files.exists(dir.resolve("overfit/ckpt_best.safetensors")));
    }

    static final String[] PAB = {"--optimizer", "BOP", "--ar", "0.2", "--tau", "1e-4", "--ar-decay-freq", "2", "--milestones", "1,3",
        "--pruner", "SynFlow", "--prune-ratio", "0.3", "--prune-iters", "3", "--lr", "0.05"};

    @Test
    void aResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne() throws Exception {
        assertEquals("0", train("whole", concat(PAB, "--epochs", "5"))[0]);
        assertEquals("0", train("split", concat(PAB, "--epochs", "2"))[0]);
        String[] r = train("split", concat(PAB, "--epochs", "5", "--resume", dir.resolve("split/ckpt.safetensors").toString()));
        assertEquals("0", r[0], r[2]);
        Map<String, Tensor> a = SafeTensors.read(dir.resolve("whole/ckpt.safetensors")), b = SafeTensors.read(dir.resolve("split/ckpt.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), k);
        List<JsonObject> m = metrics("whole");
        assertTrue(m.get(0).get("flips").getAsLong() > 0, "Bop flips signs");
        assertEquals(0.3, m.get(4).get("density").getAsDouble(), 1e-4);
        assertEquals(0.2 * 0.1, m.get(1).get("bop_ar").getAsDouble(), 1e-12, "ar decays after epoch 1 ((e+1) % 2 == 0)");
        assertEquals(0.05 * 0.1, m.get(1).get("lr").getAsDouble(), 1e-12, "MultiStepLR after epoch 1");
    }

    @Test
    void multiShotPruningHappensAtTheSpecsEpochsAndDensities() throws Exception {
        String[] r = train("shots", "--optimizer", "BOP", "--pruner", "Mag", "--prune-ratio", "0.2", "--prune-epoch", "4",
                "--prune-shots", "2", "--epochs", "6");
        assertEquals("0", r[0], r[2]);
        List<JsonObject> m = metrics("shots");
        double[] density = m.stream().mapToDouble(o -> o.get("density").getAsDouble()).toArray();
        assertEquals(1.0, density[0], 0, "dense before the first shot");
        assertEquals(1.0, density[1], 0);
        assertEquals(0.6, density[2], 1e-4, "shot 1 at epoch (0+1)*interval = 2 targets 1 - (1-0.2)*1/2");
        assertEquals(0.6, density[3], 1e-4);
        assertEquals(0.2, density[4], 1e-4, "shot 2 at epoch 4 targets 0.2");
        assertTrue(r[1].contains("Pruning shot 1 of 2 at epoch 2") && r[1].contains("Pruning shot 2 of 2 at epoch 4"), r[1]);
    }

    @Test
    void maxStepsStopsAndSaves() throws Exception {
        String[] r = train("steps", "--optimizer", "SGD", "--epochs", "50", "--max-steps", "3");
        assertEquals("0", r[0], r[2]);
        assertEquals(3, metrics("steps").size());
        JsonObject info = JsonParser.parseString(Files.readString(dir.resolve("steps/ckpt.json"))).getAsJsonObject();
        assertEquals(3, info.get("steps").getAsLong());
    }

    @Test
    void aDivergingRunStopsWithOneSentenceAndKeepsTheLastGoodCheckpoint() throws Exception {
        String[] r = train("nan", "--optimizer", "SGD", "--lr", "1e30", "--momentum", "0", "--epochs", "20");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[2].contains("the training loss became") && r[2].strip().lines().count() == 1, r[2]);
        int done = metrics("nan").size();
        assertTrue(done < 20);
        if (done > 0) {
            JsonObject info = JsonParser.parseString(Files.readString(dir.resolve("nan/ckpt.json"))).getAsJsonObject();
            assertEquals(done - 1, info.get("epoch").getAsInt());
        }
    }

    @Test
    void flagsThatCannotBeHonouredAreRejected() {
        String[][] cases = {
            {"--optimizer", "ADAM"}, {"--world-size", "2"}, {"--milestones", "8O"}, {"--ar", "1.5", "--optimizer", "BOP"},
            {"--prune-ratio", "0.5"}, {"--pruner", "Nope"}, {"--bs", "64", "--batch-size", "32"}, {"--device", "quantum"},
            {"--use-cuda", "x"}, {"--resume", "missing.safetensors"},
        };
        for (String[] c : cases) {
            String[] r = train("bad", c);
            assertEquals("2", r[0], String.join(" ", c) + ": " + r[2]);
            assertTrue(r[2].startsWith("pab train: "), String.join(" ", c) + ": " + r[2]);
        }
        String[] r = PruneCommandTest.run("train", "--arch", "ResNet20", "--dataset", "cifar10", "--savedir", dir.toString(), "--exp-name", "nodata");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("needs --data"), r[2]);
        assertFalse(r[2].contains("Exception"));
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
