package peekaboo.cli;

import java.util.concurrent.Callable;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.tensor.Generator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pab models}: every architecture with its parameter count. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List every architecture with its parameter count.")
final class ModelsCommand implements Callable<Integer> {
    @Option(names = "--num-classes", description = "classes of the classifier (default: 10 for CIFAR models, 1000 for ImageNet ones)")
    Integer numClasses;

    @Override
    public Integer call() {
        System.out.printf("%-18s %-10s %14s %14s %8s%n", "arch", "input", "parameters", "prunable", "masked");
        for (String arch : Models.names()) {
            int[] input = Models.defaultInput(arch);
            int classes = numClasses != null ? numClasses : input[1] >= 224 ? 1000 : 10;
            Network net = Models.build(arch, classes, input, InitMethod.STANDARD, new Generator(0));
            long prunable = net.prunable().values().stream().mapToLong(t -> t[0].numel()).sum();
            System.out.printf("%-18s %-10s %,14d %,14d %8d%n", arch, input[0] + "x" + input[1] + "x" + input[2],
                    net.parameterCount(), prunable, net.prunable().size());
        }
        return 0;
    }
}
