package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import peekaboo.autograd.Autograd;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/**
 * Parity with PyTorch 1.13 (CPU) on small cases: forward values, first derivatives and Hessian-vector
 * products of conv2d, max/avg/adaptive pooling, batch_norm (train with running-stat updates, eval) and
 * cross_entropy. The goldens come from {@code src/test/python/make_goldens.py}; torch is not needed here.
 *
 * <p>Tolerance: |ours - torch| <= rtol (|torch| + max|torch over the tensor|), rtol = 1e-10 for float64 and
 * 1e-5 for float32 (the second term keeps near-zero entries of a tensor from demanding more than the
 * tensor's own scale allows).
 */
class TorchGoldenTest {
    private static final String RESOURCE = "/goldens/torch_ops.json";
    /** Largest measured error per (op, dtype), relative to each tensor's largest magnitude; printed after the run. */
    private static final Map<String, Double> WORST = new TreeMap<>();

    static JsonObject load() {
        var in = TorchGoldenTest.class.getResourceAsStream(RESOURCE);
        assertNotNull(in, "missing test resource " + RESOURCE);
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(r).getAsJsonObject();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void goldenFileCoversEveryOpInBothDtypes() {
        JsonArray cases = load().getAsJsonArray("cases");
        List<String> seen = new ArrayList<>();
        for (JsonElement e : cases) seen.add(e.getAsJsonObject().get("op").getAsString() + "/" + e.getAsJsonObject().get("dtype").getAsString());
        for (String op : new String[] {"conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm", "cross_entropy"}) {
            for (String dt : new String[] {"float64", "float32"}) assertTrue(seen.contains(op + "/" + dt), "no golden for " + op + "/" + dt);
        }
    }

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : load().getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String name = c.get("name").getAsString() + " [" + c.get("dtype").getAsString() + "]";
            tests.add(DynamicTest.dynamicTest(name, () -> new Case(c).run()));
        }
        assertTrue(tests.size() >= 40, "expected the full golden set, found " + tests.size() + " cases");
        return tests.stream();
    }

    @AfterAll
    static void report() {
        StringBuilder sb = new StringBuilder("PyTorch parity, max |ours - torch| / max|torch| per op and dtype:\n");
        WORST.forEach((k, v) -> sb.append(String.format("  %-28s %.3e%n", k, v)));
        System.out.print(sb);
    }

    /** One golden case. */
    static final class Case {
        final JsonObject json, tensors, params;
        final String op;
        final DType dtype;
        final double rtol;

        Case(JsonObject json) {
            this.json = json;
            this.tensors = json.getAsJsonObject("tensors");
            this.params = json.getAsJsonObject("params");
            this.op = json.get("op").getAsString();
            this.dtype = json.get("dtype").getAsString().equals("float64") ? DType.F64 : DType.F32;
            this.rtol = dtype == DType.F64 ? 1e-10 : 1e-5;
        }

        int[] shape(String key) { return ints(tensors.getAsJsonObject(key).getAsJsonArray("shape")); }

        double[] values(String key) {
            JsonArray a = tensors.getAsJsonObject(key).getAsJsonArray("data");
            double[] v = new double[a.size()];
            for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsDouble();
            return v;
        }

        /** A tensor of this case's dtype (float32 goldens hold exactly representable values). */
        Tensor t(String key) { return Tensor.of(values(key), shape(key)).to(dtype); }

        Tensor leaf(String key) { return t(key).requiresGrad(true); }

        int[] param(String key) { return ints(params.getAsJsonArray(key)); }

        static int[] ints(JsonArray a) {
            int[] v = new int[a.size()];
            for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsInt();
            return v;
        }

        void expect(String key, Tensor actual) {
            assertNotNull(actual, key + " is null");
            assertEquals(dtype, actual.dtype(), key);
            assertArrayEquals(shape(key), actual.shape(), key + " shape");
            double[] e = values(key), a = actual.toDoubleArray();
            double scale = 0;
            for (double v : e) scale = Math.max(scale, Math.abs(v));
            double worst = 0;
            for (int i = 0; i < e.length; i++) {
                double err = Math.abs(a[i] - e[i]);
                if (!(err <= rtol * (Math.abs(e[i]) + scale))) {
                    throw new AssertionError(json.get("name").getAsString() + " " + dtype + " " + key + " differs at flat index " + i
                            + ": ours " + a[i] + ", torch " + e[i] + " (tensor scale " + scale + ")");
                }
                if (scale > 0) worst = Math.max(worst, err / scale);
            }
            synchronized (WORST) { WORST.merge(op + " " + dtype, worst, Math::max); }
        }

        static Tensor zerosIfNull(Tensor g, Tensor like) { return g != null ? g : Tensor.zerosLike(like); }

        static Tensor dot(Tensor a, Tensor b) { return a.mul(b).sum(); }

        void run() {
            switch (op) {
                case "conv2d" -> conv();
                case "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d" -> pool();
                case "batch_norm" -> batchNorm();
                case "cross_entropy" -> crossEntropy();
                default -> throw new AssertionError("unknown op in golden file: " + op);
            }
        }

        void conv() {
            boolean bias = tensors.has("b");
            Tensor x = leaf("x"), w = leaf("w"), b = bias ? leaf("b") : null;
            Tensor y = Convolution.conv2d(x, w, b, param("stride"), param("padding"), param("dilation"), params.get("groups").getAsInt());
            expect("y", y);
            Tensor[] ins = bias ? new Tensor[] {x, w, b} : new Tensor[] {x, w};
            Tensor[] g = Autograd.grad(new Tensor[] {dot(y, t("dy"))}, null, ins, true, true, false);
            expect("dx", g[0]);
            expect("dw", g[1]);
            if (bias) expect("db", g[2]);
            Tensor s = dot(g[0], t("ux")).add(dot(g[1], t("uw")));
            Tensor[] h = Autograd.grad(new Tensor[] {s}, null, new Tensor[] {x, w}, false, false, true);
            expect("hx", zerosIfNull(h[0], x));
            expect("hw", zerosIfNull(h[1], w));
        }

        void pool() {
            Tensor x = leaf("x");
            Tensor y = switch (op) {
                case "max_pool2d" -> Pooling.maxPool2d(x, param("kernel"), param("stride"), param("padding"), params.get("ceil_mode").getAsBoolean());
                case "avg_pool2d" -> Pooling.avgPool2d(x, param("kernel"), param("stride"), param("padding"),
                        params.get("ceil_mode").getAsBoolean(), params.get("count_include_pad").getAsBoolean());
                default -> Pooling.adaptiveAvgPool2d(x, param("output_size")[0], param("output_size")[1]);
            };
            expect("y", y);
            expect("dx", Autograd.grad(new Tensor[] {dot(y, t("dy"))}, null, new Tensor[] {x}, false, false, false)[0]);
        }

        void batchNorm() {
            boolean training = params.get("training").getAsBoolean(), affine = params.get("affine").getAsBoolean();
            double momentum = params.get("momentum").getAsDouble(), eps = params.get("eps").getAsDouble();
            Tensor x = leaf("x"), w = affine ? leaf("weight") : null, b = affine ? leaf("bias") : null;
            Tensor rm = t("running_mean"), rv = t("running_var");
            Tensor y = F.batchNorm(x, rm, rv, w, b, training, momentum, eps);
            expect("y", y);
            expect("running_mean_after", rm);
            expect("running_var_after", rv);
            Tensor[] ins = affine ? new Tensor[] {x, w, b} : new Tensor[] {x};
            Tensor[] g = Autograd.grad(new Tensor[] {dot(y, t("dy"))}, null, ins, true, true, false);
            expect("dx", g[0]);
            if (affine) {
                expect("dweight", g[1]);
                expect("dbias", g[2]);
            }
            Tensor s = dot(g[0], t("ux"));
            if (affine) s = s.add(dot(g[1], t("uw")));
            Tensor[] wrt = affine ? new Tensor[] {x, w} : new Tensor[] {x};
            Tensor[] h = s.requiresGrad() ? Autograd.grad(new Tensor[] {s}, null, wrt, false, false, true) : new Tensor[wrt.length];
            expect("hx", zerosIfNull(h[0], x));
            if (affine) expect("hw", zerosIfNull(h[1], w));
        }

        void crossEntropy() {
            Tensor logits = leaf("logits");
            double[] tv = values("target");
            long[] target = new long[tv.length];
            for (int i = 0; i < tv.length; i++) target[i] = (long) tv[i];
            Tensor loss = F.crossEntropy(logits, Tensor.of(target, target.length));
            expect("loss", loss);
            Tensor[] g = Autograd.grad(new Tensor[] {loss}, null, new Tensor[] {logits}, true, true, false);
            expect("dlogits", g[0]);
            expect("hlogits", Autograd.grad(new Tensor[] {dot(g[0], t("u"))}, null, new Tensor[] {logits}, false, false, false)[0]);
        }
    }
}
