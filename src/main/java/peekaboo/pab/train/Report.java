package peekaboo.pab.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import peekaboo.io.CheckpointException;
import peekaboo.io.SafeTensors;
import peekaboo.tensor.Tensor;

/**
 * Charts of one or several runs from their {@code metrics.jsonl} and final checkpoint: accuracy and loss
 * curves, Bop flips per epoch, and the per-layer density after pruning; each as PNG and SVG.
 */
public final class Report {
    private Report() {}

    /** Writes the charts for the given run directories into {@code out}; returns the files written. */
    public static List<Path> write(List<Path> runs, Path out) {
        Map<String, List<JsonObject>> metrics = new LinkedHashMap<>();
        for (Path run : runs) metrics.put(run.getFileName().toString(), read(run.resolve("metrics.jsonl")));
        List<Path> files = new ArrayList<>();
        files.addAll(save(curves(metrics, "Test accuracy", "test_acc", "accuracy (%)"), out, "accuracy"));
        files.addAll(save(curves(metrics, "Training loss", "train_loss", "loss"), out, "loss"));
        files.addAll(save(curves(metrics, "Sign flips per epoch (Bop)", "flips", "flips"), out, "flips"));
        CategoryChart density = densities(runs);
        if (density != null) files.addAll(save(density, out, "density"));
        return files;
    }

    static List<JsonObject> read(Path file) {
        try {
            List<JsonObject> rows = new ArrayList<>();
            for (String line : Files.readAllLines(file)) if (!line.isBlank()) rows.add(JsonParser.parseString(line).getAsJsonObject());
            if (rows.isEmpty()) throw new CheckpointException(file + " has no epochs yet");
            return rows;
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + " (is it a run directory of `pab train`?): " + e.getMessage(), e);
        }
    }

    private static XYChart curves(Map<String, List<JsonObject>> runs, String title, String key, String yLabel) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("epoch").yAxisTitle(yLabel).build();
        runs.forEach((name, rows) -> {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (JsonObject r : rows) {
                if (!r.has(key) || r.get(key).isJsonNull()) continue;
                x.add(r.get("epoch").getAsDouble());
                y.add(r.get(key).getAsDouble());
            }
            if (!x.isEmpty()) chart.addSeries(name, x, y);
        });
        return chart;
    }

    /** Remaining fraction per masked layer of each run's final checkpoint (runs that pruned nothing are left out). */
    private static CategoryChart densities(List<Path> runs) {
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(500).title("Density per layer after pruning")
                .xAxisTitle("layer").yAxisTitle("fraction remaining").build();
        chart.getStyler().setXAxisLabelRotation(60);
        boolean any = false;
        for (Path run : runs) {
            Path ckpt = run.resolve("ckpt.safetensors");
            if (!Files.exists(ckpt)) continue;
            List<String> layers = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            boolean pruned = false;
            for (Map.Entry<String, Tensor> e : SafeTensors.read(ckpt).entrySet()) {
                if (!e.getKey().endsWith(".weight_mask")) continue;
                double d = e.getValue().sum().item() / e.getValue().numel();
                pruned |= d < 1;
                layers.add(e.getKey().substring(0, e.getKey().length() - ".weight_mask".length()));
                values.add(d);
            }
            if (pruned) {
                chart.addSeries(run.getFileName().toString(), layers, values);
                any = true;
            }
        }
        return any ? chart : null;
    }

    private static List<Path> save(Chart<?, ?> chart, Path dir, String name) {
        try {
            Files.createDirectories(dir);
            Path png = dir.resolve(name + ".png"), svg = dir.resolve(name + ".svg");
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
            VectorGraphicsEncoder.saveVectorGraphic(chart, svg.toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            return List.of(png, svg);
        } catch (IOException e) {
            throw new CheckpointException("cannot write the " + name + " chart into " + dir + ": " + e.getMessage(), e);
        }
    }
}
