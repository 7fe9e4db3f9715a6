package peekaboo.pab.train;

import com.google.gson.Gson;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A run's {@code log.txt} (also echoed to the console), its {@code metrics.jsonl} (one JSON object per epoch) and the progress bar. */
final class RunLog implements AutoCloseable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private final Writer log;
    private final Path metrics;
    private final PrintStream console;
    private final boolean progress;

    RunLog(Path dir, PrintStream console, boolean progress) {
        try {
            Files.createDirectories(dir);
            this.log = Files.newBufferedWriter(dir.resolve("log.txt"), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run log in " + dir + ": " + e.getMessage(), e);
        }
        this.metrics = dir.resolve("metrics.jsonl");
        this.console = console;
        this.progress = progress;
    }

    void info(String format, Object... args) {
        String line = String.format(format, args);
        console.println(line);
        try {
            log.write(LocalDateTime.now().format(TIME) + " " + line + "\n");
            log.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to log.txt: " + e.getMessage(), e);
        }
    }

    void metrics(Map<String, Object> epoch) {
        try {
            Files.writeString(metrics, new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(epoch) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + metrics + ": " + e.getMessage(), e);
        }
    }

    /** A progress bar (loss, accuracy, images/s, ETA) on an interactive terminal; null otherwise. */
    ProgressBar bar(String task, long steps) {
        if (!progress) return null;
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setMaxRenderedLength(120).continuousUpdate().build();
    }

    @Override
    public void close() {
        try {
            log.close();
        } catch (IOException ignored) {
            // closing a log that could be written to so far
        }
    }
}
