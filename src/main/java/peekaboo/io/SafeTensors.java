package peekaboo.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}},
 * then the raw little-endian data. Reading maps the file and converts one tensor at a time; writing
 * streams to a temporary file that is renamed into place, so a crash never leaves half a checkpoint.
 */
public final class SafeTensors {
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    /** A file's tensors (in data order) and its {@code __metadata__}. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    public static Map<String, Tensor> read(Path file) { return readAll(file).tensors(); }

    public static Contents readAll(Path file) {
        if (!Files.isRegularFile(file)) throw new CheckpointException("safetensors file " + file + " does not exist");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw corrupt(file, "it is " + size + " bytes long, shorter than the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw corrupt(file, "its header length " + headerLen + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonObject header;
            try {
                header = JsonParser.parseString(new String(hb.array(), StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw corrupt(file, "its header is not a JSON object (" + e.getMessage() + ")");
            }
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) metadata.put(m.getKey(), m.getValue().getAsString());
                    continue;
                }
                entries.add(Entry.parse(file, e.getKey(), e.getValue(), dataLen));
            }
            entries.sort((a, b) -> Long.compare(a.begin, b.begin));
            for (int i = 1; i < entries.size(); i++) {
                if (entries.get(i).begin < entries.get(i - 1).end) {
                    throw corrupt(file, "tensors '" + entries.get(i - 1).name + "' and '" + entries.get(i).name + "' overlap");
                }
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry en : entries) {
                long n = en.end - en.begin;
                if (n > Integer.MAX_VALUE) throw corrupt(file, "tensor '" + en.name + "' is larger than 2 GB");
                MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + en.begin, n);
                map.order(ByteOrder.LITTLE_ENDIAN);
                tensors.put(en.name, Codec.decode(en.dtype, en.shape, map));
            }
            return new Contents(tensors, metadata);
        } catch (IOException e) {
            throw new CheckpointException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    static CheckpointException corrupt(Path file, String what) {
        return new CheckpointException("safetensors file " + file + " is corrupt or truncated: " + what);
    }

    /** One header entry, validated against the data section. */
    private record Entry(String name, String dtype, int[] shape, long begin, long end) {
        static Entry parse(Path file, String name, JsonElement json, long dataLen) {
            try {
                JsonObject o = json.getAsJsonObject();
                String dtype = o.get("dtype").getAsString();
                JsonArray s = o.get("shape").getAsJsonArray();
                int[] shape = new int[s.size()];
                for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).getAsInt();
                JsonArray off = o.get("data_offsets").getAsJsonArray();
                long begin = off.get(0).getAsLong(), end = off.get(1).getAsLong();
                int width = Codec.width(dtype);
                if (width < 0) throw corrupt(file, "tensor '" + name + "' has dtype " + dtype + ", which this reader does not support (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
                long expected = (long) Shape.numel(shape) * width;
                if (begin < 0 || end < begin || end > dataLen) {
                    throw corrupt(file, "tensor '" + name + "' has data offsets [" + begin + ", " + end + "] outside the " + dataLen + " data bytes");
                }
                if (end - begin != expected) {
                    throw corrupt(file, "tensor '" + name + "' of shape " + Shape.str(shape) + " and dtype " + dtype + " needs " + expected
                            + " bytes but its offsets span " + (end - begin));
                }
                return new Entry(name, dtype, shape, begin, end);
            } catch (NullPointerException | IllegalStateException | UnsupportedOperationException | IndexOutOfBoundsException e) {
                throw corrupt(file, "the header entry of '" + name + "' lacks dtype, shape or data_offsets");
            }
        }
    }

    /** Writes tensors (in the given order) atomically: a temporary file renamed over the target. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", metadata);
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long n = (long) t.numel() * t.dtype().byteSize();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", Codec.name(t.dtype()));
            entry.put("shape", t.shape());
            entry.put("data_offsets", new long[] {offset, offset + n});
            header.put(e.getKey(), entry);
            offset += n;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the data section starts 8-byte aligned, as the Python writer does
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
                out.write(len.array());
                out.write(json);
                for (int i = json.length; i < padded; i++) out.write(' ');
                for (Tensor t : tensors.values()) Codec.encode(t, out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CheckpointException("cannot write safetensors file " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the rename succeeded or the directory is gone: nothing left to clean
                }
            }
        }
    }
}
