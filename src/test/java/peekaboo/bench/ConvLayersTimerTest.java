package peekaboo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What bench/conv-layers.sh relies on: both sides time the same layers, and our timer's tab-separated lines. */
class ConvLayersTimerTest {

    @Test
    void torchScriptTimesTheSameLayersAsOurTimer() throws IOException {
        String script = Files.readString(Path.of("bench/torch/conv_layers.py"));
        for (String model : new String[] {"resnet20", "resnet18"}) {
            Matcher list = Pattern.compile("\"" + model + "\": \\[(.*?)\\],?\\n\\s*(\"|})", Pattern.DOTALL).matcher(script);
            assertTrue(list.find(), "no layer list for " + model + " in conv_layers.py");
            List<int[]> torch = new ArrayList<>();
            Matcher tuple = Pattern.compile("\\(([0-9, ]+)\\)").matcher(list.group(1));
            while (tuple.find()) {
                String[] parts = tuple.group(1).split(",\\s*");
                int[] spec = new int[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    spec[i] = Integer.parseInt(parts[i].trim());
                }
                torch.add(spec);
            }
            int[][] ours = ConvLayersTimer.layers(model);
            assertEquals(ours.length, torch.size(), model + ": number of layers");
            for (int i = 0; i < ours.length; i++) {
                assertArrayEquals(ours[i], torch.get(i), model + " layer " + i);
            }
        }
    }

    @Test
    void tsvLinesCarryNameCountPassMillisecondsAndGflops() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        String savedTsv = System.getProperty("tsv");
        String savedLayers = System.getProperty("layers");
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            System.setProperty("tsv", "true");
            System.setProperty("layers", "7"); // ResNet-20's 32->64 1x1 stride-2 shortcut: the quickest row
            ConvLayersTimer.main(new String[] {"resnet20", "1", "100"});
        } finally {
            System.setOut(saved);
            restore("tsv", savedTsv);
            restore("layers", savedLayers);
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(3, lines.length, String.join("\n", lines));
        String[] passes = {"forward", "inputGrad", "weightGrad"};
        for (int i = 0; i < 3; i++) {
            String[] f = lines[i].split("\t");
            assertEquals(5, f.length, lines[i]);
            assertEquals("32->64 16x16 1x1 s2", f[0]);
            assertEquals("1", f[1]);
            assertEquals(passes[i], f[2]);
            assertTrue(Double.parseDouble(f[3]) > 0, lines[i]);
            assertTrue(Double.parseDouble(f[4]) > 0, lines[i]);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
