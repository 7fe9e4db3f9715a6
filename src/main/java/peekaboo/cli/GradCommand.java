package peekaboo.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import peekaboo.backend.Backends;
import peekaboo.io.CheckpointException;
import peekaboo.io.SafeTensors;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.pab.psg.GradientAgreement;
import peekaboo.pab.psg.PsgConfig;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pab grad}: one training-mode forward and backward of a model on a fixed batch, writing the loss,
 * the logits and every parameter's gradient (PSG weight gradients for a Psg architecture, spec section 4),
 * for comparison with the reference; {@code --compare} prints how each PSG weight gradient agrees with the
 * exact one.
 */
@Command(name = "grad", mixinStandardHelpOptions = true, sortOptions = false,
        description = "One forward/backward on a batch: write loss, logits and gradients (PSG ones for Psg architectures).")
final class GradCommand implements Callable<Integer> {
    @Option(names = {"-a", "--arch"}, required = true, description = "architecture; `pab models` lists them (PsgResNet20, psg_resnet18, ...)")
    String arch;

    @Option(names = "--resume", description = "weights (and masks) to load, a safetensors state dict; without it a fresh --init-method init from --seed")
    Path resume;

    @Option(names = "--batch", required = true, description = "safetensors file with `input` float32 [N,C,H,W] and `target` int64 [N]")
    Path batch;

    @Option(names = "--out", description = "output safetensors: `loss` [1], `logits` [N,K], `grad.<parameter>` for every parameter")
    Path out;

    @Option(names = "--num-classes", description = "classes (default: from the checkpoint's classifier, else 10, or 1000 for ImageNet models)")
    Integer numClasses;

