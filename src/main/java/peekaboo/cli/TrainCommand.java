package peekaboo.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import peekaboo.pab.prune.PruneOptions;
import peekaboo.pab.prune.PrunerKind;
import peekaboo.pab.train.TrainSettings;
import peekaboo.pab.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pab train}: PaB stage 2 and ordinary training (spec sections 3, 5, 6). The seed's CIFAR command
 * runs verbatim with {@code pab train} in place of the Python script; the ImageNet stage-2 flags are
 * accepted too.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a network: dense SGD, or PaB (prune, then Bop on the conv weights and SGD on BN and the classifier).")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    PsgOptions psg;

    @Parameters(arity = "0..1", paramLabel = "DATA", description = "dataset directory (the ImageNet scripts' positional argument); same as --data")
    Path positionalData;

    @Option(names = {"--arch", "-a"}, defaultValue = "ResNet18", description = "architecture (default: ${DEFAULT-VALUE})") String arch;
    @Option(names = "--init-method", defaultValue = "standard", description = "conv initialisation (default: ${DEFAULT-VALUE})") String initMethod;
    @Option(names = "--dataset", defaultValue = "cifar10", description = "cifar10, cifar100, imagefolder, fashion-mnist, mnist or synthetic (default: ${DEFAULT-VALUE})") String dataset;
    @Option(names = "--data", description = "dataset directory") Path data;
    @Option(names = "--num-classes", description = "classes (default: the dataset's)") Integer numClasses;
    @Option(names = "--lr", defaultValue = "0.1", description = "SGD learning rate (default: ${DEFAULT-VALUE})") double lr;
    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE})") double momentum;
    @Option(names = {"--weight-decay", "--wd"}, description = "SGD weight decay (default: 5e-4, ImageNet models 1e-4)") Double weightDecay;
    @Option(names = "--nesterov", description = "Nesterov momentum for SGD") boolean nesterov;
    @Option(names = "--bs", description = "batch size (default: 128, ImageNet models 256)") Integer bs;
    @Option(names = {"--batch-size", "-b"}, description = "the ImageNet scripts' name for --bs") Integer batchSizeAlias;
    @Option(names = "--test-bs", defaultValue = "100", description = "test batch size (default: ${DEFAULT-VALUE})") int testBs;
    @Option(names = "--epochs", defaultValue = "350", description = "epochs (default: ${DEFAULT-VALUE})") int epochs;
    @Option(names = "--start-epoch", defaultValue = "-1", description = "first epoch to run (default: 0, or after the --resume'd checkpoint's)") int startEpoch;
    @Option(names = "--optimizer", defaultValue = "SGD", description = "SGD or BOP (default: ${DEFAULT-VALUE})") String optimizer;
    @Option(names = "--milestones", defaultValue = "80,120", description = "MultiStepLR epochs, x0.1 each (default: ${DEFAULT-VALUE})") String milestones;
    @Option(names = "--savedir", defaultValue = "results", description = "root of the run directories (default: ${DEFAULT-VALUE})") Path savedir;
    @Option(names = "--exp-name", defaultValue = "Peek-a-Boo", description = "run directory name under --savedir (default: ${DEFAULT-VALUE})") String expName;
    @Option(names = "--ar", defaultValue = "1e-3", description = "Bop adaptivity rate (default: ${DEFAULT-VALUE})") double ar;
    @Option(names = "--tau", defaultValue = "1e-6", description = "Bop flip threshold (default: ${DEFAULT-VALUE})") double tau;
    @Option(names = "--ar-decay-freq", defaultValue = "100", description = "epochs between Bop rate decays (default: ${DEFAULT-VALUE})") int arDecayFreq;
    @Option(names = "--ar-decay-ratio", defaultValue = "0.1", description = "Bop rate decay factor (default: ${DEFAULT-VALUE})") double arDecayRatio;
    @Option(names = "--pruner", description = "Mag, SNIP, GraSP, SynFlow or Rand (default: none)") String pruner;
    @Option(names = "--prune-epoch", defaultValue = "0", description = "epoch by which pruning is done (default: ${DEFAULT-VALUE})") int pruneEpoch;
    @Option(names = "--prune-ratio", defaultValue = "1.0", description = "fraction of weights remaining (default: ${DEFAULT-VALUE})") double pruneRatio;
    @Option(names = "--prune-iters", defaultValue = "1", description = "score-and-mask iterations per shot (default: ${DEFAULT-VALUE})") int pruneIters;
    @Option(names = "--prune-batch-size", defaultValue = "256", description = "batch size of the pruning set (default: ${DEFAULT-VALUE})") int pruneBatchSize;
    @Option(names = "--prune-schedule", defaultValue = "exponential", description = "exponential or linear (default: ${DEFAULT-VALUE})") String pruneSchedule;
    @Option(names = "--prune-scope", defaultValue = "global", description = "global or local (default: ${DEFAULT-VALUE})") String pruneScope;
    @Option(names = "--prune-shots", defaultValue = "1", description = "pruning shots (default: ${DEFAULT-VALUE})") int pruneShots;
    @Option(names = "--prune-verbose", description = "per-layer remaining/total tables") boolean pruneVerbose;
    @Option(names = "--seed", defaultValue = "0", description = "seed of everything random (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--device", description = "cpu, opencl, opencl:P:D or aparapi (see `pab devices`; default: cpu, or --use-cuda's device)") String device;
    @Option(names = "--use-cuda", description = "the compute device number: OpenCL device N (as `pab devices` numbers them)") String useCuda;
    @Option(names = {"--workers", "-j"}, defaultValue = "2", description = "data-loading threads (default: ${DEFAULT-VALUE})") int workers;
    @Option(names = "--resume", description = "a checkpoint to continue (ckpt.safetensors of a run) or weights+masks to start from (a `pab prune` output)") Path resume;
    @Option(names = {"--evaluate", "-e"}, description = "only evaluate the (--resume'd) model on the test set") boolean evaluate;
    @Option(names = {"--print-freq", "-p"}, defaultValue = "100", description = "log every N batches when there is no progress bar (default: ${DEFAULT-VALUE})") int printFreq;
    @Option(names = "--overfit-batch", description = "train (and test) on exactly this batch (safetensors input/target), one step per epoch") Path overfitBatch;
    @Option(names = "--max-steps", defaultValue = "-1", description = "stop after this many optimiser steps and save the checkpoint") long maxSteps;
    @Option(names = "--no-progress", description = "no progress bar (log lines every --print-freq batches instead)") boolean noProgress;
    @Option(names = "--world-size", defaultValue = "-1", description = "distributed: only 1 (one process) is supported") int worldSize;
    @Option(names = "--rank", defaultValue = "-1", description = "distributed: only 0 is supported") int rank;
    @Option(names = "--dist-url", description = "distributed: accepted for the seed command; one process needs no rendezvous") String distUrl;
    @Option(names = "--dist-backend", description = "distributed: accepted for the seed command; one process needs no backend") String distBackend;
    @Option(names = "--multiprocessing-distributed", description = "distributed: with --world-size 1 all work runs in this one process") boolean multiprocessingDistributed;
    @Option(names = "--gpu", description = "the ImageNet scripts' device number: OpenCL device N, like --use-cuda") Integer gpu;

    @Override
    public Integer call() {
        if (positionalData != null && data != null) throw new IllegalArgumentException("give the dataset directory once, either as DATA or as --data");
        if (worldSize > 1 || rank > 0) {
            throw new IllegalArgumentException("distributed training over several processes is not supported; run with --world-size 1 --rank 0 (or without them)");
        }
        if (!optimizer.equals("SGD") && !optimizer.equals("BOP")) throw new IllegalArgumentException("--optimizer must be SGD or BOP, got '" + optimizer + "'");
        if (epochs < 0 || testBs < 1 || workers < 0 || pruneShots < 1 || pruneEpoch < 0 || arDecayFreq < 1) {
            throw new IllegalArgumentException("--epochs, --workers and --prune-epoch must be >= 0; --test-bs, --prune-shots and --ar-decay-freq >= 1");
        }
        if (bs != null && batchSizeAlias != null && !bs.equals(batchSizeAlias)) throw new IllegalArgumentException("--bs and --batch-size disagree; give one of them");
        boolean imagenet = peekaboo.models.Models.defaultInput(arch)[1] >= 224;
        int batch = bs != null ? bs : batchSizeAlias != null ? batchSizeAlias : imagenet ? 256 : 128;
        if (batch < 1) throw new IllegalArgumentException("--bs must be at least 1, got " + batch);
        selectDevice(device, useCuda, gpu);
        int[] ms;
        try {
            ms = milestones.isBlank() ? new int[0] : Arrays.stream(milestones.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--milestones must be comma-separated epochs such as 80,120, got '" + milestones + "'");
        }
        PruneOptions prune = pruner == null ? null : new PruneOptions(PrunerKind.parse(pruner), pruneRatio, pruneIters,
                PruneOptions.Schedule.parse(pruneSchedule), PruneOptions.Scope.parse(pruneScope), -1, pruneVerbose);
        if (prune == null && pruneRatio != 1.0) throw new IllegalArgumentException("--prune-ratio needs --pruner (which pruner should reach it?)");
        TrainSettings s = new TrainSettings(arch, initMethod, dataset, data != null ? data : positionalData, numClasses,
                optimizer, lr, momentum, weightDecay != null ? weightDecay : imagenet ? 1e-4 : 5e-4, nesterov, ms,
                batch, testBs, epochs, startEpoch, ar, tau, arDecayFreq, arDecayRatio,
                prune, pruneEpoch, pruneShots, pruneBatchSize,
                psg.settings(),
                seed, workers, savedir, expName, resume, evaluate, overfitBatch, maxSteps, printFreq, !noProgress && System.console() != null);
        Trainer.run(s, System.out);
        return 0;
    }

    /** --device wins; else --use-cuda N or --gpu N pick OpenCL device N; else the CPU. */
    static void selectDevice(String device, String useCuda, Integer gpu) {
        if (device != null) {
            peekaboo.backend.DeviceSelector.use(device);
        } else if (useCuda != null && !useCuda.isBlank()) {
            try {
                peekaboo.backend.DeviceSelector.useCuda(Integer.parseInt(useCuda.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--use-cuda takes a device number such as 0, got '" + useCuda + "'");
            }
        } else if (gpu != null) {
            peekaboo.backend.DeviceSelector.useCuda(gpu);
        } else {
            peekaboo.backend.DeviceSelector.use("cpu");
        }
    }
}
