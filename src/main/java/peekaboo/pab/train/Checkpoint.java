package peekaboo.pab.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import peekaboo.io.CheckpointException;
import peekaboo.io.SafeTensors;
import peekaboo.tensor.Tensor;

/**
 * A training checkpoint: {@code NAME.safetensors} (the model's state dict under PyTorch names, loadable
 * by PyTorch and by {@code --resume}), {@code NAME.optim.safetensors} (optimiser state) and
 * {@code NAME.json} (epoch, best accuracy, generator state, settings). Each file is written to a
 * temporary file and renamed; a save id shared by the three detects a set mixed from two saves.
 */
public final class Checkpoint {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private Checkpoint() {}

    /** What {@link #load} found; optimiser state and info are null for a plain weights file (e.g. a `pab prune` output). */
    public record Loaded(Map<String, Tensor> model, Map<String, Tensor> optimizer, JsonObject info) {
        public boolean isTrainingCheckpoint() { return optimizer != null && info != null; }
    }

    public static Path optimPath(Path model) { return model.resolveSibling(stem(model) + ".optim.safetensors"); }

    public static Path infoPath(Path model) { return model.resolveSibling(stem(model) + ".json"); }

    static String stem(Path model) {
        String n = model.getFileName().toString();
        return n.endsWith(".safetensors") ? n.substring(0, n.length() - ".safetensors".length()) : n;
    }

    public static void save(Path model, Map<String, Tensor> state, Map<String, Tensor> optimizer, Map<String, Object> info) {
        String id = Long.toHexString(System.nanoTime()) + Long.toHexString(Double.doubleToLongBits(Math.random()));
        Map<String, Object> json = new LinkedHashMap<>(info);
        json.put("save_id", id);
        writeAtomically(infoPath(model), GSON.toJson(json));
        SafeTensors.write(optimPath(model), optimizer, Map.of("save_id", id));
        SafeTensors.write(model, state, Map.of("format", "pt", "save_id", id));
    }

    public static Loaded load(Path model) {
        SafeTensors.Contents weights = SafeTensors.readAll(model);
        Path optim = optimPath(model), info = infoPath(model);
        if (!Files.exists(optim) || !Files.exists(info)) return new Loaded(weights.tensors(), null, null);
        SafeTensors.Contents opt = SafeTensors.readAll(optim);
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(info)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("checkpoint info " + info + " is not readable JSON: " + e.getMessage());
        }
        String id = json.has("save_id") ? json.get("save_id").getAsString() : null;
        if (id == null || !id.equals(weights.metadata().get("save_id")) || !id.equals(opt.metadata().get("save_id"))) {
            throw new CheckpointException("checkpoint files " + model + ", " + optim + " and " + info
                    + " come from different saves (an interrupted save?); resume from another checkpoint");
        }
        return new Loaded(weights.tensors(), opt.tensors(), json);
    }

    /** Copies a checkpoint's three files to another name (ckpt -> ckpt_best), each atomically. */
    public static void copy(Path from, Path to) {
        try {
            for (Path[] p : new Path[][] {{infoPath(from), infoPath(to)}, {optimPath(from), optimPath(to)}, {from, to}}) {
                Path tmp = p[1].resolveSibling("." + p[1].getFileName() + ".tmp");
                Files.copy(p[0], tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, p[1], StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot copy checkpoint " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    static void writeAtomically(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
