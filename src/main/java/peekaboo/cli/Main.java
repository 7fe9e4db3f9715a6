package peekaboo.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code pab} command: one entry point with sub-commands. */
@Command(name = "pab", mixinStandardHelpOptions = true, version = "pab 0.1.0",
        description = "Peek-a-Boo in pure Java: prune at initialisation, train by flipping signs.",
        subcommands = {DemoCommand.class, DatasetCommand.class, DevicesCommand.class, ModelsCommand.class, SummaryCommand.class,
            PruneCommand.class, TrainCommand.class, GradCommand.class, ReportCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        // one line per log record: "INFO: OpenCL device opened: ..."
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code; user mistakes end in one sentence, not a stack trace. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                    || ex instanceof peekaboo.data.DatasetException || ex instanceof peekaboo.io.CheckpointException || ex instanceof peekaboo.pab.train.TrainingDivergedException || ex instanceof UnsupportedOperationException) {
                cmd.getErr().println("pab " + cmd.getCommandName() + ": " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    /** Where the repository is (set by the ./pab launcher), for the bundled sample data. */
    static java.nio.file.Path home() {
        return java.nio.file.Path.of(System.getProperty("peekaboo.home", "."));
    }
}
