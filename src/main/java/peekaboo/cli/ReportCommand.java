package peekaboo.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import peekaboo.pab.train.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pab report RUN...}: PNG and SVG charts of one or several training runs on shared axes. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Charts (PNG and SVG) of training runs: test accuracy, training loss, flips per epoch, per-layer density.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RUN", description = "run directories of `pab train` (several runs share each chart)")
    List<Path> runs;

    @Option(names = "--out", description = "where to write the charts (default: the first run's directory)")
    Path out;

    @Override
    public Integer call() {
        for (Path r : runs) {
            if (!Files.isDirectory(r)) throw new IllegalArgumentException(r + " is not a directory; give run directories such as results/my-run");
        }
        Path dir = out != null ? out : runs.get(0);
        List<Path> files = Report.write(runs, dir);
        System.out.println("wrote " + files.size() + " files to " + dir + ": " + files.stream().map(p -> p.getFileName().toString()).toList());
        return 0;
    }
}