    @Option(names = "--init-method", defaultValue = "standard", description = "initialisation without --resume (default: ${DEFAULT-VALUE})")
    String initMethod;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the initialisation without --resume (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--msb-bits", description = "bits of the quantised conv input (default: 4)")
    Integer msbBits;

    @Option(names = "--msb-bits-weight", description = "accepted for the reference's command line; changes no number (default: 4)")
    Integer msbBitsWeight;

    @Option(names = "--msb-bits-grad", description = "bits of the quantised output gradient (default: 8)")
    Integer msbBitsGrad;

    @Option(names = "--psg-threshold", description = "relative threshold v: keep |G_msb| >= |v| max|G_msb| (default: 0)")
    Double threshold;

    @Option(names = "--psg-sparsify", description = "use only the kept low-precision entries (else the rest come from the exact gradient)")
    Boolean sparsify;

    @Option(names = "--psg-no-take-sign", description = "do not take the sign of the weight gradient")
    Boolean noTakeSign;

    @Option(names = "--psg-no-backward", description = "no low-precision branch: the exact weight gradient (its sign unless --psg-no-take-sign)")
    Boolean noBackward;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, opencl, opencl:P:D or aparapi (see `pab devices`; default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--compare", description = "print per conv layer the cosine similarity, sign agreement and sparsity of the PSG weight gradient against the exact one")
    boolean compare;

    @Override
    public Integer call() {
        boolean psg = Models.isPsg(arch);
        boolean psgFlags = msbBits != null || msbBitsWeight != null || msbBitsGrad != null || threshold != null || sparsify != null
                || noTakeSign != null || noBackward != null;
        if (!psg && (psgFlags || compare)) {
            throw new IllegalArgumentException("PSG flags and --compare need a Psg architecture (e.g. Psg" + arch + "), not " + arch);
        }
        if (out == null && !compare) throw new IllegalArgumentException("give --out FILE for the gradients, or --compare to print the PSG comparison");
        PsgConfig d = PsgConfig.DEFAULTS;
        PsgConfig cfg = new PsgConfig(msbBits != null ? msbBits : d.msbBits(), msbBitsWeight != null ? msbBitsWeight : d.msbBitsWeight(),
                msbBitsGrad != null ? msbBitsGrad : d.msbBitsGrad(), threshold != null ? threshold : d.threshold(),
                Boolean.TRUE.equals(sparsify), !Boolean.TRUE.equals(noTakeSign), !Boolean.TRUE.equals(noBackward));

        TrainCommand.selectDevice(device, null, null);
        Map<String, Tensor> b = SafeTensors.read(batch);
        Tensor x = b.get("input"), y = b.get("target");
        if (x == null || y == null || x.dim() != 4 || y.dim() != 1 || y.size(0) != x.size(0) || y.dtype() != DType.I64) {
            throw new CheckpointException("batch " + batch + " needs tensors `input` [N,C,H,W] and `target` int64 [N]");
        }
        x = x.to(DType.F32).to(Backends.getDefault());
        y = y.to(Backends.getDefault());
        Map<String, Tensor> weights = resume != null ? SafeTensors.read(resume) : null;
        int[] in = {x.size(1), x.size(2), x.size(3)};
        int classes = numClasses != null ? numClasses : classesOf(weights, Models.defaultInput(arch)[1] >= 224 ? 1000 : 10);
        Network net = build(cfg, classes, in, weights);
        Network exact = compare ? build(new PsgConfig(32, 32, 32, 0, false, false, true), classes, in, weights) : null;
        if (exact != null) exact.loadStateDict(net.stateDict(), true); // same weights also without --resume

        Tensor[] result = step(net, x, y);
        System.out.printf("%s on %d samples: loss %.6f%n", arch, x.size(0), result[1].item());
        if (out != null) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("loss", result[1].reshape(1));
            tensors.put("logits", result[0]);
            net.namedParameters().forEach((k, p) -> tensors.put("grad." + k, p.grad() != null ? p.grad() : Tensor.zerosLike(p)));
            SafeTensors.write(out, tensors, Map.of("arch", arch, "psg", psg ? cfg.toString() : "none"));
            System.out.println("=> saved " + out);
        }
        if (exact != null) printComparison(net, exact, x, y, cfg);
        return 0;
    }

    private Network build(PsgConfig cfg, int classes, int[] in, Map<String, Tensor> weights) {
        Network net = Models.build(arch, classes, in, InitMethod.parse(initMethod), new Generator(seed), cfg);
        if (weights != null) net.loadStateDict(weights, true);
        return net;
    }

    /** The class count of a checkpoint: the rows of its classifier weight. */
    private static int classesOf(Map<String, Tensor> weights, int fallback) {
        if (weights == null) return fallback;
        for (String k : new String[] {"linear.weight", "fc.weight", "classifier.weight"}) {
            if (weights.containsKey(k) && weights.get(k).dim() == 2) return weights.get(k).size(0);
        }
        return fallback;
    }

    /** {logits, loss} of one training-mode forward and backward. */
    private static Tensor[] step(Network net, Tensor x, Tensor y) {
        net.train(true);
        net.zeroGrad();
        Tensor logits = net.forward(x);
        Tensor loss = F.crossEntropy(logits, y);
        loss.backward();
        return new Tensor[] {logits.detach(), loss.detach()};
    }

    private void printComparison(Network net, Network exact, Tensor x, Tensor y, PsgConfig cfg) {
        step(exact, x, y);
        System.out.println("PSG weight gradient vs the exact one (" + cfg + "), over unpruned weights:");
        System.out.printf("  %-34s %10s %8s %10s %9s%n", "layer", "weights", "cosine", "sign agr.", "sparsity");
        Map<String, Tensor[]> prunable = net.prunable();
        Map<String, Tensor> exactParams = exact.bopParameters();
        double dot = 0;
        for (var e : net.bopParameters().entrySet()) {
            Tensor p = e.getValue(), q = exactParams.get(e.getKey());
            Tensor[] wm = prunable.get(e.getKey());
            double[] gp = p.grad() != null ? p.grad().toDoubleArray() : new double[p.numel()];
            double[] ge = q.grad() != null ? q.grad().toDoubleArray() : new double[q.numel()];
            GradientAgreement a = GradientAgreement.of(gp, ge, wm != null ? wm[1].toDoubleArray() : null);
            System.out.printf("  %-34s %10d %8.4f %9.2f%% %8.2f%%%n", e.getKey(), a.entries(), a.cosine(), 100 * a.signAgreement(), 100 * a.sparsity());
            dot += a.cosine();
        }
        System.out.printf("  mean cosine over %d conv layers: %.4f%n", net.bopParameters().size(), dot / Math.max(1, net.bopParameters().size()));
    }
}
