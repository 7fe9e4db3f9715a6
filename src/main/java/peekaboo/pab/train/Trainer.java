package peekaboo.pab.train;

import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import peekaboo.autograd.GradMode;
import peekaboo.backend.Backends;
import peekaboo.backend.StepArena;
import peekaboo.data.Batch;
import peekaboo.data.DataLoader;
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
import peekaboo.ops.F;
import peekaboo.pab.prune.PruneData;
import peekaboo.pab.prune.Pruning;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * The training loop of spec section 5: per epoch, prune when a shot is due, train, test, save
 * {@code ckpt} (and {@code ckpt_best} on a strictly better test accuracy), step the LR schedule and
 * Bop's adaptivity-rate decay. Bop trains the conv parameters and SGD the rest under
 * {@code --optimizer BOP}; SGD trains everything under {@code --optimizer SGD}.
 */
public final class Trainer {
    private final TrainSettings s;
    private final RunLog log;
    private final Generator g;
    private final Network net;
    private final Optimizers optim;
    private final Data data;
    private final boolean imagenet;
    private int startEpoch, curShot;
    private long steps;
    private double bestAcc;

    /** Final figures of a run. */
    public record Result(int epochsRun, long steps, double lastTestAcc, double bestAcc, double density, Path runDir) {}

    private Trainer(TrainSettings s, PrintStream console) {
        this.s = s;
        this.log = new RunLog(s.runDir(), console, s.progress());
        this.g = new Generator(s.seed());
        this.data = Data.open(s, g);
        int[] input = data.inputShape();
        this.imagenet = (input != null && input[1] >= 224) || Models.defaultInput(s.arch())[1] >= 224;
        int classes = s.numClasses() != null ? s.numClasses() : data.classes();
        this.net = Models.build(s.arch(), classes, input, InitMethod.parse(s.initMethod()), g, s.psg().toConfig());
        log.info("==> %s on %s, %d classes, seed %d, device %s", s.arch(), s.data() != null ? s.data() : s.overfitBatch() != null ? s.overfitBatch() : s.dataset(),
                classes, s.seed(), Backends.getDefault().name());
        initCheckpoint();
        Checkpoint.Loaded resumed = s.resume() != null ? Checkpoint.load(s.resume()) : null;
        if (resumed != null) net.loadStateDict(resumed.model(), true);
        this.optim = new Optimizers(s, net, imagenet);
        if (resumed != null && resumed.isTrainingCheckpoint()) restore(resumed);
        else if (resumed != null) log.info("==> weights and masks from %s (density %.4f)", s.resume(), density());
        if (s.startEpoch() >= 0) startEpoch = s.startEpoch();
        data.prepare(s, g, net.inputShape(), imagenet);
    }

    /** Runs the whole schedule (or only the evaluation with {@code --evaluate}). */
    public static Result run(TrainSettings s, PrintStream console) {
        Trainer t = new Trainer(s, console);
        try {
            return t.loop();
        } finally {
            t.data.close();
            t.log.close();
        }
    }

    private void initCheckpoint() {
        Path init = s.runDir().resolve("init.safetensors");
        if (Files.exists(init)) {
            log.info("==> An initialization checkpoint exists. Resuming from the initialization..");
            net.loadStateDict(SafeTensors.read(init), true);
        } else {
            log.info("==> Saving initialization to %s", init);
            SafeTensors.write(init, net.stateDict(), Map.of("format", "pt", "arch", s.arch()));
        }
    }

    private void restore(Checkpoint.Loaded c) {
        optim.loadStateDict(c.optimizer());
        JsonObject info = c.info();
        startEpoch = info.get("epoch").getAsInt() + 1;
        bestAcc = info.get("best_acc").getAsDouble();
        curShot = info.get("prune_shots_done").getAsInt();
        steps = info.get("steps").getAsLong();
        var st = info.getAsJsonArray("generator");
        g.setState(new long[] {st.get(0).getAsLong(), st.get(1).getAsLong(), st.get(2).getAsLong(), st.get(3).getAsLong()});
        log.info("==> Resuming from %s: epoch %d done, best test accuracy %.2f%%", s.resume(), startEpoch - 1, bestAcc);
    }

