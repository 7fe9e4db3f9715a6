package peekaboo.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import peekaboo.autograd.GradMode;
import peekaboo.backend.cpu.Parallel;
import peekaboo.data.FashionMnist;
import peekaboo.data.ImageSet;
import peekaboo.ops.F;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * An engine demo until the PaB training command exists: a small conv net (conv-BN-ReLU-pool twice,
 * then linear) trained with SGD + momentum on the bundled Fashion-MNIST sample, reporting loss,
 * test accuracy and images per second.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train a small conv net on the bundled Fashion-MNIST sample (engine demo).")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data", description = "directory with the four Fashion-MNIST IDX files (default: the bundled sample)")
    Path data;

    @Option(names = "--epochs", defaultValue = "2", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--bs", defaultValue = "64", description = "batch size (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.05", description = "SGD learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, opencl, opencl:P:D or aparapi (see `pab devices`; default: ${DEFAULT-VALUE})")
    String device;

    private Tensor[] params;
    private Tensor[] momenta;
    private Tensor bn1Mean, bn1Var, bn2Mean, bn2Var;

    @Override
    public Integer call() {
        if (epochs < 1 || batchSize < 1 || !(lr > 0)) throw new IllegalArgumentException("--epochs and --bs must be at least 1 and --lr positive");
        Path dir = data != null ? data : Main.home().resolve("data-loaders/sample/fashion-mnist");
        ImageSet train = FashionMnist.load(dir, true), test = FashionMnist.load(dir, false);
        System.out.printf("pab demo: %d training and %d test images from %s, %d threads%n", train.n(), test.n(), dir, Parallel.threads());
        peekaboo.backend.Backend backend = peekaboo.backend.DeviceSelector.use(device);
        if (!"cpu".equals(backend.name())) System.out.println("pab demo: running on " + backend.name());
        Generator g = new Generator(seed);
        init(g);
        for (int epoch = 0; epoch < epochs; epoch++) {
            long t0 = System.nanoTime();
            int[] order = g.permutation(train.n());
            double lossSum = 0;
            int steps = 0;
            for (int start = 0; start + batchSize <= train.n(); start += batchSize) {
                int[] idx = java.util.Arrays.copyOfRange(order, start, start + batchSize);
                Tensor loss = F.crossEntropy(forward(images(train, idx), true), labels(train, idx));
                for (Tensor p : params) p.zeroGrad();
                loss.backward();
                sgdStep();
                lossSum += loss.item();
                steps++;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("epoch %d: train loss %.4f, test accuracy %.2f%%, %.1f s, %.0f images/s%n",
                    epoch + 1, lossSum / steps, 100 * accuracy(test), seconds, steps * batchSize / seconds);
        }
        return 0;
    }

    private void init(Generator g) {
        Tensor w1 = kaiming(g, 8, 1, 3, 3), w2 = kaiming(g, 16, 8, 3, 3);
        double bound = 1 / Math.sqrt(16 * 7 * 7);
        Tensor fc = Tensor.uniform(g, -bound, bound, DType.F32, 10, 16 * 7 * 7), fcb = Tensor.uniform(g, -bound, bound, DType.F32, 10);
        params = new Tensor[] {w1, Tensor.ones(8), Tensor.zeros(8), w2, Tensor.ones(16), Tensor.zeros(16), fc, fcb};
        momenta = new Tensor[params.length];
        for (int i = 0; i < params.length; i++) {
            params[i].requiresGrad(true);
            momenta[i] = Tensor.zerosLike(params[i]);
        }
        bn1Mean = Tensor.zeros(8);
        bn1Var = Tensor.ones(8);
        bn2Mean = Tensor.zeros(16);
        bn2Var = Tensor.ones(16);
    }

    private static Tensor kaiming(Generator g, int out, int in, int kh, int kw) {
        return Tensor.normal(g, 0, Math.sqrt(2.0 / (in * kh * kw)), DType.F32, out, in, kh, kw);
    }

    private Tensor forward(Tensor x, boolean training) {
        Tensor h = F.conv2d(x, params[0], null, 1, 1);
        h = F.maxPool2d(F.batchNorm(h, bn1Mean, bn1Var, params[1], params[2], training, 0.1, 1e-5).relu(), 2, 2, 0);
        h = F.conv2d(h, params[3], null, 1, 1);
        h = F.maxPool2d(F.batchNorm(h, bn2Mean, bn2Var, params[4], params[5], training, 0.1, 1e-5).relu(), 2, 2, 0);
        return F.linear(h.flatten(1, -1), params[6], params[7]);
    }

    private void sgdStep() {
        try (var scope = GradMode.noGrad()) {
            for (int i = 0; i < params.length; i++) {
                Tensor p = params[i];
                momenta[i].copyFrom(momenta[i].mul(0.9).add(p.grad()));
                p.requiresGrad(false);
                p.copyFrom(p.sub(momenta[i].mul(lr)));
                p.requiresGrad(true);
            }
        }
    }

    private double accuracy(ImageSet test) {
        int correct = 0;
        try (var scope = GradMode.noGrad()) {
            for (int start = 0; start < test.n(); start += 200) {
                int n = Math.min(200, test.n() - start);
                int[] idx = new int[n];
                for (int i = 0; i < n; i++) idx[i] = start + i;
                long[] pred = forward(images(test, idx), false).argmax(1, false).toLongArray();
                for (int i = 0; i < n; i++) if (pred[i] == test.labels()[idx[i]]) correct++;
            }
        }
        return (double) correct / test.n();
    }

    /** Pixels scaled to [0, 1] and normalised with Fashion-MNIST's mean 0.2860 and std 0.3530. */
    private static Tensor images(ImageSet set, int[] idx) {
        int size = set.imageSize();
        float[] v = new float[idx.length * size];
        for (int i = 0; i < idx.length; i++) {
            for (int j = 0; j < size; j++) v[i * size + j] = ((set.pixels()[idx[i] * size + j] & 0xff) / 255f - 0.2860f) / 0.3530f;
        }
        return Tensor.of(v, idx.length, set.channels(), set.height(), set.width());
    }

    private static Tensor labels(ImageSet set, int[] idx) {
        long[] y = new long[idx.length];
        for (int i = 0; i < idx.length; i++) y[i] = set.labels()[idx[i]];
        return Tensor.of(y, idx.length);
    }
}
