package peekaboo.cli;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import peekaboo.autograd.GradMode;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.nn.Conv2d;
import peekaboo.nn.Linear;
import peekaboo.nn.Module;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pab summary}: the per-layer table of one architecture (output shape, parameters, multiply-accumulates). */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Per-layer table of an architecture: output shape, parameters and multiply-accumulates for one image.")
final class SummaryCommand implements Callable<Integer> {
    @Option(names = "--arch", required = true, description = "architecture (see `pab models`)")
    String arch;

    @Option(names = "--num-classes", defaultValue = "10", description = "classes (default: ${DEFAULT-VALUE})")
    int numClasses;

    @Option(names = "--input", description = "input CxHxW (default: the architecture's, 3x32x32 or 3x224x224)")
    String input;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, opencl, opencl:P:D or aparapi (see `pab devices`; default: ${DEFAULT-VALUE})")
    String device;

    @Override
    public Integer call() {
        TrainCommand.selectDevice(device, null, null);
        int[] in = input == null ? Models.defaultInput(arch) : parseInput(input);
        Network net = Models.build(arch, numClasses, in, InitMethod.STANDARD, new Generator(0));
        net.eval();
        Map<Module, String> names = new IdentityHashMap<>();
        net.namedModules().forEach((k, v) -> names.put(v, k));
        System.out.printf("%s, %d classes, input %s%n", arch, numClasses, input == null ? in[0] + "x" + in[1] + "x" + in[2] : input);
        System.out.printf("%-34s %-44s %-18s %12s %16s%n", "layer", "type", "output", "parameters", "MACs");
        long[] totals = new long[2];
        try (var g = GradMode.noGrad(); var hook = Module.addForwardHook((m, x, y) -> {
            if (!m.children().isEmpty()) return;
            long params = 0;
            for (String p : new String[] {"weight", "bias"}) if (m.param(p) != null) params += m.param(p).numel();
            long macs = macs(m, y);
            totals[0] += params;
            totals[1] += macs;
            int[] s = y.shape();
            System.out.printf("%-34s %-44s %-18s %,12d %,16d%n", names.get(m), m.describe(), Shape.str(java.util.Arrays.copyOfRange(s, 1, s.length)), params, macs);
        })) {
            Tensor y = net.forward(Tensor.zeros(1, in[0], in[1], in[2]));
            System.out.printf("%-34s %-44s %-18s %,12d %,16d%n", "total", "", Shape.str(java.util.Arrays.copyOfRange(y.shape(), 1, 2)), totals[0], totals[1]);
        }
        if (totals[0] != net.parameterCount()) {
            System.out.printf("(parameters in layers not reached by forward: %,d)%n", net.parameterCount() - totals[0]);
        }
        return 0;
    }

    private static long macs(Module m, Tensor y) {
        if (m instanceof Conv2d c) return (long) y.numel() * (c.inChannels / c.groups) * c.kernelH * c.kernelW;
        if (m instanceof Linear l) return (long) l.inFeatures * l.outFeatures;
        return 0;
    }

    static int[] parseInput(String text) {
        try {
            int[] s = Shape.parse(text);
            if (s.length == 3 && s[0] > 0 && s[1] > 0 && s[2] > 0) return s;
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("--input must look like 3x32x32 (channels x height x width), got '" + text + "'");
    }
}
