package peekaboo.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import peekaboo.models.Models;
import peekaboo.pab.prune.PruneOptions;
import peekaboo.pab.prune.PrunerKind;
import peekaboo.pab.train.Report;
import peekaboo.pab.train.TrainSettings;
import peekaboo.pab.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's main job: a short PaB run (SynFlow to 30% density at initialisation, then Bop on the conv
 * weights with PSG's low-precision weight gradients, the seed's PSG flags, and SGD on BN and the
 * classifier) on the Psg twin of the architecture, and a dense-SGD run of the plain architecture with the
 * same budget, on the bundled Fashion-MNIST sample, then the report charts of both.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "A short PaB run (SynFlow 30%% + Bop + PSG) next to dense SGD on the bundled Fashion-MNIST sample, with charts.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data", description = "directory with the four Fashion-MNIST IDX files (default: the bundled sample)")
    Path data;

    @Option(names = "--arch", defaultValue = "ResNet20", description = "architecture; PaB runs its Psg twin (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--epochs", defaultValue = "3", description = "epochs of each run (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--savedir", defaultValue = "results", description = "where the two runs go (default: ${DEFAULT-VALUE})")
    Path savedir;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, opencl, opencl:P:D or aparapi (see `pab devices`; default: ${DEFAULT-VALUE})")
    String device;

    @Override
    public Integer call() {
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        TrainCommand.selectDevice(device, null, null);
        Path dir = data != null ? data : Main.home().resolve("data-loaders/sample/fashion-mnist");
        String pabArch = Models.psgTwin(arch), sgdArch = Models.plainTwin(arch);
        // the seed's PSG flags: --msb-bits 8 --msb-bits-weight 8 --msb-bits-grad 16 --psg-threshold 1e-7 --psg-no-take-sign --psg-sparsify
        TrainSettings.Psg psg = new TrainSettings.Psg(false, 8, 8, 16, 1e-7, true, true);
        PruneOptions synflow = new PruneOptions(PrunerKind.SYNFLOW, 0.3, 20, PruneOptions.Schedule.EXPONENTIAL, PruneOptions.Scope.GLOBAL, -1, false);
        long t0 = System.nanoTime();
        System.out.println("=== PaB: " + pabArch + ", SynFlow to 30% density at initialisation, then Bop (ar 1e-3, tau 1e-6) with PSG ===");
        Trainer.Result pab = Trainer.run(settings("demo-pab", pabArch, "BOP", synflow, dir, psg), System.out);
        System.out.println("=== dense SGD, " + sgdArch + ", same budget ===");
        Trainer.Result sgd = Trainer.run(settings("demo-sgd", sgdArch, "SGD", null, dir, psg), System.out);
        double minutes = (System.nanoTime() - t0) / 60e9;
        List<Path> charts = Report.write(List.of(pab.runDir(), sgd.runDir()), savedir.resolve("demo-report"));
        System.out.printf("%nPaB (SynFlow 30%% + Bop + PSG): test accuracy %.2f%% after %d epochs (best %.2f%%), density %.3f%n",
                pab.lastTestAcc(), pab.epochsRun(), pab.bestAcc(), pab.density());
        System.out.printf("dense SGD:                      test accuracy %.2f%% after %d epochs (best %.2f%%)%n", sgd.lastTestAcc(), sgd.epochsRun(), sgd.bestAcc());
        System.out.printf("%.1f minutes; charts in %s (%d files)%n", minutes, savedir.resolve("demo-report"), charts.size());
        return 0;
    }

    private TrainSettings settings(String name, String arch, String optimizer, PruneOptions prune, Path dir, TrainSettings.Psg psg) {
        java.io.File old = savedir.resolve(name).toFile();
        deleteRecursively(old); // a demo starts fresh (pab train would resume from an existing init checkpoint)
        return new TrainSettings(arch, "kaiming_normal", "fashion-mnist", dir, null, optimizer, 0.1, 0.9, 5e-4, false, new int[] {80, 120},
                128, 100, epochs, -1, 1e-3, 1e-6, 100, 0.1, prune, 0, 1, 256, psg, seed, 2, savedir, name, null, false, null, -1, 10,
                System.console() != null);
    }

    private static void deleteRecursively(java.io.File f) {
        java.io.File[] children = f.listFiles();
        if (children != null) for (java.io.File c : children) deleteRecursively(c);
        f.delete();
    }
}