    private Result loop() {
        double lastAcc = Double.NaN;
        if (s.evaluate()) {
            double[] t = test();
            log.info("Evaluation: test loss %.4f, accuracy %.2f%%%s", t[0], t[1], imagenet ? String.format(", top-5 %.2f%%", t[2]) : "");
            return new Result(0, steps, t[1], bestAcc, density(), s.runDir());
        }
        int interval = s.pruneShots() > 0 ? s.pruneEpoch() / s.pruneShots() : 0;
        int epoch = startEpoch, run = 0;
        for (; epoch < s.epochs() && !stepLimitReached(); epoch++, run++) {
            if (s.prune() != null && curShot < s.pruneShots() && epoch == (curShot + 1) * interval) pruneShot(epoch);
            optim.epochStarting(epoch);
            long t0 = System.nanoTime();
            double[] train = trainEpoch(epoch);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double[] test = test();
            lastAcc = test[1];
            boolean complete = train[4] > 0;
            optim.epochFinished(epoch);
            save(epoch, test[1]);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", epoch);
            m.put("train_loss", train[0]);
            m.put("train_acc", train[1]);
            m.put("test_loss", test[0]);
            m.put("test_acc", test[1]);
            if (imagenet) m.put("test_top5", test[2]);
            if (!Double.isNaN(optim.lr())) m.put("lr", optim.lr());
            if (!Double.isNaN(optim.ar())) m.put("bop_ar", optim.ar());
            m.put("flips", (long) train[2]);
            m.put("density", density());
            m.put("seconds", seconds);
            m.put("images_per_second", train[3] / seconds);
            m.put("complete", complete);
            log.metrics(m);
            log.info("Epoch: %d\t train loss %.4f, acc %.2f%% | test loss %.4f, Test Accuracy: %.2f%%%s | flips %d, density %.4f, %.1f s (%.0f img/s)",
                    epoch, train[0], train[1], test[0], test[1], imagenet ? String.format(", top-5 %.2f%%", test[2]) : "",
                    (long) train[2], density(), seconds, train[3] / seconds);
        }
        log.info("best acc %.2f at the end of %d epoch(s), %d optimiser steps", bestAcc, run, steps);
        return new Result(run, steps, lastAcc, bestAcc, density(), s.runDir());
    }

    private boolean stepLimitReached() { return s.maxSteps() >= 0 && steps >= s.maxSteps(); }

    private void pruneShot(int epoch) {
        double target = 1 - (1 - s.prune().density()) * (curShot + 1) / s.pruneShots();
        log.info("==> Pruning shot %d of %d at epoch %d: %s to density %.6f", curShot + 1, s.pruneShots(), epoch, s.prune().pruner().flag(), target);
        Pruning.Report r = Pruning.prune(net, s.prune().withDensity(target), data.pruneData(), g, logStream());
        log.info("remaining/total: %d/%d (density %.6f)%s", r.remaining(), r.total(), r.density(),
                r.offTarget() ? String.format("; WARNING: %d prunable parameters remaining, expected %.1f", r.remaining(), r.total() * target) : "");
        curShot++;
    }

    private PrintStream logStream() {
        return new PrintStream(new java.io.OutputStream() {
            private final StringBuilder line = new StringBuilder();

            @Override public void write(int b) {
                if (b == '\n') {
                    log.info("%s", line);
                    line.setLength(0);
                } else {
                    line.append((char) b);
                }
            }
        }, true);
    }

