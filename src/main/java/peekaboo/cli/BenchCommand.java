package peekaboo.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import peekaboo.backend.Backends;
import peekaboo.pab.prune.PruneOptions;
import peekaboo.pab.prune.PrunerKind;
import peekaboo.pab.train.StepBenchmark;
import peekaboo.pab.train.TrainSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pab bench}: median images/s of a full training step on random data, so anyone can reproduce the speed figures. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Median images/s of full training steps (forward, backward, optimiser) on random data.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    PsgOptions psg;

    @Option(names = "--arch", defaultValue = "ResNet20", description = "architecture (default: ${DEFAULT-VALUE})") String arch;
    @Option(names = "--bs", defaultValue = "128", description = "batch size (default: ${DEFAULT-VALUE})") int bs;
    @Option(names = "--num-classes", defaultValue = "10", description = "classes (default: ${DEFAULT-VALUE})") int classes;
    @Option(names = "--optimizer", defaultValue = "SGD", description = "SGD or BOP (default: ${DEFAULT-VALUE})") String optimizer;
    @Option(names = "--pruner", description = "prune first (SynFlow, Mag, Rand; SNIP/GraSP score on the random batch)") String pruner;
    @Option(names = "--prune-ratio", defaultValue = "0.3", description = "fraction remaining when --pruner is given (default: ${DEFAULT-VALUE})") double pruneRatio;
    @Option(names = "--prune-iters", defaultValue = "1", description = "pruning iterations (default: ${DEFAULT-VALUE})") int pruneIters;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, opencl, opencl:P:D or aparapi (default: ${DEFAULT-VALUE})") String device;
    @Option(names = "--steps", defaultValue = "10", description = "timed steps (default: ${DEFAULT-VALUE})") int steps;
    @Option(names = "--warmup", defaultValue = "3", description = "untimed steps first (default: ${DEFAULT-VALUE}; the JIT goes on compiling for ~100 steps, so steady-state figures want --warmup 100)") int warmup;
    @Option(names = "--seed", defaultValue = "0", description = "seed (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--alternate-dense", description = "also time the Psg architecture's dense twin (its name without Psg, "
            + "SGD, unpruned) in the same process, the two steps taken in turn, and print the ratio") boolean alternateDense;

    @Override
    public Integer call() {
        if (bs < 1 || steps < 1 || warmup < 0) throw new IllegalArgumentException("--bs and --steps must be at least 1 and --warmup at least 0");
        if (!optimizer.equals("SGD") && !optimizer.equals("BOP")) throw new IllegalArgumentException("--optimizer must be SGD or BOP, got '" + optimizer + "'");
        if (alternateDense && !arch.startsWith("Psg")) {
            throw new IllegalArgumentException("--alternate-dense times a Psg architecture against its dense twin; --arch "
                    + arch + " is not one (use PsgResNet20, PsgVGG11, ...)");
        }
        TrainCommand.selectDevice(device, null, null);
        PruneOptions prune = pruner == null ? null : new PruneOptions(PrunerKind.parse(pruner), pruneRatio, pruneIters,
                PruneOptions.Schedule.EXPONENTIAL, PruneOptions.Scope.GLOBAL, -1, false);
        TrainSettings s = settings(arch, optimizer, prune);
        double ips;
        if (alternateDense) {
            String twin = arch.substring("Psg".length());
            double[] both = StepBenchmark.runAlternating(s, settings(twin, "SGD", null), classes, warmup, steps, System.out);
            ips = both[0];
            System.out.printf("dense twin %s batch %d, SGD on %s (%d threads), steps taken in turn with %s's: median %.1f images/s"
                    + " over %d steps (%s / %s = %.3f)%n", twin, bs, Backends.getDefault().name(),
                    peekaboo.backend.cpu.Parallel.threads(), arch, both[1], steps, arch, twin, both[0] / both[1]);
        } else {
            ips = StepBenchmark.run(s, classes, warmup, steps, System.out);
        }
        System.out.printf("%s batch %d, %s%s on %s (%d threads): median %.1f images/s over %d steps%n", arch, bs, optimizer,
                prune != null ? ", " + pruner + " " + pruneRatio : "", Backends.getDefault().name(), peekaboo.backend.cpu.Parallel.threads(), ips, steps);
        return 0;
    }

    /** A benchmark's settings: SGD at lr 0.1, momentum 0.9, weight decay 5e-4, Bop at ar 1e-3 and tau 1e-6, synthetic data. */
    private TrainSettings settings(String architecture, String optimiser, PruneOptions prune) {
        return new TrainSettings(architecture, "kaiming_normal", "synthetic", null, classes, optimiser, 0.1, 0.9, 5e-4, false,
                new int[0], bs, 100, 1, 0, 1e-3, 1e-6, 100, 0.1, prune, 0, 1, 256, psg.settings(), seed, 0, Path.of("results"),
                "bench", null, false, null, -1, 0, false);
    }
}
