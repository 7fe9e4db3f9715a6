package peekaboo.cli;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import peekaboo.data.Dataset;
import peekaboo.data.Datasets;
import peekaboo.data.Sampler;
import peekaboo.data.Transform;
import peekaboo.data.Transforms;
import peekaboo.io.CheckpointException;
import peekaboo.io.SafeTensors;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.pab.prune.PruneData;
import peekaboo.pab.prune.PruneOptions;
import peekaboo.pab.prune.PrunerKind;
import peekaboo.pab.prune.Pruning;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pab prune}: stage 1 of PaB on a freshly initialised (or {@code --resume}d) network, written as a
 * safetensors state dict with PyTorch names plus a JSON sidecar. The seed's ImageNet stage-1 command runs
 * with {@code pab prune} in place of the Python script.
 */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prune a randomly initialised network at initialisation (PaB stage 1) and save weights and masks.")
final class PruneCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "DATA", description = "dataset directory (ImageNet style: with train/ inside); same as --data")
    Path positionalData;

    @Option(names = {"-a", "--arch"}, defaultValue = "resnet18", description = "architecture (default: ${DEFAULT-VALUE}); `pab models` lists them")
    String arch;

    @Option(names = "--init-method", defaultValue = "standard", description = "conv initialisation (default: ${DEFAULT-VALUE})")
    String initMethod;

    @Option(names = "--dataset", defaultValue = "imagefolder", description = "cifar10, cifar100, imagefolder, fashion-mnist, mnist or synthetic (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data", description = "dataset directory")
    Path data;

    @Option(names = "--num-classes", description = "classes (default: the dataset's, else 10 for CIFAR models and 1000 for ImageNet ones)")
    Integer numClasses;

    @Option(names = "--input", description = "input CxHxW (default: the architecture's)")
    String input;

    @Option(names = "--pruner", required = true, description = "Mag, SNIP, GraSP, SynFlow or Rand")
    String pruner;

    @Option(names = "--prune-ratio", defaultValue = "1.0", description = "fraction of weights remaining (default: ${DEFAULT-VALUE}, prunes nothing)")
    double pruneRatio;

    @Option(names = "--prune-iters", defaultValue = "1", description = "score-and-mask iterations (default: ${DEFAULT-VALUE})")
    int pruneIters;

    @Option(names = "--prune-schedule", defaultValue = "exponential", description = "exponential or linear (default: ${DEFAULT-VALUE})")
    String pruneSchedule;

    @Option(names = "--prune-scope", defaultValue = "global", description = "global or local (default: ${DEFAULT-VALUE})")
    String pruneScope;

    @Option(names = "--prune-classifier-ratio", defaultValue = "-1", description = "local scope: the classifier's own fraction remaining (default: the same as --prune-ratio)")
    double classifierRatio;

    @Option(names = "--prune-batch-size", defaultValue = "256", description = "batch size for scoring (default: ${DEFAULT-VALUE})")
    int pruneBatchSize;

    @Option(names = "--prune-epoch", defaultValue = "0", description = "must be 0 here: pruning before training (multi-shot pruning is `pab train`'s)")
    int pruneEpoch;

    @Option(names = "--prune-shots", defaultValue = "1", description = "must be 1 here (multi-shot pruning is `pab train`'s)")
    int pruneShots;

    @Option(names = "--prune-verbose", description = "print the per-layer remaining/total table after each iteration")
    boolean verbose;

    @Option(names = "--prune-batch", description = "safetensors file with `input` [N,C,H,W] and `target` int64 [N]: score on exactly that batch")
    Path pruneBatch;

    @Option(names = "--prune-samples", defaultValue = "100", description = "size of the random training subset scored on (default: ${DEFAULT-VALUE}, as the reference)")
    int pruneSamples;

    @Option(names = "--resume", description = "start from the weights (and masks) in this safetensors file instead of a fresh initialisation")
    Path resume;

    @Option(names = "--pruned-save-name", defaultValue = "results/pruned_model.safetensors", description = "output file (default: ${DEFAULT-VALUE}); a .json sidecar is written next to it")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "seed of initialisation and data sampling (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--device", description = "cpu, opencl, opencl:P:D or aparapi (default: cpu, or --use-cuda's device)")
    String device;

    @Option(names = "--use-cuda", description = "OpenCL device N (as `pab devices` numbers them)")
    String useCuda;

    @Option(names = "--gpu", description = "the ImageNet scripts' device number, like --use-cuda")
    Integer gpu;

    @Option(names = {"-j", "--workers"}, defaultValue = "2", description = "data-loading threads (default: ${DEFAULT-VALUE})")
    int workers;

    private Dataset train;

    @Override
    public Integer call() throws IOException {
        if (pruneEpoch != 0) throw new IllegalArgumentException("pab prune prunes before training, so --prune-epoch must be 0; prune later with `pab train --prune-epoch E`");
        if (pruneShots != 1) throw new IllegalArgumentException("pab prune runs one shot; multi-shot pruning (--prune-shots) belongs to `pab train`");
        if (pruneBatchSize < 1 || workers < 0 || pruneSamples < 1) throw new IllegalArgumentException("--prune-batch-size and --prune-samples must be at least 1 and --workers at least 0");
        if (positionalData != null && data != null) throw new IllegalArgumentException("give the dataset directory once, either as DATA or as --data");
        Path dir = data != null ? data : positionalData;
        TrainCommand.selectDevice(device, useCuda, gpu);
        PruneOptions options = new PruneOptions(PrunerKind.parse(pruner), pruneRatio, pruneIters, PruneOptions.Schedule.parse(pruneSchedule),
                PruneOptions.Scope.parse(pruneScope), classifierRatio, verbose);
        InitMethod init = InitMethod.parse(initMethod);
        Generator g = new Generator(seed);

        train = dir != null ? Datasets.open(dataset, dir, true, false) : null;
        int[] in = input != null ? SummaryCommand.parseInput(input) : Models.defaultInput(arch);
        boolean imagenet = in[1] >= 224;
        int classes = numClasses != null ? numClasses : train != null ? train.classes().length : imagenet ? 1000 : 10;
        Network net = Models.build(arch, classes, in, init, g);
        if (resume != null) {
            net.loadStateDict(SafeTensors.read(resume), true);
            System.out.println("=> weights from " + resume);
        }

        PruneData pruneData;
        if (pruneBatch != null) {
            Map<String, Tensor> b = SafeTensors.read(pruneBatch);
            if (!b.containsKey("input") || !b.containsKey("target")) {
                throw new CheckpointException("pruning batch " + pruneBatch + " needs tensors `input` [N,C,H,W] and `target` int64 [N]");
            }
            pruneData = PruneData.fixed(b.get("input").to(peekaboo.tensor.DType.F32), b.get("target"), pruneBatchSize);
        } else if (train != null) {
            int[] indices = Sampler.drawSubset(train.size(), Math.min(pruneSamples, train.size()), g);
            Transform t = imagenet ? Transforms.imagenetTrain() : Datasets.cifarTransform(dataset, true);
            pruneData = PruneData.subset(train, t, indices, pruneBatchSize, seed, in);
        } else {
            if (options.pruner().needsData()) {
                throw new IllegalArgumentException(options.pruner().flag() + " scores on training data: give DATA (or --data and --dataset) or --prune-batch FILE");
            }
            pruneData = PruneData.none(in);
        }

        System.out.printf("=> pruning %s (%,d prunable weights) with %s to density %s, %d iteration(s), %s scope%n", arch,
                Pruning.report(net, pruneRatio).total(), options.pruner().flag(), pruneRatio, pruneIters, pruneScope);
        long t0 = System.nanoTime();
        Pruning.Report report = Pruning.prune(net, options, pruneData, g, System.out);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("=> pruning took %.2f s%n", seconds);
        save(net, report, seconds);
        return 0;
    }

    private void save(Network net, Pruning.Report report, double seconds) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("arch", arch);
        meta.put("num_classes", Integer.toString(net.numClasses()));
        meta.put("pruner", pruner);
        meta.put("prune_ratio", Double.toString(pruneRatio));
        SafeTensors.write(out, net.stateDict(), meta);
        Map<String, Object> sidecar = new LinkedHashMap<>();
        sidecar.put("arch", arch);
        sidecar.put("num_classes", net.numClasses());
        sidecar.put("input", net.inputShape());
        sidecar.put("init_method", initMethod);
        sidecar.put("seed", seed);
        sidecar.put("pruner", PrunerKind.parse(pruner).flag());
        sidecar.put("prune_ratio", pruneRatio);
        sidecar.put("prune_iters", pruneIters);
        sidecar.put("prune_schedule", pruneSchedule);
        sidecar.put("prune_scope", pruneScope);
        sidecar.put("prune_batch_size", pruneBatchSize);
        sidecar.put("data", pruneBatch != null ? "prune-batch " + pruneBatch.getFileName() : train != null ? dataset : "none (data-free)");
        sidecar.put("remaining", report.remaining());
        sidecar.put("total", report.total());
        sidecar.put("density", report.density());
        Map<String, Object> layers = new LinkedHashMap<>();
        report.layers().forEach((k, v) -> layers.put(k, Map.of("remaining", v[0], "total", v[1], "density", (double) v[0] / v[1])));
        sidecar.put("layers", layers);
        sidecar.put("seconds", seconds);
        Path json = sidecarPath(out);
        Path tmp = json.resolveSibling("." + json.getFileName() + ".tmp");
        Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().create().toJson(sidecar));
        Files.move(tmp, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("=> saved " + out + " and " + json);
    }

    static Path sidecarPath(Path file) {
        String name = file.getFileName().toString();
        String base = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return file.resolveSibling(base + ".json");
    }
}
