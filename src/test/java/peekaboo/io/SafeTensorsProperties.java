package peekaboo.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

class SafeTensorsProperties {

    static Tensor randomTensor(DType dtype, int[] shape, long seed) {
        Generator g = new Generator(seed);
        return switch (dtype) {
            case F32, F64 -> Tensor.randn(g, dtype, shape);
            case I64 -> Tensor.uniform(g, -1e6, 1e6, DType.F64, shape).round().to(DType.I64);
            case U8 -> Tensor.uniform(g, 0, 255, DType.F64, shape).round().to(DType.U8);
            case BOOL -> Tensor.rand(g, DType.F64, shape).gt(0.5);
        };
    }

    @Provide
    Arbitrary<List<DType>> dtypeLists() { return Arbitraries.of(DType.values()).list().ofMinSize(0).ofMaxSize(5); }

    @Property(tries = 30, seed = "120")
    void roundTripKeepsNamesOrderDtypesShapesAndValues(@ForAll("dtypeLists") List<DType> dtypes, @ForAll long seed) throws IOException {
        Path dir = Files.createTempDirectory("st");
        Map<String, Tensor> in = new LinkedHashMap<>();
        Generator g = new Generator(seed);
        for (int i = 0; i < dtypes.size(); i++) {
            int rank = g.nextInt(4);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = g.nextInt(5); // zero-size dimensions included
            in.put("layer" + i + ".weight", randomTensor(dtypes.get(i), shape, seed + i));
        }
        Path file = dir.resolve("x.safetensors");
        SafeTensors.write(file, in, Map.of("format", "pt", "epoch", "3"));
        SafeTensors.Contents out = SafeTensors.readAll(file);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(out.tensors().keySet()));
        assertEquals(Map.of("format", "pt", "epoch", "3"), out.metadata());
        for (String k : in.keySet()) {
            Tensor a = in.get(k), b = out.tensors().get(k);
            assertEquals(a.dtype(), b.dtype(), k);
            assertArrayEquals(a.shape(), b.shape(), k);
            assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), k);
        }
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "data section 8-byte aligned");
    }

    @Test
    void writesNonContiguousViewsInLogicalOrder(@TempDir Path dir) {
        Tensor t = Tensor.arange(6).to(DType.F32).reshape(2, 3).t();
        SafeTensors.write(dir.resolve("t.safetensors"), Map.of("t", t), null);
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, SafeTensors.read(dir.resolve("t.safetensors")).get("t").toFloatArray());
    }

    @Test
    void readsHalfPrecisionAndNarrowIntegersWidened(@TempDir Path dir) throws IOException {
        // F16 1.0 = 0x3c00, -2.5 = 0xc100; BF16 1.5 = 0x3fc0; I32 -7
        byte[] data = {0x00, 0x3c, 0x00, (byte) 0xc1, (byte) 0xc0, 0x3f, (byte) 0xf9, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[6,10]}}";
        Path f = dir.resolve("h.safetensors");
        Files.write(f, concat(header, data));
        Map<String, Tensor> t = SafeTensors.read(f);
        assertArrayEquals(new float[] {1.0f, -2.5f}, t.get("h").toFloatArray());
        assertArrayEquals(new float[] {1.5f}, t.get("b").toFloatArray());
        assertEquals(DType.I64, t.get("i").dtype());
        assertEquals(-7, t.get("i").item());
    }

    static byte[] concat(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    @Test
    void corruptFilesGetOneClearSentenceNamingTheFile(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafeTensors.write(good, Map.of("w", Tensor.ones(4, 4)), null);
        byte[] bytes = Files.readAllBytes(good);
        assertCorrupt(dir, "missing.safetensors", null, "does not exist");
        assertCorrupt(dir, "short.safetensors", new byte[] {1, 2, 3}, "shorter than the 8-byte header length");
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 10);
        assertCorrupt(dir, "truncated.safetensors", truncated, "outside the");
        byte[] hugeHeader = bytes.clone();
        hugeHeader[6] = 0x7f;
        assertCorrupt(dir, "header.safetensors", hugeHeader, "header length");
        assertCorrupt(dir, "json.safetensors", concat("{not json", new byte[0]), "not a JSON object");
        assertCorrupt(dir, "dtype.safetensors", concat("{\"w\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]), "C64");
        assertCorrupt(dir, "size.safetensors", concat("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "needs 12 bytes");
        assertCorrupt(dir, "overlap.safetensors", concat("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]), "overlap");
        assertCorrupt(dir, "entry.safetensors", concat("{\"w\":{\"shape\":[1]}}", new byte[0]), "lacks dtype");
    }

    private static void assertCorrupt(Path dir, String name, byte[] content, String expected) throws IOException {
        Path f = dir.resolve(name);
        if (content != null) Files.write(f, content);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains(name), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "says what is wrong (" + expected + "): " + e.getMessage());
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFileAndReplacesNothing(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("ckpt.safetensors");
        Files.createDirectories(target.resolve("occupied")); // the final rename must fail
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.write(target, Map.of("w", Tensor.ones(2)), null));
        assertTrue(e.getMessage().contains("ckpt.safetensors"), e.getMessage());
        assertTrue(Files.isDirectory(target.resolve("occupied")));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void overwritingReplacesTheWholeFile(@TempDir Path dir) {
        Path f = dir.resolve("ckpt.safetensors");
        SafeTensors.write(f, Map.of("w", Tensor.ones(1000)), null);
        SafeTensors.write(f, Map.of("v", Tensor.zeros(2)), null);
        assertEquals(List.of("v"), List.copyOf(SafeTensors.read(f).keySet()));
    }
}