    /** One epoch of training; returns {mean loss, accuracy %, flips, images, 1 if the epoch was complete}. */
    private double[] trainEpoch(int epoch) {
        net.train(true);
        releaseMemoryOfOtherBatchSize();
        Iterable<Batch> batches = data.trainEpoch(epoch);
        double lossSum = 0;
        long correct = 0, seen = 0, flips = 0;
        int done = 0;
        try (ProgressBar bar = log.bar("epoch " + epoch, data.trainBatches())) {
            for (Batch b : batches) {
                if (stepLimitReached()) break;
                optim.zeroGrad();
                double l;
                try (StepArena arena = StepArena.open()) { // this step's activations back to the pool at the end
                    Tensor out = net.forward(b.inputs());
                    Tensor loss = F.crossEntropy(out, b.targets());
                    l = loss.item();
                    if (!Double.isFinite(l)) {
                        throw new TrainingDivergedException("the training loss became " + l + " at epoch " + epoch + ", step "
                                + done + "; stopping with the last good checkpoint in " + s.runDir() + " (try a lower --lr)");
                    }
                    loss.backward();
                    correct += correct(out, b.targets(), 1);
                    keepModelState(arena);
                }
                flips += optim.step();
                steps++;
                done++;
                lossSum += l;
                seen += b.size();
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(String.format(" loss %.4f acc %.2f%%", lossSum / done, 100.0 * correct / seen));
                } else if (s.printFreq() > 0 && done % s.printFreq() == 0) {
                    log.info("epoch %d [%d/%d] loss %.4f acc %.2f%%", epoch, done, data.trainBatches(), lossSum / done, 100.0 * correct / seen);
                }
            }
        }
        return new double[] {done == 0 ? Double.NaN : lossSum / done, seen == 0 ? Double.NaN : 100.0 * correct / seen, flips, seen,
                done == data.trainBatches() ? 1 : 0};
    }

    /**
     * Between training and testing with different batch sizes: none of one phase's pooled memory fits
     * the other's tensors, so it goes back to the garbage collector instead of adding to the peak
     * (a 20-step ResNet-20 run, batch 128, test batch 100: peak RSS ~1,000 MB with both kept, ~700 MB
     * with equal batch sizes).
     */
    private void releaseMemoryOfOtherBatchSize() {
        if (s.batchSize() != s.testBatchSize()) {
            Backends.getDefault().releaseCachedMemory();
        }
    }

    /** Keeps what the model holds after a step (gradients, parameters, buffers) out of the arena's recycling. */
    private void keepModelState(StepArena arena) {
        keepModelState(net, arena);
    }

    static void keepModelState(peekaboo.nn.Module net, StepArena arena) {
        for (Tensor p : net.parameters()) {
            arena.keep(java.util.Arrays.asList(p, p.grad()));
        }
        arena.keep(net.namedBuffers().values());
    }

    /** {loss, top-1 %, top-5 %} on the test set in eval mode. */
    double[] test() {
        net.eval();
        releaseMemoryOfOtherBatchSize();
        double lossSum = 0;
        long top1 = 0, top5 = 0, seen = 0;
        int n = 0;
        try (var scope = GradMode.noGrad()) {
            for (Batch b : data.testBatches()) {
                try (StepArena arena = StepArena.open()) { // nothing of the pass outlives it
                    Tensor out = net.forward(b.inputs());
                    lossSum += F.crossEntropy(out, b.targets()).item();
                    top1 += correct(out, b.targets(), 1);
                    top5 += correct(out, b.targets(), Math.min(5, out.size(1)));
                    keepModelState(arena);
                }
                seen += b.size();
                n++;
            }
        }
        return new double[] {lossSum / Math.max(n, 1), 100.0 * top1 / Math.max(seen, 1), 100.0 * top5 / Math.max(seen, 1)};
    }

    static long correct(Tensor logits, Tensor targets, int k) {
        double[] v = logits.toDoubleArray();
        long[] y = targets.toLongArray();
        int classes = logits.size(1);
        long c = 0;
        for (int i = 0; i < y.length; i++) {
            double target = v[i * classes + (int) y[i]];
            int better = 0;
            for (int j = 0; j < classes; j++) {
                double o = v[i * classes + j];
                if (o > target || (o == target && j < y[i])) better++;
            }
            if (better < k) c++;
        }
        return c;
    }

    private void save(int epoch, double acc) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("epoch", epoch);
        info.put("acc", acc);
        info.put("best_acc", Math.max(bestAcc, acc));
        info.put("prune_shots_done", curShot);
        info.put("steps", steps);
        info.put("generator", g.getState());
        info.put("arch", s.arch());
        info.put("settings", s.toString());
        Path ckpt = s.runDir().resolve("ckpt.safetensors");
        Checkpoint.save(ckpt, net.stateDict(), optim.stateDict(), info);
        if (acc > bestAcc) {
            bestAcc = acc;
            Checkpoint.copy(ckpt, s.runDir().resolve("ckpt_best.safetensors"));
        }
    }

    double density() { return Pruning.report(net, 1).density(); }

    /** Where the batches come from: a dataset with the spec's transforms, or one fixed batch (--overfit-batch). */
    static final class Data implements AutoCloseable {
        private Dataset train, test;
        private Tensor batchX, batchY;
        private DataLoader trainLoader, testLoader;
        private PruneData pruneData;
        private final int[] inputShape;
        private final int classes;

        private Data(Dataset train, Dataset test, Tensor x, Tensor y, int[] inputShape, int classes) {
            this.train = train;
            this.test = test;
            this.batchX = x;
            this.batchY = y;
            this.inputShape = inputShape;
            this.classes = classes;
        }

        static Data open(TrainSettings s, Generator g) {
            if (s.overfitBatch() != null) {
                Map<String, Tensor> b = SafeTensors.read(s.overfitBatch());
                Tensor x = b.get("input"), y = b.get("target");
                if (x == null || y == null || x.dim() != 4) {
                    throw new CheckpointException("batch file " + s.overfitBatch() + " needs `input` float32 [N,C,H,W] and `target` int64 [N]");
                }
                long max = 0;
                for (long v : y.toLongArray()) max = Math.max(max, v);
                return new Data(null, null, x.to(peekaboo.tensor.DType.F32), y, new int[] {x.size(1), x.size(2), x.size(3)}, (int) max + 1);
            }
            if (s.data() == null && !s.dataset().equals("synthetic")) {
                throw new IllegalArgumentException("--dataset " + s.dataset() + " needs --data DIR (this machine cannot download datasets)");
            }
            Dataset train = Datasets.open(s.dataset(), s.data(), true, false), test = Datasets.open(s.dataset(), s.data(), false, false);
            return new Data(train, test, null, null, null, train.classes().length);
        }

        int[] inputShape() {
            if (inputShape != null) return inputShape.clone();
            // every dataset reaches the network through a transform ending in a CHW tensor of the net's input size
            return null;
        }

        int classes() { return classes; }

        void prepare(TrainSettings s, Generator g, int[] input, boolean imagenet) {
            if (train == null) {
                pruneData = PruneData.fixed(batchX, batchY, s.pruneBatchSize());
                return;
            }
            Transform tt = imagenet ? Transforms.imagenetTrain() : Datasets.cifarTransform(s.dataset(), true);
            Transform te = imagenet ? Transforms.imagenetVal() : Datasets.cifarTransform(s.dataset(), false);
            trainLoader = new DataLoader(train, tt, DataLoader.Options.of(s.batchSize()).shuffled(s.seed()).workers(s.workers()));
            testLoader = new DataLoader(test, te, DataLoader.Options.of(s.testBatchSize()).workers(s.workers()));
            int[] indices = Sampler.drawSubset(train.size(), Math.min(100, train.size()), g);
            pruneData = PruneData.subset(train, tt, indices, s.pruneBatchSize(), s.seed(), input);
        }

        PruneData pruneData() { return pruneData; }

        /** The epoch's batches, streamed from the loader's workers while the steps run. */
        Iterable<Batch> trainEpoch(int epoch) {
            if (trainLoader == null) return List.of(new Batch(batchX, batchY, new int[batchY.size(0)]));
            return trainLoader.epoch(epoch);
        }

        /** Batches per training epoch. */
        int trainBatches() {
            return trainLoader == null ? 1 : trainLoader.batches(train.size());
        }

        Iterable<Batch> testBatches() {
            if (testLoader == null) return List.of(new Batch(batchX, batchY, new int[batchY.size(0)]));
            return testLoader.epoch(0);
        }

        @Override
        public void close() {
            if (trainLoader != null) trainLoader.close();
            if (testLoader != null) testLoader.close();
        }
    }
}
