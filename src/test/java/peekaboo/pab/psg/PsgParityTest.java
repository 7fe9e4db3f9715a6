package peekaboo.pab.psg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import peekaboo.io.SafeTensors;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;
import peekaboo.testing.Goldens;

/**
 * Parity with a PyTorch two-branch PSG written from the spec (src/test/python/make_psg_goldens.py, Debian
 * python3-torch 1.13): PsgResNet20 with deterministic weights, a batch of 8 in training mode, for the seed
 * command's flags (8/8/16 bits, threshold 1e-7, sparsify, no sign), the defaults (4/4/8, threshold 0,
 * sign) and a non-zero threshold without sparsify. Loss and logits agree to 1e-4 relative; per layer,
 * the fraction of weight-gradient entries that differ (in sign when the sign is taken, else beyond the
 * parity contract's 1e-2 relative or 5e-3 of the tensor's largest entry) stays within 1% (spec section 0).
 */
class PsgParityTest {
    static final Path GOLDENS = Path.of("src/test/resources/goldens/psg");

    static double maxRelativeError(Tensor expected, Tensor actual) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        double scale = 0, err = 0;
        for (double v : e) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < e.length; i++) err = Math.max(err, Math.abs(e[i] - a[i]));
        return err / Math.max(scale, 1e-30);
    }

    /** {fraction of entries that differ, max |difference| / max |expected|}. */
    static double[] compare(Tensor expected, Tensor actual, boolean signs) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        double scale = 0, err = 0;
        for (double v : e) scale = Math.max(scale, Math.abs(v));
        int differ = 0;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]);
            err = Math.max(err, d);
            if (signs ? e[i] != a[i] : d > 1e-2 * Math.abs(e[i]) + 5e-3 * scale) differ++;
        }
        return new double[] {(double) differ / e.length, err / Math.max(scale, 1e-30)};
    }

    static PsgConfig config(JsonObject f) {
        return new PsgConfig(f.get("msb_bits").getAsInt(), f.get("msb_bits_weight").getAsInt(), f.get("msb_bits_grad").getAsInt(),
                f.get("threshold").getAsDouble(), f.get("sparsify").getAsBoolean(), f.get("sign").getAsBoolean(),
                f.get("predictive_backward").getAsBoolean());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"seed", "defaults", "mixed"})
    void matchesTheTwoBranchPyTorchPsg(String flags) {
        SafeTensors.Contents golden = SafeTensors.readAll(GOLDENS.resolve("PsgResNet20_" + flags + ".safetensors"));
        Map<String, Tensor> t = golden.tensors();
        PsgConfig cfg = config(new Gson().fromJson(golden.metadata().get("flags"), JsonObject.class));
        Network net = Models.build("PsgResNet20", 10, null, InitMethod.STANDARD, new Generator(0), cfg);
        List<String> keys = new Gson().fromJson(golden.metadata().get("state_dict_keys"), new TypeToken<List<String>>() {}.getType());
        assertEquals(keys, new ArrayList<>(net.stateDict().keySet()), "state_dict keys and order");
        Goldens.fillDeterministic(net.stateDict(), Long.parseLong(golden.metadata().get("weights_seed")));
        net.train(true);
        Tensor logits = net.forward(t.get("input"));
        Tensor loss = F.crossEntropy(logits, t.get("target"));
        loss.backward();
        double logitErr = maxRelativeError(t.get("logits"), logits), lossErr = maxRelativeError(t.get("loss"), loss.reshape(1));
        System.out.printf("PSG parity (%s, %s): logits %.2e, loss %.2e (max relative error)%n", flags, cfg, logitErr, lossErr);
        assertTrue(logitErr <= 1e-4 && lossErr <= 1e-4, "logits " + logitErr + ", loss " + lossErr);
        long differ = 0, total = 0;
        double worstFraction = 0, worstErr = 0;
        Map<String, Tensor> bop = net.bopParameters();
        for (var e : net.namedParameters().entrySet()) {
            boolean conv = bop.containsKey(e.getKey());
            double[] c = compare(t.get("grad." + e.getKey()), e.getValue().grad(), conv && cfg.takeSign());
            int n = e.getValue().numel();
            if (conv) {
                System.out.printf("  %-28s %8d entries: %.4f%% differ, max error %.2e of the largest%n", e.getKey(), n, 100 * c[0], c[1]);
                differ += Math.round(c[0] * n);
                total += n;
                worstFraction = Math.max(worstFraction, c[0]);
                worstErr = Math.max(worstErr, c[1]);
                assertTrue(c[0] <= 0.01, e.getKey() + ": " + 100 * c[0] + "% of the entries differ");
            } else {
                assertEquals(0.0, c[0], e.getKey() + " (BN / classifier gradient) differs beyond the parity contract; max error " + c[1]);
            }
        }
        System.out.printf("PSG parity (%s): conv weight gradients %d of %d entries differ (%.4f%%), worst layer %.4f%%, worst max error %.2e%n",
                flags, differ, total, 100.0 * differ / total, 100 * worstFraction, worstErr);
    }
}
